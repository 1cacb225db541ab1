import type { Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { listen } from '../db/notifications.ts';
import { claimUndispatchedEndpoints, EVENT_DELIVERY_CHANNEL, overdueEndpoints, releaseEndpointClaims } from '../db/repositories/event-deliveries.repository.ts';
import type { Logger } from '../lib/logger.ts';
import { deliveriesPendingSignal, EVENT_ENDPOINT_WORKFLOW_TYPE, eventEndpointWorkflowId } from '../workflows/event-endpoint.messages.ts';

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

/** Wakes (or starts) the endpoint's workflow: idempotent, a running one just reads its due deliveries again. */
export async function wakeEventEndpoint(client: Client, taskQueue: string, endpointId: string, timeoutMs = 5_000): Promise<void> {
  await client.withDeadline(Date.now() + timeoutMs, () =>
    client.workflow.signalWithStart(EVENT_ENDPOINT_WORKFLOW_TYPE, {
      workflowId: eventEndpointWorkflowId(endpointId),
      taskQueue,
      args: [{ endpointId }],
      signal: deliveriesPendingSignal,
      signalArgs: [],
    }),
  );
}

/**
 * The relay of the tenant-event outbox, like the webhook dispatcher (workers/webhook-dispatcher.ts) and beside it
 * in each worker that serves the webhooks queue: woken by the delivery insert's NOTIFY, it claims new deliveries
 * (SKIP LOCKED) and wakes the `event-endpoint:<id>` workflow of each endpoint they belong to; a periodic sweep
 * wakes endpoints whose deliveries are overdue (a run that ended, Temporal that was down). Deliveries stay in
 * PostgreSQL until their workflow sends them. When Temporal cannot be reached the claims are handed back and the
 * next sweep tries again.
 */
export function startEventDispatcher(options: EventDispatcherOptions): { stop: () => Promise<void> } {
  const { logger } = options;
  const minWakeIntervalMs = options.minWakeIntervalMs ?? 250;
  const recent = new Map<string, { at: number; trailing?: NodeJS.Timeout }>();
  let wanted = false;
  let sweepDue = true;
  let stopped = false;
  let draining: Promise<void> | undefined;

  const wakeOne = async (endpointId: string) => {
    recent.set(endpointId, { at: Date.now() });
    await wakeEventEndpoint(options.client, options.taskQueue, endpointId);
  };

  const wakeAll = async (endpointIds: string[]) => {
    const failed: string[] = [];
    for (const id of endpointIds) {
      const last = recent.get(id);
      const now = Date.now();
      if (last && now - last.at < minWakeIntervalMs) {
        last.trailing ??= setTimeout(
          () => {
            if (!stopped) wakeOne(id).catch(() => undefined);
          },
          minWakeIntervalMs - (now - last.at),
        );
        last.trailing.unref();
        continue;
      }
      try {
        await wakeOne(id);
      } catch (error) {
        failed.push(id);
        logger.warn({ endpointId: id, err: (error as Error).message }, 'event endpoint workflow not woken (Temporal unavailable?); the sweep retries');
      }
    }
    if (failed.length) await releaseEndpointClaims(options.orm.em.fork(), failed).catch(() => undefined);
  };

  const drain = async () => {
    while (wanted && !stopped) {
      wanted = false;
      try {
        const em = options.orm.em.fork();
        const ids = new Set((await claimUndispatchedEndpoints(em, 1000)).endpointIds);
        if (sweepDue) {
          sweepDue = false;
          for (const id of await overdueEndpoints(em, options.leaseMs, 1000)) ids.add(id);
        }
        if (ids.size) await wakeAll([...ids]);
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'event dispatch failed; will retry');
        return;
      }
    }
  };

  const wake = () => {
    wanted = true;
    if (draining || stopped) return;
    draining = drain().finally(() => {
      draining = undefined;
      if (wanted && !stopped) wake();
    });
  };

  const listener = listen({ databaseUrl: options.databaseUrl, channel: EVENT_DELIVERY_CHANNEL, logger, onNotify: wake });
  const sweepTimer = setInterval(() => {
    sweepDue = true;
    const cutoff = Date.now() - 60_000;
    for (const [id, entry] of recent) if (entry.at < cutoff) recent.delete(id);
    wake();
  }, options.sweepIntervalMs);
  sweepTimer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(sweepTimer);
      for (const entry of recent.values()) clearTimeout(entry.trailing);
      await listener.close();
      await draining;
    },
  };
}
