/**
 * Bundles the workflow code (workflows/index.ts) into one file: `node workers/bundle-workflows.ts <out.js>`.
 *
 * The worker runs this in a child process (workers/create-worker.ts workflowBundlePath) rather than calling
 * bundleWorkflowCode itself: webpack and its compilation stayed in the worker's heap for the life of the process,
 * about 150 MiB of RSS for a 1.7 MB bundle (docs/architecture.md "Worker memory").
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

if (import.meta.main) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node workers/bundle-workflows.ts <out.js>\n');
    process.exit(2);
  }
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  writeFileSync(out, code);
}
