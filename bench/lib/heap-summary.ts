/**
 * Summarises a V8 heap snapshot (from bench/lib/heap.ts): self size by node type and constructor name, largest
 * first, so the per-workflow, per-activity and fixed costs of a worker can be told apart.
 *
 *   node bench/lib/heap-summary.ts <file.heapsnapshot> [top=25]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

export function summarizeSnapshot(file: string, top = 25): { total: number; rows: { key: string; count: number; size: number }[] } {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const groups = new Map<string, { count: number; size: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const rawName = snap.strings[snap.nodes[i + nameAt]!] ?? '';
    // Strings and code are grouped by type; objects by constructor.
    const name = type === 'object' || type === 'closure' || type === 'native' ? rawName.slice(0, 60) : '';
    const key = `${type}${name ? ` ${name}` : ''}`;
    const size = snap.nodes[i + sizeAt]!;
    total += size;
    const g = groups.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += size;
    groups.set(key, g);
  }
  const rows = [...groups.entries()].map(([key, g]) => ({ key, ...g })).sort((a, b) => b.size - a.size);
  return { total, rows: rows.slice(0, top) };
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/lib/heap-summary.ts <file.heapsnapshot> [top]\n');
    process.exit(2);
  }
  const { total, rows } = summarizeSnapshot(file, Number(process.argv[3] ?? 25));
  const mib = (n: number) => (n / 1048576).toFixed(1);
  process.stdout.write(`${file}: ${mib(total)} MiB in the heap\n`);
  for (const r of rows) process.stdout.write(`${mib(r.size).padStart(8)} MiB ${String(r.count).padStart(9)}  ${r.key}\n`);
}
