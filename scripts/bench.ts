/**
 * `npm run bench -- <name> [options]`: runs a benchmark from bench/ (each prints ratios against a baseline
 * measured in the same run). Names: the files in bench/ without .ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const [name, ...rest] = process.argv.slice(2);
const available = readdirSync('bench')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));
if (!name || !existsSync(`bench/${name}.ts`)) {
  process.stderr.write(`usage: npm run bench -- <name> [options]\navailable: ${available.join(', ')}\n`);
  process.exit(2);
}
const child = spawn(process.execPath, [`bench/${name}.ts`, ...rest], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
