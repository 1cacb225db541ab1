import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { Integration, SyncRecord } from '../db/entities/index.ts';
import { appendLog } from '../db/repositories/integration-logs.repository.ts';
import { insertWebhookEvent } from '../db/repositories/webhook-events.repository.ts';
import { apiBaseFor } from '../providers/api-base.ts';
import { ProviderHttpError } from '../providers/types.ts';
import { RECORDS_CHANGED_MAX_IDS } from '../lib/events/types.ts';
import { newId } from '../lib/ids.ts';
import { syncScheduleId, SYNC_WORKFLOW_TYPE } from '../workflows/sync.messages.ts';
import { taskQueueOf } from '../workflows/task-queues.ts';
import { connectionServiceOf } from './connections.ts';
import { loadIntegration } from './load.ts';
import type { ActivityDeps } from './deps.ts';
import { createIncidentGuard } from './incidents.ts';
import { providerApi } from './provider-api.ts';
import { createTenantEventEmitters, type SyncFacts } from './tenant-events.ts';

export interface SyncCounts {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  skipped?: string;
}

/** Stable JSON (sorted keys), so the content hash ignores key order. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Where in its interval an integration's scheduled sync runs. Temporal aligns interval schedules to the epoch,
 * so without an offset every integration with the same interval would sync at the same instants (:00, :15,
 * :30, :45): a stampede on the worker and on every provider. A stable hash of the id spreads them evenly.
 */
export function syncScheduleOffsetMs(integrationId: string, minutes: number): number {
  return createHash('sha256').update(integrationId).digest().readUInt32BE(0) % (minutes * 60_000);
}

export function createSyncActivities(deps: ActivityDeps) {
  const { orm, vault, providers, temporal } = deps;
  const connections = connectionServiceOf(deps);
  const incidents = createIncidentGuard(deps);
  const events = createTenantEventEmitters(deps);

  /** A fresh token from the connection workflow, if one runs (a sync never starts one). */
  async function askConnection(integrationId: string, kind: 'ensure' | 'refresh'): Promise<void> {
    const outcome = kind === 'ensure' ? await connections.ensureFresh(integrationId) : await connections.refreshNow(integrationId);
    if (outcome && !outcome.ok) throw ApplicationFailure.nonRetryable(`the connection is not usable: ${outcome.error ?? outcome.status}`, 'SyncAuthFailed');
  }

  return {
    /** One sync run: provider hook → records with change detection → lastSync, cursor, counts, records.changed. */
    async runSync(input: { integrationId: string; reason: string }): Promise<SyncCounts> {
      const em = orm.em.fork();
      const integration = await loadIntegration(em, input.integrationId);
      const def = await providers.resolve(em, integration.tenantId, integration.provider);
      const none = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
      if (!def.sync) return { ...none, skipped: `${def.name} has no sync` };
      if (integration.status !== 'active') return { ...none, skipped: `the integration is ${integration.status}` };
      const base = apiBaseFor(def, integration.settings);
      if (!base) return { ...none, skipped: 'no API base URL' };
      // A provider incident holds syncs back: the schedule's next run tries again (activities/incidents.ts).
      const held = await incidents.syncHeld(em, integration, def);
      if (held) return { ...none, skipped: held };

      await askConnection(integration.id, 'ensure');
      const { request } = providerApi({ orm, vault, def, integrationId: integration.id, base, onUnauthorized: () => askConnection(integration.id, 'refresh') });

      let result;
      try {
        result = await def.sync.run({ request, state: integration.syncState ?? null });
      } catch (error) {
        if (error instanceof ProviderHttpError) {
          if (error.status === 401 || error.status === 403) throw ApplicationFailure.nonRetryable(error.message, 'SyncAuthFailed');
          throw ApplicationFailure.create({
            message: error.message,
            type: 'SyncProviderError',
            nextRetryDelay: error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : undefined,
          });
        }
        throw error;
      }

      const counts: SyncCounts = { ...none };
      const now = new Date();
      // The first changes, for records.changed (it names at most RECORDS_CHANGED_MAX_IDS; `since` lists them all).
      const changes: SyncFacts['changes'] = [];
      const noteChange = (record: Pick<SyncRecord, 'id' | 'model' | 'externalId'>, change: 'created' | 'updated' | 'deleted') => {
        if (changes.length <= RECORDS_CHANGED_MAX_IDS) changes.push({ id: record.id, model: record.model, externalId: record.externalId, change });
      };
      await em.transactional(async (tem) => {
        const existing = new Map<string, SyncRecord>();
        for (const r of await tem.find(SyncRecord, { integrationId: integration.id, model: { $in: def.sync!.models } }))
          existing.set(`${r.model}\u0000${r.externalId}`, r);
        const seen = new Set<string>();
        for (const change of result.changes) {
          const key = `${change.model}\u0000${change.externalId}`;
          seen.add(key);
          const record = existing.get(key);
          const updatedAt = change.updatedAt ? new Date(change.updatedAt) : null;
          if (change.deleted) {
            if (record && !record.deletedAt) {
              record.deletedAt = now;
              record.changedAt = now;
              record.updatedAt = updatedAt;
              counts.deleted++;
              noteChange(record, 'deleted');
            }
            continue;
          }
          const contentHash = createHash('sha256').update(stableStringify(change.data)).digest('hex');
          if (!record) {
            const created = tem.create(SyncRecord, {
              id: newId('rec'),
              tenantId: integration.tenantId,
              integrationId: integration.id,
              model: change.model,
              externalId: change.externalId,
              data: change.data,
              contentHash,
              updatedAt,
            });
            counts.created++;
            noteChange(created, 'created');
          } else if (record.contentHash !== contentHash || record.deletedAt) {
            Object.assign(record, { data: change.data, contentHash, updatedAt, deletedAt: null, changedAt: now });
            counts.updated++;
            noteChange(record, 'updated');
          } else counts.unchanged++;
        }
        for (const [key, record] of existing) {
          if (result.fullModels.includes(record.model) && !seen.has(key) && !record.deletedAt) {
            record.deletedAt = now;
            record.changedAt = now;
            counts.deleted++;
            noteChange(record, 'deleted');
          }
        }
        const row = await tem.findOneOrFail(Integration, { id: integration.id });
        row.lastSync = now;
        row.syncState = result.state;
        const full = result.fullModels.length ? ' (full)' : '';
        appendLog(tem, {
          tenantId: row.tenantId,
          integrationId: row.id,
          kind: 'synced',
          message: `Sync${full} (${input.reason}): ${counts.created} created, ${counts.updated} updated, ${counts.deleted} deleted, ${counts.unchanged} unchanged`,
        });
        // sync.completed and records.changed, committed with the records they report.
        await events.syncCompleted(
          tem,
          row,
          { reason: input.reason, models: def.sync!.models, fullModels: result.fullModels, counts, syncedAt: now, changes },
          RECORDS_CHANGED_MAX_IDS,
        );
      });

      const changed = counts.created + counts.updated + counts.deleted;
      if (changed && typeof integration.settings.forwardUrl === 'string') {
        // Changes reach the tenant through the webhook forwarding path, as a records.changed event; the
        // insert wakes the webhook dispatcher, which starts its workflow.
        await insertWebhookEvent(orm.em.fork(), vault, {
          tenantId: integration.tenantId,
          integrationId: integration.id,
          provider: integration.provider,
          eventType: 'records.changed',
          deliveryId: `sync:${now.getTime()}:${Math.random().toString(36).slice(2, 10)}`,
          payload: JSON.stringify({ integrationId: integration.id, models: def.sync.models, ...counts, syncedAt: now.toISOString() }),
        });
      }
      return counts;
    },

    /** Keeps the integration's Temporal Schedule in line with its status: active → running, else paused; gone → deleted. */
    async manageSyncSchedule(input: { integrationId: string; action: 'upsert' | 'pause' | 'delete' }): Promise<string> {
      const em = orm.em.fork();
      const integration = await em.findOne(Integration, { id: input.integrationId });
      const handle = temporal.schedule.getHandle(syncScheduleId(input.integrationId));
      const def = integration ? await providers.resolve(em, integration.tenantId, integration.provider) : undefined;
      if (input.action === 'delete' || !integration || !def?.sync) {
        await handle.delete().catch((error) => {
          if (!(error instanceof ScheduleNotFoundError)) throw error;
        });
        return 'deleted';
      }
      if (input.action === 'pause') {
        await handle.pause(`integration is ${integration.status}`).catch((error) => {
          if (!(error instanceof ScheduleNotFoundError)) throw error;
        });
        return 'paused';
      }
      const minutes = Number(integration.settings.syncIntervalMinutes ?? 15);
      const spec = { intervals: [{ every: `${minutes} minutes` as const, offset: syncScheduleOffsetMs(integration.id, minutes) }] };
      try {
        // Schedules created before the workload queues move to the sync queue here.
        await handle.update((previous) => ({
          ...previous,
          spec,
          action: { ...previous.action, taskQueue: taskQueueOf(deps.env.TEMPORAL_TASK_QUEUE, 'sync') },
        }));
        await handle.unpause('integration is active');
        return 'updated';
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      }
      await temporal.schedule.create({
        scheduleId: syncScheduleId(integration.id),
        spec,
        action: {
          type: 'startWorkflow',
          workflowType: SYNC_WORKFLOW_TYPE,
          args: [{ integrationId: integration.id, reason: 'scheduled' }],
          taskQueue: taskQueueOf(deps.env.TEMPORAL_TASK_QUEUE, 'sync'),
          workflowId: `sync:${integration.id}`,
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        memo: { integrationId: integration.id, provider: integration.provider },
      });
      return 'created';
    },
  };
}
