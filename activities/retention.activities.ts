import { Context, heartbeat } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  emptyRetentionCounts,
  RETENTION_STEPS,
  type RetentionCounts,
  type RetentionSetting,
  type RetentionTable,
} from '../db/repositories/retention.repository.ts';
import type { Env } from '../lib/env.ts';
import type { RetentionResult } from '../workflows/retention.messages.ts';
import type { ActivityDeps } from './deps.ts';

const DAY_MS = 86_400_000;
/** Rows one statement deletes: each batch is its own short transaction. */
export const RETENTION_BATCH = 5000;
/** A run starts no batch after this long; what is left waits for the next day's run. */
export const RETENTION_BUDGET_MS = 10 * 60_000;

/** Days kept per setting; 0 keeps forever. */
export type RetentionPolicy = Record<RetentionSetting, number>;

export function retentionPolicy(env: Env): RetentionPolicy {
  return {
    webhookEvents: env.PLUGBOARD_RETENTION_WEBHOOK_EVENTS_DAYS,
    unrouted: env.PLUGBOARD_RETENTION_UNROUTED_DAYS,
    logs: env.PLUGBOARD_RETENTION_LOGS_DAYS,
    eventDeliveries: env.PLUGBOARD_RETENTION_EVENT_DELIVERIES_DAYS,
    oneTimeTokens: env.PLUGBOARD_RETENTION_ONE_TIME_TOKENS_DAYS,
    audit: env.PLUGBOARD_RETENTION_AUDIT_DAYS,
  };
}

export interface RetentionOptions {
  batchSize?: number;
  budgetMs?: number;
  signal?: AbortSignal;
  /** After each batch: the table it walked, what it deleted, the run's totals so far. */
  onBatch?: (table: RetentionTable, batch: Partial<RetentionCounts>, total: RetentionCounts) => void;
}

/**
 * Deletes, in batches, the rows older than the policy keeps (db/repositories/retention.repository.ts), one batch per
 * table in turn so that one table's backlog does not starve the others. A table is done when a batch comes back short.
 */
export async function runRetention(em: EntityManager, policy: RetentionPolicy, options: RetentionOptions = {}): Promise<RetentionResult> {
  const limit = options.batchSize ?? RETENTION_BATCH;
  const budgetMs = options.budgetMs ?? RETENTION_BUDGET_MS;
  const started = Date.now();
  const total = emptyRetentionCounts();
  const steps = RETENTION_STEPS.filter((step) => policy[step.setting] > 0);
  const done = new Set<RetentionTable>(RETENTION_STEPS.filter((step) => !steps.includes(step)).map((step) => step.table));
  let batches = 0;
  for (let left = steps; left.length; left = steps.filter((step) => !done.has(step.table))) {
    for (const step of left) {
      if (step.after && !done.has(step.after)) continue;
      options.signal?.throwIfAborted();
      if (Date.now() - started >= budgetMs) return { deleted: total, batches, complete: false };
      const batch = await step.deleteBatch(em, new Date(Date.now() - policy[step.setting] * DAY_MS), limit);
      batches++;
      for (const [table, n] of Object.entries(batch) as [RetentionTable, number][]) total[table] += n;
      options.onBatch?.(step.table, batch, total);
      if ((batch[step.table] ?? 0) < limit) done.add(step.table);
    }
  }
  return { deleted: total, batches, complete: true };
}

export function createRetentionActivities({ orm, env, logger }: ActivityDeps) {
  return {
    /** One retention run (workflows/retention.workflow.ts): heartbeats after each batch, stops when cancelled. */
    async deleteExpiredRows(): Promise<RetentionResult> {
      const result = await runRetention(orm.em.fork(), retentionPolicy(env), {
        signal: Context.current().cancellationSignal,
        onBatch: (_table, _batch, total) => heartbeat(total),
      });
      logger.info(
        { deleted: result.deleted, batches: result.batches, complete: result.complete },
        result.complete ? 'retention run finished' : 'retention run stopped at its time budget; the next run goes on',
      );
      return result;
    },
  };
}
