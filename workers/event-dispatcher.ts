import type { Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { claimUndispatchedEndpoints, EVENT_DELIVERY_CHANNEL, overdueEndpoints, releaseEndpointClaims } from '../db/repositories/event-deliveries.repository.ts';
import type { Logger } from '../lib/logger.ts';
import { tenantPriority } from '../workflows/task-queues.ts';
import { deliveriesPendingSignal, EVENT_ENDPOINT_WORKFLOW_TYPE, eventEndpointWorkflowId } from '../workflows/event-endpoint.messages.ts';
import { startOutboxRelay, type OutboxRelay } from './outbox-relay.ts';

export interface EventDispatcherOptions {
  orm: MikroORM;
  databaseUrl: string;
  client: Client;
  /** The webhooks task queue (tenant event delivery is webhook work). */
  taskQueue: string;
  logger: Logger;
  /** Safety net: how often to look for deliveries without a notification, and for overdue ones. */
  sweepIntervalMs: number;
  /** A pending delivery overdue by this long gets its endpoint's workflow woken again. */
  leaseMs: number;
  /** One endpoint's workflow is woken at most once per this interval (the last wake-up always goes out). */
  minWakeIntervalMs?: number;
}

/**
 * Wakes (or starts) the endpoint's workflow: idempotent, a running one just reads its due deliveries again. A run
 * it starts carries the tenant's fairness key (workflows/task-queues.ts `tenantPriority`).
 */
export async function wakeEventEndpoint(
  client: Client,
  taskQueue: string,
  endpoint: { tenantId: string; endpointId: string },
  timeoutMs = 5_000,
): Promise<void> {
  await client.withDeadline(Date.now() + timeoutMs, () =>
    client.workflow.signalWithStart(EVENT_ENDPOINT_WORKFLOW_TYPE, {
      workflowId: eventEndpointWorkflowId(endpoint.endpointId),
      taskQueue,
      args: [{ endpointId: endpoint.endpointId }],
      signal: deliveriesPendingSignal,
      signalArgs: [],
      priority: tenantPriority(endpoint.tenantId),
    }),
  );
}

/**
 * The relay of the tenant-event outbox (an outbox relay, workers/outbox-relay.ts), beside the webhook dispatcher
 * in each worker that serves the webhooks queue: woken by the delivery insert's NOTIFY, it claims new deliveries
 * and wakes the `event-endpoint:<id>` workflow of each endpoint they belong to; the sweep wakes endpoints whose
 * deliveries are overdue (a run that ended, Temporal that was down). Deliveries stay in PostgreSQL until their
 * workflow sends them.
 */
export function startEventDispatcher(options: EventDispatcherOptions): OutboxRelay {
  return startOutboxRelay({
    ...options,
    name: 'tenant event',
    channel: EVENT_DELIVERY_CHANNEL,
    queries: { claim: claimUndispatchedEndpoints, stale: overdueEndpoints, release: releaseEndpointClaims },
    wake: (key) => wakeEventEndpoint(options.client, options.taskQueue, { tenantId: key.tenantId, endpointId: key.id }),
  });
}
