import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system, ms) a Linux process has used so far, from /proc; NaN where /proc is unavailable. */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/**
 * CPU time (ms) a Linux process and all its descendants have used so far: each live one's user + system time, plus
 * what its reaped children used (cutime + cstime). For PostgreSQL, whose backends are children of the postmaster.
 */
export function treeCpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  const children = new Map<number, number[]>();
  const own = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return NaN;
  }
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      own.set(Number(entry), ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / 100);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  if (!own.has(pid)) return NaN;
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    total += own.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}
