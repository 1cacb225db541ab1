/**
 * Retention (docs/operations.md "Retention"): the batch deletes against real PostgreSQL (a database of their own, so
 * every old row is one this file wrote), and the daily Temporal Schedule a worker start creates, triggered and run by
 * a real worker on the connections queue.
 */
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { EntityName, MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retentionPolicy, runRetention } from '../activities/retention.activities.ts';
import {
  AuditEntry,
  EventDelivery,
  EventDeliveryAttempt,
  IntegrationLog,
  Invitation,
  OAuthFlow,
  TenantEvent,
  UnroutedWebhookEvent,
  WebhookEvent,
} from '../db/entities/index.ts';
import { openOrm } from '../db/orm.ts';
import { idBefore, type RetentionTable } from '../db/repositories/retention.repository.ts';
import { createTenant } from '../db/repositories/tenants.repository.ts';
import { newId } from '../lib/ids.ts';
import { loadEnv } from '../lib/env.ts';
import { WORKFLOWS_PATH } from '../workers/create-worker.ts';
import { startRetention } from '../workers/retention.ts';
import { RETENTION_WORKFLOW_TYPE, type RetentionResult } from '../workflows/retention.messages.ts';
import { freshDatabase, startTestApi, testEnv, until, type TestApi } from './helpers.ts';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);
/** An id as newId (lib/ids.ts) made it at `at`: a row written then has an id of then. */
const idAt = (prefix: string, at: Date) => idBefore(prefix, at.getTime()) + newId('x').slice(-16);
const KEEP_ALL = {
  PLUGBOARD_RETENTION_WEBHOOK_EVENTS_DAYS: '0',
  PLUGBOARD_RETENTION_UNROUTED_DAYS: '0',
  PLUGBOARD_RETENTION_LOGS_DAYS: '0',
  PLUGBOARD_RETENTION_EVENT_DELIVERIES_DAYS: '0',
  PLUGBOARD_RETENTION_ONE_TIME_TOKENS_DAYS: '0',
  PLUGBOARD_RETENTION_AUDIT_DAYS: '0',
};

let orm: MikroORM;
let tenantId: string;
beforeAll(async () => {
  orm = await openOrm(await freshDatabase('retention'));
  tenantId = (await createTenant(orm.em.fork(), 'Retention')).id;
});
afterAll(async () => {
  await orm?.close();
});

/** Which of `ids` of `entity` are still there. */
async function remaining(entity: EntityName<any>, ids: string[]): Promise<string[]> {
  const rows: { id: string }[] = await orm.em.fork().find(entity, { id: { $in: ids } });
  return rows.map((r) => r.id).sort();
}

function webhookEvent(status: 'pending' | 'processed' | 'failed', createdAt: Date, extra: { processedAt?: Date; lastAttemptAt?: Date } = {}) {
  return {
    id: idAt('evt', createdAt),
    tenantId,
    integrationId: 'int_retention',
    provider: 'sandbox',
    eventType: 'item.updated',
    deliveryId: newId('d'),
    payload: 'v1:ciphertext',
    status,
    createdAt,
    ...extra,
  };
}

const unrouted = (createdAt: Date) => ({
  id: idAt('evu', createdAt),
  provider: 'slack',
  eventType: 'message',
  deliveryId: newId('d'),
  payload: 'v1:ciphertext',
  createdAt,
});

const log = (createdAt: Date) => ({ id: idAt('log', createdAt), tenantId, integrationId: 'int_retention', kind: 'refreshed', message: 'Refreshed', createdAt });

const audit = (at: Date) => ({ id: idAt('aud', at), tenantId, at, actorType: 'system' as const, action: 'integration.deleted' });

describe('retention settings', () => {
  it('default to 30, 7, 90, 30 and 30 days with audit entries kept forever, take 0 for keep, and refuse what would empty the stats windows', () => {
    const env = loadEnv({});
    expect(retentionPolicy(env)).toEqual({ webhookEvents: 30, unrouted: 7, logs: 90, eventDeliveries: 30, oneTimeTokens: 30, audit: 0 });
    expect(env.PLUGBOARD_RETENTION_HOUR).toBe(3);
    expect(retentionPolicy(loadEnv(KEEP_ALL))).toEqual({ webhookEvents: 0, unrouted: 0, logs: 0, eventDeliveries: 0, oneTimeTokens: 0, audit: 0 });
    expect(() => loadEnv({ PLUGBOARD_RETENTION_WEBHOOK_EVENTS_DAYS: '3' })).toThrow(
      /PLUGBOARD_RETENTION_WEBHOOK_EVENTS_DAYS: 0 \(keep forever\) or at least 7 days/,
    );
    expect(() => loadEnv({ PLUGBOARD_RETENTION_ONE_TIME_TOKENS_DAYS: '7' })).toThrow(/PLUGBOARD_RETENTION_ONE_TIME_TOKENS_DAYS/);
    expect(() => loadEnv({ PLUGBOARD_RETENTION_LOGS_DAYS: '-1' })).toThrow(/PLUGBOARD_RETENTION_LOGS_DAYS/);
    expect(() => loadEnv({ PLUGBOARD_RETENTION_HOUR: '24' })).toThrow(/PLUGBOARD_RETENTION_HOUR/);
  });
});

describe('runRetention', () => {
  it('bounds its primary-key walk right: ids made before a time sort below idBefore, in PostgreSQL too', async () => {
    const before = Date.now();
    const ids = Array.from({ length: 200 }, () => newId('log'));
    const after = Date.now();
    const [low, high] = [idBefore('log', before), idBefore('log', after + 1)];
    expect(ids.every((id) => low < id && id < high)).toBe(true);
    expect(idBefore('log', before - 1) < low && low < high).toBe(true);
    const [row] = await orm.em
      .fork()
      .getConnection()
      .execute<{ ok: boolean }[]>(`select bool_and(? < id and id < ?) as ok from unnest(?::text[]) as id`, [low, high, `{${ids.join(',')}}`]);
    expect(row?.ok).toBe(true);
  });

  it('deletes old processed and failed rows with the defaults, and keeps pending, recent and lately retried ones', async () => {
    const em = orm.em.fork();
    const events = {
      oldProcessed: em.create(WebhookEvent, webhookEvent('processed', ago(40), { processedAt: ago(40) })),
      oldFailed: em.create(WebhookEvent, webhookEvent('failed', ago(40), { lastAttemptAt: ago(39) })),
      oldPending: em.create(WebhookEvent, webhookEvent('pending', ago(40))),
      recentProcessed: em.create(WebhookEvent, webhookEvent('processed', ago(10), { processedAt: ago(10) })),
      retriedFailed: em.create(WebhookEvent, webhookEvent('failed', ago(40), { lastAttemptAt: ago(2) })),
    };
    const unroutedRows = { old: em.create(UnroutedWebhookEvent, unrouted(ago(8))), recent: em.create(UnroutedWebhookEvent, unrouted(ago(6))) };
    const logs = { old: em.create(IntegrationLog, log(ago(91))), recent: em.create(IntegrationLog, log(ago(89))) };

    const tenantEvent = (createdAt: Date) =>
      em.create(TenantEvent, { id: idAt('msg', createdAt), tenantId, type: 'integration.connected', data: 'v1:ciphertext', createdAt });
    const delivery = (event: TenantEvent, status: 'pending' | 'delivered' | 'failed', at: Date) =>
      em.create(EventDelivery, {
        id: idAt('dlv', event.createdAt),
        tenantId,
        endpointId: 'wep_retention',
        eventId: event.id,
        eventType: event.type,
        status,
        attempts: 1,
        lastAttemptAt: at,
        deliveredAt: status === 'delivered' ? at : null,
        createdAt: event.createdAt,
      });
    const attempt = (d: EventDelivery, at: Date) =>
      em.create(EventDeliveryAttempt, {
        id: idAt('att', at),
        tenantId,
        deliveryId: d.id,
        endpointId: d.endpointId,
        attemptedAt: at,
        statusCode: 500,
        latencyMs: 12,
      });
    const finished = tenantEvent(ago(40));
    const stillPending = tenantEvent(ago(40));
    const orphan = tenantEvent(ago(40));
    const recent = tenantEvent(ago(5));
    const deliveries = {
      delivered: delivery(finished, 'delivered', ago(40)),
      failed: delivery(finished, 'failed', ago(39)),
      pending: delivery(stillPending, 'pending', ago(39)),
      recent: delivery(recent, 'delivered', ago(5)),
    };
    const attempts = {
      delivered: [attempt(deliveries.delivered, ago(40)), attempt(deliveries.delivered, ago(40))],
      failed: attempt(deliveries.failed, ago(39)),
      pending: attempt(deliveries.pending, ago(39)),
      recent: attempt(deliveries.recent, ago(5)),
    };

    const flow = (expiresAt: Date) => {
      const createdAt = new Date(expiresAt.getTime() - 10 * 60_000);
      return em.create(OAuthFlow, {
        id: idAt('flw', createdAt),
        tenantId,
        integrationId: 'int_retention',
        provider: 'sandbox',
        connectTokenHash: newId('h'),
        redirectUri: 'http://localhost/oauth/callback/sandbox',
        returnTo: '/',
        scopes: [],
        expiresAt,
        usedAt: createdAt,
        createdAt,
      });
    };
    const flows = { old: flow(ago(31)), recent: flow(ago(29)) };
    const invitation = (createdAt: Date, acceptedAt: Date | null) =>
      em.create(Invitation, {
        id: idAt('inv', createdAt),
        tenantId,
        email: `${newId('u')}@example.com`,
        role: 'viewer',
        tokenHash: newId('h'),
        createdAt,
        expiresAt: new Date(createdAt.getTime() + 7 * DAY),
        acceptedAt,
      });
    const invitations = { accepted: invitation(ago(38), ago(37)), pending: invitation(ago(1), null) };
    const oldAudit = em.create(AuditEntry, audit(ago(400)));
    await em.flush();

    const result = await runRetention(orm.em.fork(), retentionPolicy(testEnv()));
    expect(result.complete).toBe(true);
    expect(result.deleted).toEqual({
      webhook_event: 2,
      unrouted_webhook_event: 1,
      integration_log: 1,
      event_delivery: 2,
      event_delivery_attempt: 3,
      tenant_event: 2,
      oauth_flow: 1,
      invitation: 1,
      audit_entry: 0,
    } satisfies Record<RetentionTable, number>);

    const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();
    expect(await remaining(WebhookEvent, ids(Object.values(events)))).toEqual(ids([events.oldPending, events.recentProcessed, events.retriedFailed]));
    expect(await remaining(UnroutedWebhookEvent, ids(Object.values(unroutedRows)))).toEqual([unroutedRows.recent.id]);
    expect(await remaining(IntegrationLog, ids(Object.values(logs)))).toEqual([logs.recent.id]);
    expect(await remaining(EventDelivery, ids(Object.values(deliveries)))).toEqual(ids([deliveries.pending, deliveries.recent]));
    expect(await remaining(EventDeliveryAttempt, ids([...attempts.delivered, attempts.failed, attempts.pending, attempts.recent]))).toEqual(
      ids([attempts.pending, attempts.recent]),
    );
    expect(await remaining(TenantEvent, ids([finished, stillPending, orphan, recent]))).toEqual(ids([stillPending, recent]));
    expect(await remaining(OAuthFlow, ids(Object.values(flows)))).toEqual([flows.recent.id]);
    expect(await remaining(Invitation, ids(Object.values(invitations)))).toEqual([invitations.pending.id]);
    expect(await remaining(AuditEntry, [oldAudit.id])).toEqual([oldAudit.id]);

    // Run again: nothing more is old enough.
    expect(Object.values((await runRetention(orm.em.fork(), retentionPolicy(testEnv()))).deleted).every((n) => n === 0)).toBe(true);
  });

  it('keeps a table forever at 0, and deletes audit entries only when their own setting is set', async () => {
    const em = orm.em.fork();
    const old = {
      unrouted: em.create(UnroutedWebhookEvent, unrouted(ago(400))),
      event: em.create(WebhookEvent, webhookEvent('processed', ago(400), { processedAt: ago(400) })),
      audit: em.create(AuditEntry, audit(ago(400))),
    };
    const recentAudit = em.create(AuditEntry, audit(ago(10)));
    await em.flush();

    const kept = await runRetention(orm.em.fork(), retentionPolicy(testEnv(KEEP_ALL)));
    expect(kept).toMatchObject({ batches: 0, complete: true });
    expect(Object.values(kept.deleted).every((n) => n === 0)).toBe(true);
    expect(await remaining(UnroutedWebhookEvent, [old.unrouted.id])).toEqual([old.unrouted.id]);
    expect(await remaining(WebhookEvent, [old.event.id])).toEqual([old.event.id]);

    const defaults = await runRetention(orm.em.fork(), retentionPolicy(testEnv()));
    expect(defaults.deleted).toMatchObject({ unrouted_webhook_event: 1, webhook_event: 1, audit_entry: 0 });
    expect(await remaining(AuditEntry, [old.audit.id])).toEqual([old.audit.id]);

    const withAudit = await runRetention(orm.em.fork(), retentionPolicy(testEnv({ PLUGBOARD_RETENTION_AUDIT_DAYS: '365' })));
    expect(withAudit.deleted.audit_entry).toBeGreaterThanOrEqual(1);
    expect(await remaining(AuditEntry, [old.audit.id, recentAudit.id])).toEqual([recentAudit.id]);
  });

  it('deletes in bounded batches, one per table in turn, and stops between batches when its time is up', async () => {
    const em = orm.em.fork();
    const logs = Array.from({ length: 25 }, (_, i) => em.create(IntegrationLog, log(ago(100 + i))));
    const unroutedRows = Array.from({ length: 14 }, (_, i) => em.create(UnroutedWebhookEvent, unrouted(ago(10 + i))));
    await em.flush();
    const policy = retentionPolicy(testEnv());

    const outOfTime = await runRetention(orm.em.fork(), policy, { batchSize: 10, budgetMs: 0 });
    expect(outOfTime).toMatchObject({ batches: 0, complete: false });
    expect(
      await remaining(
        IntegrationLog,
        logs.map((r) => r.id),
      ),
    ).toHaveLength(25);

    const batches: [RetentionTable, number][] = [];
    const result = await runRetention(orm.em.fork(), policy, {
      batchSize: 10,
      onBatch: (table, batch) => {
        if (table === 'integration_log' || table === 'unrouted_webhook_event') batches.push([table, batch[table] ?? 0]);
      },
    });
    expect(batches).toEqual([
      ['unrouted_webhook_event', 10],
      ['integration_log', 10],
      ['unrouted_webhook_event', 4],
      ['integration_log', 10],
      ['integration_log', 5],
    ]);
    expect(result).toMatchObject({ complete: true, deleted: { integration_log: 25, unrouted_webhook_event: 14 } });
    expect(
      await remaining(
        IntegrationLog,
        logs.map((r) => r.id),
      ),
    ).toEqual([]);
    expect(
      await remaining(
        UnroutedWebhookEvent,
        unroutedRows.map((r) => r.id),
      ),
    ).toEqual([]);
  });
});

describe('the retention schedule', () => {
  let api: TestApi;
  let scheduleId: string | undefined;
  beforeAll(async () => {
    api = await startTestApi({ worker: true, env: { PLUGBOARD_RETENTION_HOUR: '5' } });
  });
  afterAll(async () => {
    if (scheduleId)
      await api.deps.temporal.client.schedule
        .getHandle(scheduleId)
        .delete()
        .catch(() => undefined);
    await api?.close();
  });

  it('is created at worker start (daily, overlap skip, connections queue), updated by the next start, and its run deletes old rows', async () => {
    const { client } = api.deps.temporal;
    const { env } = api.deps;
    await startRetention(client, env, api.deps.logger);
    scheduleId = `retention:${env.TEMPORAL_TASK_QUEUE}`;
    const handle = client.schedule.getHandle(scheduleId);
    const created = await handle.describe();
    expect(created.action).toMatchObject({ type: 'startWorkflow', workflowType: RETENTION_WORKFLOW_TYPE, taskQueue: `${env.TEMPORAL_TASK_QUEUE}-connections` });
    expect(created.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(created.spec.calendars).toHaveLength(1);
    expect(created.spec.calendars![0]!.hour).toEqual([{ start: 5, end: 5, step: 1 }]);

    // The next worker start, with another hour: the one schedule follows it.
    await startRetention(client, { ...env, PLUGBOARD_RETENTION_HOUR: 6 }, api.deps.logger);
    const updated = await handle.describe();
    expect(updated.spec.calendars).toHaveLength(1);
    expect(updated.spec.calendars![0]!.hour).toEqual([{ start: 6, end: 6, step: 1 }]);
    expect(updated.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);

    const em = api.deps.orm.em.fork();
    const oldLog = em.create(IntegrationLog, log(ago(120)));
    const oldEvent = em.create(WebhookEvent, webhookEvent('processed', ago(60), { processedAt: ago(60) }));
    await em.flush();

    await handle.trigger();
    const action = await until(async () => (await handle.describe()).info.recentActions[0], 20_000, 'the scheduled retention run to start');
    const run = client.workflow.getHandle(action.action.workflow.workflowId);
    const result: RetentionResult = await run.result();
    expect(result.complete).toBe(true);
    expect(result.deleted).toMatchObject({ integration_log: 1, webhook_event: 1 });
    expect(await api.deps.orm.em.fork().count(IntegrationLog, { id: oldLog.id })).toBe(0);
    expect(await api.deps.orm.em.fork().count(WebhookEvent, { id: oldEvent.id })).toBe(0);
    // The worker logs what went (no worker metrics registry: prom-client serves the API's /metrics only).
    const line = await until(() => api.logs.lines.find((l) => l.includes('retention run finished')), 5_000, 'the retention log line');
    expect(JSON.parse(line).deleted).toMatchObject({ integration_log: 1, webhook_event: 1 });

    // A new workflow type: its history replays on the current code.
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, await run.fetchHistory());
  }, 90_000);
});
