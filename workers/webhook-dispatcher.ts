import type { Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { listen } from '../db/notifications.ts';
import { claimUndispatched, reclaimStale, releaseClaims } from '../db/repositories/webhook-events.repository.ts';
import type { Logger } from '../lib/logger.ts';
import { startWebhookWorkflow } from '../lib/webhooks/start.ts';

export const WEBHOOK_EVENT_CHANNEL = 'plugboard_webhook_event';

export interface DispatcherOptions {
  orm: MikroORM;
  databaseUrl: string;
  client: Client;
  taskQueue: string;
  logger: Logger;
  /** Safety net: how often to look for events without a notification (and for stale claims). */
  sweepIntervalMs: number;
  /** A claim older than this whose event is still pending is taken again. */
  leaseMs: number;
  batchSize?: number;
  /** Workflow starts in flight at once. */
  concurrency?: number;
  /** Deadline of one start, retries included: with Temporal down a start would otherwise wait a long time. */
  startTimeoutMs?: number;
}

/**
 * The relay of the webhook outbox (DESIGN.md §7). The ingest path acknowledges once the event row is
 * committed and starts nothing; this dispatcher, in each worker process, is woken by the insert trigger's
 * NOTIFY, claims pending events in batches (SKIP LOCKED, so several dispatchers share the queue), and
 * starts one `webhook:<eventId>` workflow per event with bounded concurrency. Workflow-id uniqueness makes
 * a second start of the same event a no-op. When Temporal cannot be reached the claims are handed back
 * and the dispatcher backs off (0.5 s doubling to 30 s); a dispatcher that dies between claim and start is
 * covered by the sweep, which re-takes claims older than the lease.
 */
export function startWebhookDispatcher(options: DispatcherOptions): { stop: () => Promise<void> } {
  const batchSize = options.batchSize ?? 256;
  const concurrency = options.concurrency ?? 32;
  const startTimeoutMs = options.startTimeoutMs ?? 5_000;
  const { logger } = options;
  let wanted = false;
  let draining: Promise<void> | undefined;
  let stopped = false;
  let backoffMs = 0;
  let backoffTimer: NodeJS.Timeout | undefined;
  let sweepDue = true; // set by the sweep timer (and for the first drain)
  let started = 0;

  /** Starts the workflows of `ids`; returns the ids whose start failed (not counting "already started"). */
  const startAll = async (ids: string[]): Promise<{ failed: string[]; error?: Error }> => {
    const failed: string[] = [];
    let firstError: Error | undefined;
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, ids.length) }, async () => {
        for (let i = next++; i < ids.length; i = next++) {
          const id = ids[i]!;
          try {
            const outcome = await startWebhookWorkflow(options.client, options.taskQueue, id, { timeoutMs: startTimeoutMs });
            if (outcome === 'started') started++;
          } catch (error) {
            failed.push(id);
            firstError ??= error as Error;
          }
        }
      }),
    );
    return { failed, error: firstError };
  };

  const drain = async () => {
    while (wanted && !stopped && !backoffTimer) {
      wanted = false;
      try {
        for (;;) {
          const em = options.orm.em.fork();
          const ids = await claimUndispatched(em, batchSize);
          if (sweepDue && ids.length < batchSize) {
            sweepDue = false;
            ids.push(...(await reclaimStale(em, options.leaseMs, batchSize - ids.length)));
          }
          if (!ids.length) break;
          const { failed, error } = await startAll(ids);
          if (failed.length) {
            await releaseClaims(options.orm.em.fork(), failed);
            backoffMs = Math.min(30_000, backoffMs ? backoffMs * 2 : 500);
            logger.warn(
              { failed: failed.length, err: error?.message, retryInMs: backoffMs },
              'webhook workflows not started (Temporal unavailable?); events stay pending and will be retried',
            );
            backoffTimer = setTimeout(() => {
              backoffTimer = undefined;
              wake();
            }, backoffMs);
            backoffTimer.unref();
            return;
          }
          backoffMs = 0;
          if (ids.length < batchSize) break;
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
    wake();
  }, options.sweepIntervalMs);
  sweepTimer.unref();
  const statsTimer = setInterval(() => {
    if (started) logger.info({ started }, 'webhook workflows started');
    started = 0;
  }, 60_000);
  statsTimer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(sweepTimer);
      clearInterval(statsTimer);
      clearTimeout(backoffTimer);
      await listener.close();
      await draining;
    },
  };
}
