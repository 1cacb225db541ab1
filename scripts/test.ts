/**
 * `npm test`: type-check, lint, then every test (unit, API, end to end against real PostgreSQL, the
 * Temporal dev server and Chromium). The bootstrap has already provided Node 24, the Temporal CLI and Chromium.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { progress } from './services.ts';

function run(label: string, command: string, args: string[], options: { cwd?: string } = {}): Promise<void> {
  const started = Date.now();
  progress(`${label}…`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', cwd: options.cwd, env: process.env });
    child.on('exit', (code, signal) => {
      if (code === 0) {
        progress(`${label}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        resolve();
      } else reject(new Error(`${label} failed (${signal ?? `exit code ${code}`}). Fix the errors above and run \`npm test\` again.`));
    });
  });
}

const vitestArgs = process.argv.slice(2);
const REPORT = 'test-results/vitest.json';
try {
  await run('type-check (tsc)', 'npx', ['tsc', '-p', 'tsconfig.json']);
  await run('lint (eslint)', 'npx', ['eslint', '--max-warnings=0', '.']);
  await run('format (prettier --check; `npx prettier --write .` fixes it)', 'npx', ['prettier', '--check', '--log-level=warn', '.']);
  if (existsSync('dashboard/package.json')) {
    await run('dashboard type-check (svelte-check)', 'npm', ['run', 'check', '--workspace', 'dashboard']);
    await run('dashboard build (vite)', 'npm', ['run', 'build', '--workspace', 'dashboard']);
  }
  await run('tests (vitest)', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${REPORT}`, ...vitestArgs]).finally(
    summarize,
  );
} catch (error) {
  process.stderr.write(`\n${(error as Error).message}\n`);
  process.exit(1);
}

/** The plain closing line CI reads: `tests: N passed, N failed, N skipped`. */
function summarize(): void {
  if (!existsSync(REPORT)) return;
  const report = JSON.parse(readFileSync(REPORT, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
  process.stdout.write(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped\n`);
}
