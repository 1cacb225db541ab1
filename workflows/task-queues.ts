/**
 * One Temporal task queue per workload, each served by its own worker with its own slots, so connection work
 * (connect, refresh, disconnect, push subscriptions) never waits behind a backlog of webhook or sync tasks.
 * The names derive from TEMPORAL_TASK_QUEUE, which stays the prefix (and the queue that workflows started
 * before the split keep running on until they continue as new).
 */
export const WORKLOADS = ['connections', 'webhooks', 'sync'] as const;
export type Workload = (typeof WORKLOADS)[number];

export type TaskQueues = Record<Workload, string>;

export function taskQueueOf(prefix: string, workload: Workload): string {
  return `${prefix}-${workload}`;
}

export function taskQueuesOf(prefix: string): TaskQueues {
  return { connections: taskQueueOf(prefix, 'connections'), webhooks: taskQueueOf(prefix, 'webhooks'), sync: taskQueueOf(prefix, 'sync') };
}

/**
 * The webhooks slow lane that serves a batch workflow running on `current`: an activity-only queue beside the
 * webhooks queue (`<prefix>-webhooks-slow`), so receivers that hang take its slots and not the webhooks queue's.
 */
export function slowLaneQueueFrom(current: string): string {
  const suffix = '-webhooks';
  return current.endsWith(suffix) ? `${current}-slow` : `${current}${suffix}-slow`;
}

/** The connections queue a workflow running on `current` moves to at its next continue-as-new. */
export function connectionsQueueFrom(current: string): string {
  const suffix = '-connections';
  return current.endsWith(suffix) ? current : `${current}${suffix}`;
}

/**
 * The Temporal priority of a tenant's workflows: its fairness key is the tenant, so on every queue (and the slow
 * lane) Temporal dispatches backlogged tasks round-robin across tenants instead of first-in first-out, and one
 * tenant's backlog — a flood over many integrations, receivers that hang, ten thousand refreshes due at once —
 * never holds another tenant's tasks behind it (docs/architecture.md "Fairness across tenants"). Set when a
 * workflow starts; its activities and its next runs (continue-as-new) inherit it. Ignored by a server without
 * fairness enabled (scripts/services.ts enables it on the embedded one).
 */
export function tenantPriority(tenantId: string): { fairnessKey: string } {
  // Temporal limits a fairness key to 64 bytes; tenant ids are far shorter.
  return { fairnessKey: tenantId.slice(0, 64) };
}

/**
 * Work someone is waiting on — a connect's code exchange, a refresh the token API or a person asked for — is
 * dispatched ahead of background work (scheduled refreshes) on the same queue: Temporal serves the lower priority key
 * first (the default is 3 of 1–5), then tenants fairly within it. Set on activities only, whose other priority fields
 * stay empty and so inherit the workflow's fairness key (its tenant). A workflow's own tasks keep its priority: the
 * SDK sets a workflow's priority at start only, and the waiting is in the activities, which call providers.
 */
export const INTERACTIVE_PRIORITY = { priorityKey: 1 } as const;
