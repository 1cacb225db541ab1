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

export const STAGES = [
  'ack → claimed',
  'claimed → signalled',
  'signalled → previous batch done',
  'then → workflow task polled',
  'polled → batch scheduled',
  'scheduled → activity started',
  'started → processed',
] as const;

export interface QuietEvent {
  id: string;
  ackAt: number;
  dispatchedAt: Date | null;
  processedAt: Date | null;
}

interface Activity {
  scheduled: number;
  /** When the worker polled the workflow task that scheduled it. */
  wftStarted: number;
  started: number;
  /** When it completed (or failed, or timed out): NaN while running. */
  closed: number;
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
    const byScheduled = new Map<number, Activity>();
    const wftOfActivity = new Map<number, number>();
    const wftStartedOf = new Map<number, number>(); // workflow task completed event id → its started time
    const times = new Map<number, number>();
    for (const e of history.events ?? []) {
      const at = ms(e.eventTime as Ts);
      times.set(Number(e.eventId), at);
      if (e.workflowTaskCompletedEventAttributes)
        wftStartedOf.set(Number(e.eventId), times.get(Number(e.workflowTaskCompletedEventAttributes.startedEventId)) ?? NaN);
      if (e.workflowExecutionSignaledEventAttributes) signals.push(at);
      else if (e.workflowExecutionStartedEventAttributes && !e.workflowExecutionStartedEventAttributes.continuedExecutionRunId) signals.push(at);
      else if (e.activityTaskScheduledEventAttributes) {
        scheduled.set(Number(e.eventId), at);
        wftOfActivity.set(Number(e.eventId), wftStartedOf.get(Number(e.activityTaskScheduledEventAttributes.workflowTaskCompletedEventId)) ?? NaN);
      } else if (e.activityTaskStartedEventAttributes) {
        const id = Number(e.activityTaskStartedEventAttributes.scheduledEventId);
        const s = scheduled.get(id);
        if (s === undefined) continue;
        const activity = { scheduled: s, wftStarted: wftOfActivity.get(id) ?? NaN, started: at, closed: NaN };
        activities.push(activity);
        byScheduled.set(id, activity);
      } else {
        const closed =
          e.activityTaskCompletedEventAttributes ??
          e.activityTaskFailedEventAttributes ??
          e.activityTaskTimedOutEventAttributes ??
          e.activityTaskCanceledEventAttributes;
        const activity = closed ? byScheduled.get(Number(closed.scheduledEventId)) : undefined;
        if (activity) activity.closed = at;
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
  /** Every processed event with its stages, slowest first. */
  rows: { id: string; ackAt: number; total: number; stages: number[] }[];
}

export async function quietStages(client: Client, workflowId: string, events: QuietEvent[]): Promise<StageReport> {
  const { signals, activities } = await timeline(client, workflowId);
  const stages = Object.fromEntries(STAGES.map((s) => [s, [] as number[]])) as StageReport['stages'];
  const rows: StageReport['rows'] = [];
  for (const e of events) {
    if (!e.processedAt) continue;
    const processed = e.processedAt.getTime();
    const claim = e.dispatchedAt && e.dispatchedAt.getTime() <= processed ? e.dispatchedAt.getTime() : undefined;
    const index = activities.findLastIndex((a) => a.started <= processed);
    const batch = activities[index];
    // The batch before it: a signal that arrives while a batch runs waits for it to end before the next is scheduled.
    const previous = index > 0 ? activities[index - 1]!.closed : undefined;
    const signal = claim !== undefined ? signals.find((t) => t >= claim) : undefined;
    // The signal counts only when the batch that processed the event was scheduled after it.
    const points = [
      claim,
      signal !== undefined && batch && signal <= batch.scheduled ? signal : undefined,
      previous,
      batch?.wftStarted,
      batch?.scheduled,
      batch?.started,
      processed,
    ];
    let cursor = e.ackAt;
    const durations = points.map((p) => {
      if (p === undefined || !Number.isFinite(p)) return 0;
      const d = Math.max(0, p - cursor);
      cursor = Math.max(cursor, p);
      return d;
    });
    durations.forEach((d, i) => stages[STAGES[i]!].push(d));
    rows.push({ id: e.id, ackAt: e.ackAt, total: processed - e.ackAt, stages: durations });
  }
  rows.sort((a, b) => b.total - a.total);
  return { events: rows.length, stages, rows };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))]! : NaN;
};

/**
 * The stage table (p50 / p99 / max), for all events and per phase (`phases`: events acked before `until`, in
 * order; times relative to `origin`), and the three slowest events.
 */
export function stageLines(report: StageReport, origin: number, phases: { label: string; until: number }[] = []): string[] {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-').padStart(5);
  const table = (rows: StageReport['rows']) =>
    STAGES.map((s, i) => {
      const xs = rows.map((r) => r.stages[i]!);
      return `${s.padEnd(30)} ${f(pct(xs, 0.5))} ${f(pct(xs, 0.99))} ${f(xs.length ? Math.max(...xs) : NaN)}`;
    });
  const lines = [
    `  quiet integration by stage  ${report.events} events; p50 / p99 / max ms (each stage from the latest earlier point; an event's stages add up to its ack → processed)`,
    ...table(report.rows).map((l) => `    ${l}`),
  ];
  let from = -Infinity;
  for (const phase of phases) {
    const rows = report.rows.filter((r) => r.ackAt >= from && r.ackAt < phase.until);
    from = phase.until;
    const totals = rows.map((r) => r.total);
    lines.push(
      `    ${phase.label}: ${rows.length} events, ack → processed p50 ${f(pct(totals, 0.5)).trim()}, max ${f(totals.length ? Math.max(...totals) : NaN).trim()} ms`,
    );
    if (rows.length) lines.push(...table(rows).map((l) => `      ${l}`));
  }
  lines.push(
    ...report.rows
      .slice(0, 3)
      .map(
        (r) => `    slowest ${r.id} (acked at t+${((r.ackAt - origin) / 1000).toFixed(1)} s): ${r.total} ms = ${r.stages.map((d) => d.toFixed(0)).join(' + ')}`,
      ),
  );
  return lines;
}
