import type { Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { findStalePending } from '../db/repositories/webhook-events.repository.ts';
import type { Logger } from '../lib/logger.ts';
import { startWebhookWorkflow } from '../lib/webhooks/start.ts';

/**
 * Starts workflows for events left `pending` (Temporal was down at ingest, or the API died between the
 * ack and the start). Workflow-id uniqueness makes this safe beside the ingest path and other sweepers.
 */
export function startWebhookSweeper(options: { orm: MikroORM; client: Client; taskQueue: string; logger: Logger; intervalMs: number; minAgeMs: number }): () => void {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const stale = await findStalePending(options.orm.em.fork(), options.minAgeMs, 200);
        let started = 0;
        for (const event of stale) if ((await startWebhookWorkflow(options.client, options.taskQueue, event.id)) === 'started') started++;
        if (started) options.logger.info({ started }, 'sweeper started workflows for pending webhook events');
        if (stale.length < 200 || started === 0) break;
      }
    } catch (error) {
      options.logger.warn({ err: (error as Error).message }, 'webhook sweep failed; will retry');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
