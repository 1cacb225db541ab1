import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { listen } from '../db/notifications.ts';
import type { Logger } from '../lib/logger.ts';

/**
 * What a relay wakes: the id its workflow is keyed by (an integration, an endpoint), and the tenant it belongs to,
 * so the wake-up starts that workflow with the tenant's fairness key (workflows/task-queues.ts `tenantPriority`)
 * without a lookup.
 */
export interface OutboxKey {
  id: string;
  tenantId: string;
}

/** The queries of one outbox: what a relay claims, finds overdue and hands back. */
export interface OutboxQueries {
  /** Claims up to `limit` rows no relay has claimed (SKIP LOCKED): how many, and each one's key (repeats allowed). */
  claim: (em: EntityManager, limit: number) => Promise<{ claimed: number; keys: OutboxKey[] }>;
  /** Keys whose rows are still pending `leaseMs` after their claim (the sweep wakes them again; writes nothing). */
  stale: (em: EntityManager, leaseMs: number, limit: number) => Promise<OutboxKey[]>;
  /** Hands the claims of these ids back (their workflow could not be woken). */
  release: (em: EntityManager, ids: string[]) => Promise<void>;
}

export interface OutboxRelayOptions {
  /** What the relay is called in its log lines ("webhook", "tenant event"). */
  name: string;
  orm: MikroORM;
  databaseUrl: string;
  /** The channel the outbox's insert trigger NOTIFies. */
  channel: string;
  queries: OutboxQueries;
  /** Wakes (or starts) the workflow of one key; idempotent. Rejects when Temporal cannot be reached. */
  wake: (key: OutboxKey) => Promise<void>;
  logger: Logger;
  /** Safety net: how often to look for rows without a notification (and for stale claims). */
  sweepIntervalMs: number;
  /** Rows still pending this long after their claim get their workflow woken again. */
  leaseMs: number;
  /** Rows claimed per query. */
  batchSize?: number;
  /** Wake-ups in flight at once. */
  concurrency?: number;
  /** One key's workflow is woken at most once per this interval (the last wake-up always goes out). */
  minWakeIntervalMs?: number;
}

export interface RelayStats {
  /** Wake-ups made (signal-with-start calls). */
  wakeups: number;
  failed: number;
  /** Wake-ups folded into a trailing one. */
  throttled: number;
}

export interface OutboxRelay {
  stop: () => Promise<void>;
  stats: () => RelayStats;
}

/**
 * A transactional-outbox relay (docs/architecture.md, "Webhook dispatch"): rows stay in PostgreSQL, the buffer for
 * any backlog, and the relay only wakes the one workflow per key that reads them. Woken by the insert trigger's
 * NOTIFY, it claims pending rows (SKIP LOCKED, so relays in several workers share the outbox) and wakes the
 * workflow of each distinct key, `concurrency` at a time and each key at most once per `minWakeIntervalMs` (a
 * trailing wake-up always follows); a sweep every `sweepIntervalMs` wakes keys whose rows are still pending a
 * lease after their claim. When Temporal cannot be reached the claims are handed back and the relay backs off
 * (0.5 s doubling to 30 s). The webhook outbox (workers/webhook-dispatcher.ts) and the tenant-event outbox
 * (workers/event-dispatcher.ts) are two instances.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? 1000;
  const concurrency = options.concurrency ?? 16;
  const minWakeIntervalMs = options.minWakeIntervalMs ?? 250;
  const { logger, queries, name } = options;
  let wanted = false;
  let draining: Promise<void> | undefined;
  let stopped = false;
  let backoffMs = 0;
  let backoffTimer: NodeJS.Timeout | undefined;
  let sweepDue = true; // set by the sweep timer (and for the first drain)
  const totals: RelayStats = { wakeups: 0, failed: 0, throttled: 0 };
  let wakeupsThisMinute = 0;
  /** Per id: when it was last woken, and a trailing wake-up already scheduled. */
  const recent = new Map<string, { at: number; trailing?: NodeJS.Timeout }>();

  const wakeOne = async (key: OutboxKey): Promise<void> => {
    recent.set(key.id, { at: Date.now() });
    await options.wake(key);
    totals.wakeups++;
    wakeupsThisMinute++;
  };

  const fail = async (keys: OutboxKey[], error: unknown) => {
    totals.failed += keys.length;
    for (const key of keys) recent.delete(key.id);
    await queries
      .release(
        options.orm.em.fork(),
        keys.map((key) => key.id),
      )
      .catch(() => undefined);
    backoffMs = Math.min(30_000, backoffMs ? backoffMs * 2 : 500);
    logger.warn(
      { workflows: keys.length, err: (error as Error | undefined)?.message, retryInMs: backoffMs },
      `${name} workflows not woken (Temporal unavailable?); the rows stay pending and will be retried`,
    );
    clearTimeout(backoffTimer);
    backoffTimer = setTimeout(() => {
      backoffTimer = undefined;
      wake();
    }, backoffMs);
    backoffTimer.unref();
  };

  /** Wakes each key now, or — woken moments ago — once more when its interval is over. */
  const wakeAll = async (keys: OutboxKey[]): Promise<void> => {
    const now = Date.now();
    const due: OutboxKey[] = [];
    for (const key of keys) {
      const last = recent.get(key.id);
      if (!last || now - last.at >= minWakeIntervalMs) due.push(key);
      else {
        totals.throttled++;
        if (last.trailing) continue;
        // The trailing wake-up goes out after the claim, so the run it causes reads the claimed rows.
        last.trailing = setTimeout(
          () => {
            if (stopped) return;
            wakeOne(key).catch((error) => fail([key], error));
          },
          minWakeIntervalMs - (now - last.at),
        );
        last.trailing.unref();
      }
    }
    const failed: OutboxKey[] = [];
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
          const { claimed, keys } = await queries.claim(em, batchSize);
          // Each workflow once, however many of its rows were claimed.
          const byId = new Map(keys.map((key) => [key.id, key]));
          if (sweepDue) {
            sweepDue = false;
            for (const key of await queries.stale(em, options.leaseMs, batchSize)) byId.set(key.id, key);
          }
          if (!byId.size) break;
          await wakeAll([...byId.values()]);
          if (backoffTimer || claimed < batchSize) break;
        }
      } catch (error) {
        // The database is unavailable: the next sweep (or notification, once it is back) tries again.
        logger.warn({ err: (error as Error).message }, `${name} dispatch failed; will retry`);
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

  const listener = listen({ databaseUrl: options.databaseUrl, channel: options.channel, logger, onNotify: wake });
  const sweepTimer = setInterval(() => {
    sweepDue = true;
    // Forget keys not woken for a while, so the map stays as small as the set of busy keys.
    const cutoff = Date.now() - 60_000;
    for (const [key, entry] of recent) if (entry.at < cutoff && !entry.trailing) recent.delete(key);
    wake();
  }, options.sweepIntervalMs);
  sweepTimer.unref();
  const statsTimer = setInterval(() => {
    if (wakeupsThisMinute) logger.info({ wakeups: wakeupsThisMinute }, `${name} workflows woken`);
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
