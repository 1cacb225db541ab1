import type { Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { claimUndispatchedIntegrations, staleIntegrations, releaseIntegrationClaims } from '../db/repositories/webhook-dispatch.repository.ts';
import type { Logger } from '../lib/logger.ts';
import { wakeWebhookBatch } from '../lib/webhooks/start.ts';
import { startOutboxRelay, type OutboxRelay, type RelayStats } from './outbox-relay.ts';

export const WEBHOOK_EVENT_CHANNEL = 'plugboard_webhook_event';

export interface DispatcherOptions {
  orm: MikroORM;
  databaseUrl: string;
  client: Client;
  /** The webhooks task queue. */
  taskQueue: string;
  logger: Logger;
  /** Safety net: how often to look for events without a notification (and for stale claims). */
  sweepIntervalMs: number;
  /** Events still pending this long after their claim get their workflow woken again. */
  leaseMs: number;
  /** Events claimed per query. */
  batchSize?: number;
  /** Wake-ups in flight at once. */
  concurrency?: number;
  /** One integration's workflow is woken at most once per this interval (the last wake-up always goes out). */
  minWakeIntervalMs?: number;
  /** Deadline of one wake-up, retries included: with Temporal down it would otherwise wait a long time. */
  startTimeoutMs?: number;
}

export type DispatcherStats = RelayStats;

/**
 * The relay of the webhook outbox (an outbox relay, workers/outbox-relay.ts). The ingest path acknowledges once
 * the event row is committed and starts nothing; this dispatcher, in each worker process that serves the
 * webhooks queue, is woken by the insert trigger's NOTIFY, claims pending events and wakes the
 * `webhooks:<integrationId>` workflow of each integration they belong to (signal-with-start). The events stay in
 * PostgreSQL until that workflow reads them in order, a batch at a time.
 *
 * Temporal sees one call per integration with new events, at most one per `minWakeIntervalMs` each, however many
 * events arrive: a flood of one integration costs a few signals a second, never a workflow per event, and an
 * event whose processing is in flight is never started again.
 */
export function startWebhookDispatcher(options: DispatcherOptions): OutboxRelay {
  const startTimeoutMs = options.startTimeoutMs ?? 5_000;
  return startOutboxRelay({
    ...options,
    name: 'webhook',
    channel: WEBHOOK_EVENT_CHANNEL,
    queries: { claim: claimUndispatchedIntegrations, stale: staleIntegrations, release: releaseIntegrationClaims },
    wake: (key) => wakeWebhookBatch(options.client, options.taskQueue, { tenantId: key.tenantId, integrationId: key.id }, { timeoutMs: startTimeoutMs }),
  });
}
