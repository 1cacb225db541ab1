/**
 * Where a quiet integration's ack → processed latency goes, per event, from timestamps that already exist: the
 * client's ack, the row's `dispatched_at` (the relay's claim, PostgreSQL `now()`) and `processed_at` (the batch's
 * mark), and the Temporal history of the integration's `webhooks:<id>` workflow (every run): the signal (or
 * signal-with-start) that followed the claim, the batch activity that processed the event (the last one started
 * before `processed_at`): when its workflow task scheduled it and when a worker started it. One host, one clock.
 *
 * Each stage runs from the latest earlier point to its own (clamped at 0; a point that does not apply, such as a
 * claim that came after a running batch already read the event, adds 0), so an event's stages add up to its
 * ack → processed latency.
 */
import type { Client } from '@temporalio/client';

export const STAGES = ['ack → claimed', 'claimed → signalled', 'signalled → batch scheduled', 'scheduled → activity started', 'started → processed'] as const;

export interface QuietEvent {
  id: string;
  ackAt: number;
  dispatchedAt: Date | null;
  processedAt: Date | null;
}

interface Activity {
  scheduled: number;
  started: number;
}

type Ts = { seconds?: unknown; nanos?: number | null } | null | undefined;
const ms = (ts: Ts): number => {
  if (!ts) return NaN;
  const s = ts.seconds as { toNumber?: () => number } | number | string | undefined;
  const seconds = typeof s === 'object' && s?.toNumber ? s.toNumber() : Number(s ?? 0);
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
};

/** Signal times and batch activities (scheduled, started) of every run of `workflowId`. */
async function timeline(client: Client, workflowId: string): Promise<{ signals: number[]; activities: Activity[] }> {
  const signals: number[] = [];
  const activities: Activity[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    const scheduled = new Map<number, number>();
    for (const e of history.events ?? []) {
      const at = ms(e.eventTime as Ts);
      if (e.workflowExecutionSignaledEventAttributes) signals.push(at);
      else if (e.workflowExecutionStartedEventAttributes && !e.workflowExecutionStartedEventAttributes.continuedExecutionRunId) signals.push(at);
      else if (e.activityTaskScheduledEventAttributes) scheduled.set(Number(e.eventId), at);
      else if (e.activityTaskStartedEventAttributes) {
        const s = scheduled.get(Number(e.activityTaskStartedEventAttributes.scheduledEventId));
        if (s !== undefined) activities.push({ scheduled: s, started: at });
      }
    }
  }
  signals.sort((a, b) => a - b);
  activities.sort((a, b) => a.started - b.started);
  return { signals, activities };
}

export interface StageReport {
  events: number;
  /** Per stage: the durations (ms) of every processed event. */
  stages: Record<(typeof STAGES)[number], number[]>;
  /** The slowest events with their stages. */
  slowest: { id: string; total: number; stages: number[] }[];
}

export async function quietStages(client: Client, workflowId: string, events: QuietEvent[]): Promise<StageReport> {
  const { signals, activities } = await timeline(client, workflowId);
  const stages = Object.fromEntries(STAGES.map((s) => [s, [] as number[]])) as StageReport['stages'];
  const rows: { id: string; total: number; stages: number[] }[] = [];
  for (const e of events) {
    if (!e.processedAt) continue;
    const processed = e.processedAt.getTime();
    const claim = e.dispatchedAt && e.dispatchedAt.getTime() <= processed ? e.dispatchedAt.getTime() : undefined;
    const batch = activities.filter((a) => a.started <= processed).at(-1);
    const signal = claim !== undefined ? signals.find((t) => t >= claim) : undefined;
    // The signal counts only when the batch that processed the event was scheduled after it.
    const points = [claim, signal !== undefined && batch && signal <= batch.scheduled ? signal : undefined, batch?.scheduled, batch?.started, processed];
    let cursor = e.ackAt;
    const durations = points.map((p) => {
      if (p === undefined || !Number.isFinite(p)) return 0;
      const d = Math.max(0, p - cursor);
      cursor = Math.max(cursor, p);
      return d;
    });
    durations.forEach((d, i) => stages[STAGES[i]!].push(d));
    rows.push({ id: e.id, total: processed - e.ackAt, stages: durations });
  }
  rows.sort((a, b) => b.total - a.total);
  return { events: rows.length, stages, slowest: rows.slice(0, 3) };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))]! : NaN;
};

export function stageLines(report: StageReport): string[] {
  const f = (n: number) => n.toFixed(0).padStart(5);
  return [
    `  quiet integration by stage  ${report.events} events; p50 / p99 / max ms (each stage from the latest earlier point; the stages of an event add up to its ack → processed)`,
    ...STAGES.map((s) => `    ${s.padEnd(30)} ${f(pct(report.stages[s], 0.5))} ${f(pct(report.stages[s], 0.99))} ${f(Math.max(0, ...report.stages[s]))}`),
    ...report.slowest.map((r) => `    slowest ${r.id}: ${r.total} ms = ${r.stages.map((d) => d.toFixed(0)).join(' + ')}`),
  ];
}
