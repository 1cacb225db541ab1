import type { Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { listen } from '../db/notifications.ts';
import { claimUndispatchedIntegrations, staleIntegrations, releaseIntegrationClaims } from '../db/repositories/webhook-dispatch.repository.ts';
import type { Logger } from '../lib/logger.ts';
import { wakeWebhookBatch } from '../lib/webhooks/start.ts';

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

/**
 * The relay of the webhook outbox. The ingest path acknowledges once the event row is committed and starts
 * nothing; this dispatcher, in each worker process that serves the webhooks queue, is woken by the insert
 * trigger's NOTIFY, claims pending events (SKIP LOCKED, so several dispatchers share the queue) and wakes the
 * `webhooks:<integrationId>` workflow of each integration they belong to (signal-with-start). The events stay in
 * PostgreSQL — the buffer for any backlog — until that workflow reads them in order, a batch at a time.
 *
 * Temporal sees one call per integration with new events, at most one per `minWakeIntervalMs` each, however many
 * events arrive: a flood of one integration costs a few signals a second, never a workflow per event, and an
 * event whose processing is in flight is never started again. When Temporal cannot be reached the claims are
 * handed back and the dispatcher backs off (0.5 s doubling to 30 s); the sweep wakes integrations whose events
 * are still pending a lease after their claim.
 */
export function startWebhookDispatcher(options: DispatcherOptions): { stop: () => Promise<void>; stats: () => DispatcherStats } {
  const batchSize = options.batchSize ?? 1000;
  const concurrency = options.concurrency ?? 16;
  const minWakeIntervalMs = options.minWakeIntervalMs ?? 250;
  const startTimeoutMs = options.startTimeoutMs ?? 5_000;
  const { logger } = options;
  let wanted = false;
  let draining: Promise<void> | undefined;
  let stopped = false;
  let backoffMs = 0;
  let backoffTimer: NodeJS.Timeout | undefined;
  let sweepDue = true; // set by the sweep timer (and for the first drain)
  const totals: DispatcherStats = { wakeups: 0, failed: 0, throttled: 0 };
  let wakeupsThisMinute = 0;
  /** Per integration: when it was last woken, and a trailing wake-up already scheduled. */
  const recent = new Map<string, { at: number; trailing?: NodeJS.Timeout }>();

  const wakeOne = async (integrationId: string): Promise<void> => {
    recent.set(integrationId, { at: Date.now() });
    await wakeWebhookBatch(options.client, options.taskQueue, integrationId, { timeoutMs: startTimeoutMs });
    totals.wakeups++;
    wakeupsThisMinute++;
  };

  const fail = async (integrationIds: string[], error: unknown) => {
    totals.failed += integrationIds.length;
    for (const id of integrationIds) recent.delete(id);
    await releaseIntegrationClaims(options.orm.em.fork(), integrationIds).catch(() => undefined);
    backoffMs = Math.min(30_000, backoffMs ? backoffMs * 2 : 500);
    logger.warn(
      { integrations: integrationIds.length, err: (error as Error | undefined)?.message, retryInMs: backoffMs },
      'webhook workflows not woken (Temporal unavailable?); events stay pending and will be retried',
    );
    clearTimeout(backoffTimer);
    backoffTimer = setTimeout(() => {
      backoffTimer = undefined;
      wake();
    }, backoffMs);
    backoffTimer.unref();
  };

  /** Wakes each integration now, or — woken moments ago — once more when its interval is over. */
  const wakeAll = async (integrationIds: string[]): Promise<void> => {
    const now = Date.now();
    const due: string[] = [];
    for (const id of integrationIds) {
      const last = recent.get(id);
      if (!last || now - last.at >= minWakeIntervalMs) due.push(id);
      else if (!last.trailing) {
        totals.throttled++;
        // The trailing wake-up goes out after the claim, so the batch it causes reads the claimed events.
        last.trailing = setTimeout(
          () => {
            if (stopped) return;
            wakeOne(id).catch((error) => fail([id], error));
          },
          minWakeIntervalMs - (now - last.at),
        );
        last.trailing.unref();
      } else totals.throttled++;
    }
    const failed: string[] = [];
    let firstError: unknown;
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, due.length) }, async () => {
        for (let i = next++; i < due.length; i = next++) {
          try {
            await wakeOne(due[i]!);
          } catch (error) {
            failed.push(due[i]!);
            firstError ??= error;
          }
        }
      }),
    );
    if (failed.length) await fail(failed, firstError);
    else backoffMs = 0;
  };

  const drain = async () => {
    while (wanted && !stopped && !backoffTimer) {
      wanted = false;
      try {
        for (;;) {
          const em = options.orm.em.fork();
          const { claimed, integrationIds } = await claimUndispatchedIntegrations(em, batchSize);
          const ids = new Set(integrationIds);
          if (sweepDue) {
            sweepDue = false;
            for (const id of await staleIntegrations(em, options.leaseMs, batchSize)) ids.add(id);
          }
          if (!ids.size) break;
          await wakeAll([...ids]);
          if (backoffTimer || claimed < batchSize) break;
        }
      } catch (error) {
        // The database is unavailable: the next sweep (or notification, once it is back) tries again.
        logger.warn({ err: (error as Error).message }, 'webhook dispatch failed; will retry');
        return;
      }
    }
  };

  const wake = () => {
    wanted = true;
    if (draining || stopped) return;
    draining = drain().finally(() => {
      draining = undefined;
      if (wanted && !backoffTimer && !stopped) wake();
    });
  };

  const listener = listen({ databaseUrl: options.databaseUrl, channel: WEBHOOK_EVENT_CHANNEL, logger, onNotify: wake });
  const sweepTimer = setInterval(() => {
    sweepDue = true;
    // Forget integrations not woken for a while, so the map stays as small as the set of busy integrations.
    const cutoff = Date.now() - 60_000;
    for (const [id, entry] of recent) if (entry.at < cutoff && !entry.trailing) recent.delete(id);
    wake();
  }, options.sweepIntervalMs);
  sweepTimer.unref();
  const statsTimer = setInterval(() => {
    if (wakeupsThisMinute) logger.info({ wakeups: wakeupsThisMinute }, 'webhook workflows woken');
    wakeupsThisMinute = 0;
  }, 60_000);
  statsTimer.unref();

  return {
    stats: () => ({ ...totals }),
    async stop() {
      stopped = true;
      clearInterval(sweepTimer);
      clearInterval(statsTimer);
      clearTimeout(backoffTimer);
      for (const entry of recent.values()) clearTimeout(entry.trailing);
      await listener.close();
      await draining;
    },
  };
}

export interface DispatcherStats {
  /** Signal-with-start calls made. */
  wakeups: number;
  failed: number;
  /** Wake-ups folded into a trailing one. */
  throttled: number;
}
