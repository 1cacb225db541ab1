/**
 * Child process of bench/webhook-ingest.ts: a Temporal worker with the same SDK defaults as
 * workers/create-worker.ts, running only noopWorkflow and its no-op activity.
 * Env: TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE. Prints "raw worker running" once polling.
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadEnv } from '../../lib/env.ts';

const env = loadEnv();
const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
const worker = await Worker.create({
  connection,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: env.TEMPORAL_TASK_QUEUE,
  workflowsPath: fileURLToPath(new URL('./noop.workflow.ts', import.meta.url)),
  activities: { noop: async () => undefined },
  shutdownGraceTime: '10s',
});
process.stdout.write('raw worker running\n');
await worker.run();
await connection.close();
