/**
 * Tenant events of the remaining flows (issue 14 item 2): integration.reauthorization_due from its scheduled sweep,
 * integration.push_failed, sync.completed, records.changed, webhook.received and an end-to-end
 * integration.refresh_failing — each emitted by the real flow (connection workflow, sync workflow, webhook batches,
 * the sweep's Temporal Schedule) through the outbox, against real PostgreSQL, Temporal, the sandbox authorization
 * server, an OAuth fake for Google and a real HTTP receiver that verifies every signature with the
 * `standardwebhooks` reference library. Event data carries ids and facts, never a token (REQ-19).
 */
import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentials } from '../db/credentials.ts';
import { Integration, ReauthorizationNotice, TenantEvent, WebhookEvent } from '../db/entities/index.ts';
import { createTenantEventEmitters } from '../activities/tenant-events.ts';
import { signSlack } from '../lib/webhooks/signatures.ts';
import { ensureReauthorizationSweep } from '../workers/reauthorization-sweep.ts';
import { connectionWorkflowId } from '../workflows/connection.messages.ts';
import { CLIENT, OAuthFake } from './fakes/oauth-fake.ts';
import { PROFILES } from './fakes/profiles.ts';
import { startEventReceiver, startTestEventDispatcher, type EventReceiver, type ReceivedRequest } from './event-receiver.ts';
import { historyStrings, startTestApi, until, type TestApi } from './helpers.ts';
import { ScriptedBrowser } from './oauth-browser.ts';

type Envelope = { type: string; timestamp: string; data: Record<string, any> };

/** A real HTTP receiver: records every request and answers 200. */
let receiver: EventReceiver;
let received: ReceivedRequest[];
let receiverUrl: string;

/** Google Calendar's API as far as push goes: every `events.watch` is refused (as for an unverified domain). */
let calendarApi: Server;
let calendarAuth: OAuthFake;

const REFRESH_FAILING_AFTER = 3;
let api: TestApi;
let dispatcher: { stop: () => Promise<void> };
let sweepScheduleId: string | undefined;

beforeAll(async () => {
  receiver = await startEventReceiver();
  received = receiver.received;
  receiverUrl = receiver.url;
  calendarApi = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 400, message: 'Unauthorized WebHook callback channel', status: 'INVALID_ARGUMENT' } }));
    });
  });
  await new Promise<void>((resolve) => calendarApi.listen(0, '127.0.0.1', resolve));
  calendarAuth = await OAuthFake.start(PROFILES['google-calendar']!);
  const google: Record<string, string> = {
    PLUGBOARD_GOOGLE_CALENDAR_CLIENT_ID: CLIENT.clientId,
    PLUGBOARD_GOOGLE_CALENDAR_CLIENT_SECRET: CLIENT.clientSecret,
    PLUGBOARD_GOOGLE_CALENDAR_API_BASE_URL: `http://127.0.0.1:${(calendarApi.address() as { port: number }).port}/calendar/v3`,
  };
  for (const suffix of ['AUTHORIZATION_URL', 'TOKEN_URL', 'USERINFO_URL', 'REVOCATION_URL', 'ISSUER', 'JWKS_URI']) {
    const value = calendarAuth.lookup('google-calendar', suffix);
    if (value) google[`PLUGBOARD_GOOGLE_CALENDAR_${suffix}`] = value;
  }
  api = await startTestApi({
    worker: true,
    env: {
      ...google,
      PLUGBOARD_EVENT_RETRY_SCHEDULE: '0,4s,4s',
      PLUGBOARD_SWEEP_INTERVAL_MS: '1000',
      PLUGBOARD_EVENT_REFRESH_FAILING_AFTER: String(REFRESH_FAILING_AFTER),
      PLUGBOARD_EVENT_REAUTHORIZATION_DUE_DAYS: '7,1',
      // Every sandbox grant is stated to die in 5 days: within the 7-day threshold from the start.
      PLUGBOARD_SANDBOX_REFRESH_TOKEN_TTL: String(5 * 86_400),
    },
  });
  dispatcher = startTestEventDispatcher(api);
}, 60_000);

afterAll(async () => {
  if (sweepScheduleId)
    await api.deps.temporal.client.schedule
      .getHandle(sweepScheduleId)
      .delete()
      .catch(() => undefined);
  await dispatcher?.stop();
  await api?.close();
  await calendarAuth?.close();
  calendarApi?.closeAllConnections();
  await new Promise((resolve) => calendarApi?.close(resolve));
  await receiver?.close();
});

async function newEndpoint(key: string, path: string, eventTypes: string[]): Promise<string> {
  const res = await api.request('POST', '/api/v1/event-endpoints', { key, body: { url: `${receiverUrl}${path}`, eventTypes } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.secret;
}

/** Every request to `path`, each verified with the reference library (a bad signature throws). */
function events(path: string, secret: string): Envelope[] {
  return received.filter((r) => r.path === path).map((r) => new Webhook(secret).verify(r.body, r.headers) as Envelope);
}

async function sandboxIntegration(key: string): Promise<string> {
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } });
  expect(created.status).toBe(201);
  return created.body.data.id;
}

async function connect(key: string, id: string): Promise<void> {
  const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
  expect(started.status).toBe(201);
  expect((await new ScriptedBrowser().connect(started.body.data.connectUrl)).status).toBe(303);
}

const row = (id: string) => api.deps.orm.em.fork().findOneOrFail(Integration, { id });

/** The tokens of an integration: no event body may contain them (REQ-19). */
async function expectNoTokens(id: string, path: string): Promise<void> {
  const tokens = readCredentials(api.deps.vault, await row(id));
  const bodies = received.filter((x) => x.path === path);
  // Something to compare, or the check proves nothing.
  expect(tokens?.accessToken, 'the integration holds a token').toBeTruthy();
  expect(bodies.length, `events received on ${path}`).toBeGreaterThan(0);
  for (const r of bodies) {
    expect(r.body).not.toContain(tokens!.accessToken);
    if (tokens?.refreshToken) expect(r.body).not.toContain(tokens.refreshToken);
  }
}

describe('sync.completed and records.changed', () => {
  it('are sent by a sync run with its counts and the changed records, committed with them; a run without changes sends no records.changed', async () => {
    const { apiKey: key } = await api.newTenant();
    const secret = await newEndpoint(key, '/sync', ['sync.completed', 'records.changed']);
    const id = await sandboxIntegration(key);
    await connect(key, id);
    const synced = await api.request('POST', `/api/v1/integrations/${id}/sync`, { key });
    expect(synced.status, JSON.stringify(synced.body)).toBe(200);
    expect(synced.body.data).toMatchObject({ created: 3, updated: 0, deleted: 0 });

    const manual = () => events('/sync', secret).filter((e) => e.data.reason === 'manual');
    await until(() => manual().length >= 2, 20_000, 'sync.completed and records.changed');
    const completed = manual().find((e) => e.type === 'sync.completed')!;
    expect(completed.data).toMatchObject({
      integrationId: id,
      provider: 'sandbox',
      reason: 'manual',
      models: ['item'],
      fullModels: ['item'],
      counts: { added: 3, updated: 0, deleted: 0, unchanged: 0 },
    });
    const changed = events('/sync', secret).find((e) => e.type === 'records.changed')!;
    expect(changed.data).toMatchObject({ integrationId: id, counts: { added: 3, updated: 0, deleted: 0 }, truncated: false });
    // The ids are those of the records API, and `since` lists exactly this run's changes.
    const listed = await api.request('GET', `/api/v1/integrations/${id}/records?since=${encodeURIComponent(changed.data.since)}`, { key });
    expect(listed.status).toBe(200);
    const records = changed.data.records as { id: string; model: string; externalId: string; change: string }[];
    expect(records.map((r) => r.change)).toEqual(['created', 'created', 'created']);
    expect(new Set(records.map((r) => r.id))).toEqual(new Set(listed.body.data.map((r: { id: string }) => r.id)));
    expect(records.map((r) => r.externalId).sort()).toEqual(listed.body.data.map((r: { externalId: string }) => r.externalId).sort());
    expect(changed.data.recordsUrl).toBe(`${api.url}/api/v1/integrations/${id}/records?since=${encodeURIComponent(changed.data.since)}`);

    // Nothing changed since (an incremental sync): sync.completed with zero counts, no records.changed.
    expect((await api.request('POST', `/api/v1/integrations/${id}/sync`, { key })).status).toBe(200);
    await until(() => manual().filter((e) => e.type === 'sync.completed').length >= 2, 20_000, 'the second sync.completed');
    expect(manual().filter((e) => e.type === 'sync.completed')[1]!.data.counts).toEqual({ added: 0, updated: 0, deleted: 0, unchanged: 0 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(events('/sync', secret).filter((e) => e.type === 'records.changed')).toHaveLength(1);
    await expectNoTokens(id, '/sync');
  }, 60_000);
});

describe('webhook.received', () => {
  it('carries a signed provider event Plugboard processed, as the per-integration forward carries it; the forwardUrl keeps working', async () => {
    const { apiKey: key } = await api.newTenant();
    const secret = await newEndpoint(key, '/received', ['webhook.received']);
    const signing = 'tenant-slack-signing-secret';
    const created = await api.request('POST', '/api/v1/integrations', {
      key,
      body: {
        provider: 'slack',
        secrets: { clientId: 'tenant-slack-client', clientSecret: 'tenant-slack-client-secret', webhookSecret: signing },
        settings: { forwardUrl: `${receiverUrl}/forward` },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.data.id as string;
    const forwardSecret = (await api.request('POST', `/api/v1/integrations/${id}/forwarding-secret`, { key })).body.data.forwardSecret as string;
    await api.deps.orm.em.fork().nativeUpdate(Integration, { id }, { status: 'active', externalAccountId: 'T0RECEIVED' });

    const body = JSON.stringify({
      type: 'event_callback',
      team_id: 'T0RECEIVED',
      event_id: 'EvReceived1',
      event: { type: 'reaction_added', reaction: 'tada' },
    });
    const ts = Math.floor(Date.now() / 1000);
    const ack = await fetch(`${api.url}/webhooks/slack/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlack(body, signing, ts) },
      body,
    });
    expect(ack.status).toBe(200);

    const event = await until(() => events('/received', secret)[0], 30_000, 'webhook.received');
    expect(event.type).toBe('webhook.received');
    const forwarded = await until(() => received.find((r) => r.path === '/forward'), 30_000, 'the forward');
    const forwardBody = new Webhook(forwardSecret).verify(forwarded.body, forwarded.headers) as Record<string, unknown>;
    // The tenant endpoint gets what the forward carries: the provider's event as received.
    expect(event.data).toEqual(forwardBody);
    const stored = await api.deps.orm.em.fork().findOneOrFail(WebhookEvent, { integrationId: id });
    expect(event.data).toMatchObject({ id: stored.id, type: stored.eventType, provider: 'slack', integrationId: id });
    expect(event.data.data).toEqual(JSON.parse(body));
    // Committed with the mark: the event is processed, and exactly one webhook.received exists for it.
    expect(stored.status).toBe('processed');
    expect(await api.deps.orm.em.fork().count(TenantEvent, { integrationId: id, type: 'webhook.received' })).toBe(1);
  }, 60_000);
});

describe('integration.push_failed', () => {
  it('is sent when the provider refuses a push subscription, with when it is tried again', async () => {
    const { apiKey: key } = await api.newTenant();
    const secret = await newEndpoint(key, '/push', ['integration.push_failed']);
    const id = (await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'google-calendar' } })).body.data.id as string;
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
    const browser = new ScriptedBrowser();
    const authorize = await browser.clickConnect(started.body.data.connectUrl);
    const { url } = await browser.follow(authorize.href, (u) => u.pathname.startsWith('/oauth/callback/'));
    expect((await browser.fetch(url)).headers.get('location')).toContain('connect=connected');

    const event = await until(() => events('/push', secret)[0], 30_000, 'integration.push_failed');
    expect(event.type).toBe('integration.push_failed');
    expect(event.data).toMatchObject({
      integrationId: id,
      provider: 'google-calendar',
      status: 'active',
      action: 'create',
      consecutiveFailures: 1,
      channelExpiresAt: null,
      error: expect.stringMatching(/400/),
    });
    // The first retry is an hour later (activities/push.activities.ts).
    expect(Date.parse(event.data.retryAt) - Date.now()).toBeGreaterThan(55 * 60_000);
    expect((await row(id)).settings.push).toMatchObject({ failures: 1 });
    await expectNoTokens(id, '/push');
  }, 60_000);
});

describe('integration.reauthorization_due', () => {
  const sweepRuns: string[] = [];
  /** One run of the sweep as its Temporal Schedule starts it; resolves when the run has finished. */
  async function sweep(): Promise<{ checked: number; sent: number }> {
    sweepScheduleId ??= await ensureReauthorizationSweep(api.deps.temporal.client, api.deps.env);
    const handle = api.deps.temporal.client.schedule.getHandle(sweepScheduleId);
    const before = (await handle.describe()).info.recentActions.length;
    await handle.trigger();
    const action = await until(async () => (await handle.describe()).info.recentActions[before], 20_000, 'the scheduled sweep to start');
    sweepRuns.push(action.action.workflow.workflowId);
    return api.deps.temporal.client.workflow.getHandle(action.action.workflow.workflowId).result();
  }

  it('is sent once per threshold (7 and 1 days) by the scheduled sweep, with a connect link; a reconnect re-arms it', async () => {
    const { apiKey: key } = await api.newTenant();
    const secret = await newEndpoint(key, '/due', ['integration.reauthorization_due']);
    const id = await sandboxIntegration(key);
    await connect(key, id);
    const expiresAt = (await row(id)).refreshTokenExpiresAt!;
    // The sandbox states a 5-day refresh-token lifetime: the 7-day threshold is reached at once.
    expect(expiresAt.getTime() - Date.now()).toBeLessThan(7 * 86_400_000);

    expect((await sweep()).sent).toBeGreaterThanOrEqual(1);
    const first = await until(() => events('/due', secret)[0], 20_000, 'the 7-day notice');
    expect(first.data).toMatchObject({
      integrationId: id,
      provider: 'sandbox',
      status: 'active',
      thresholdDays: 7,
      refreshTokenExpiresAt: expiresAt.toISOString(),
      dueInDays: Math.ceil((expiresAt.getTime() - Date.now()) / 86_400_000),
    });
    expect(first.data.connectUrl).toMatch(new RegExp(`^${api.url}/oauth/connect/[A-Za-z0-9_-]{43}$`));
    expect(Date.parse(first.data.connectUrlExpiresAt)).toBeGreaterThan(Date.now());

    // Swept again: nothing new (what was sent is stored).
    await sweep();
    await new Promise((r) => setTimeout(r, 1500));
    expect(events('/due', secret)).toHaveLength(1);

    // 12 hours left: the 1-day threshold, once.
    await api.deps.orm.em.fork().nativeUpdate(Integration, { id }, { refreshTokenExpiresAt: new Date(Date.now() + 12 * 3_600_000) });
    await sweep();
    const second = await until(() => events('/due', secret)[1], 20_000, 'the 1-day notice');
    expect(second.data).toMatchObject({ integrationId: id, thresholdDays: 1, dueInDays: 1 });
    await sweep();
    await new Promise((r) => setTimeout(r, 1500));
    expect(events('/due', secret)).toHaveLength(2);
    expect(
      (await api.deps.orm.em.fork().find(ReauthorizationNotice, { integrationId: id }, { orderBy: { thresholdDays: 'desc' } })).map((n) => n.thresholdDays),
    ).toEqual([7, 1]);

    // The connect link in the event reconnects: a new grant, and the 7-day threshold is armed again.
    expect((await new ScriptedBrowser().connect(second.data.connectUrl)).status).toBe(303);
    await until(async () => (await api.deps.orm.em.fork().count(ReauthorizationNotice, { integrationId: id })) === 0, 20_000, 'the re-arm');
    await sweep();
    const third = await until(() => events('/due', secret)[2], 20_000, 'the notice for the new grant');
    expect(third.data).toMatchObject({ integrationId: id, thresholdDays: 7 });

    // The link is a one-time credential: never in Temporal history (the sweep's runs carry counts only; REQ-19), and
    // no token is in an event.
    expect(sweepRuns).toHaveLength(5);
    const links = events('/due', secret).map((e) => e.data.connectUrl.split('/').pop() as string);
    for (const workflowId of [...sweepRuns, connectionWorkflowId(id)]) {
      const history = await api.deps.temporal.client.workflow.getHandle(workflowId).fetchHistory();
      for (const text of historyStrings(history)) for (const link of links) expect(text).not.toContain(link);
    }
    await expectNoTokens(id, '/due');
  }, 90_000);
});

describe('integration.refresh_failing end to end', () => {
  /**
   * A refresh against the sandbox while its token endpoint answers 503. The connection workflow's refresh retries
   * back off for about 4 minutes before a failure counts; Temporal's UpdateActivityOptions (an operator API, the
   * workflow code untouched) caps the running attempt's retries at its next failure, so each refresh fails for good
   * within seconds. The failure stays a transient one: "Refresh failed after retries".
   */
  async function failingRefresh(key: string, id: string): Promise<void> {
    const { client } = api.deps.temporal;
    const refresh = api.request('POST', `/api/v1/integrations/${id}/refresh`, { key });
    let capped = false;
    const cap = (async () => {
      for (const deadline = Date.now() + 30_000; !capped && Date.now() < deadline; await new Promise((r) => setTimeout(r, 150))) {
        const described = await client.workflow.getHandle(connectionWorkflowId(id)).describe();
        const pending = described.raw.pendingActivities?.find((a) => a.activityType?.name === 'refreshTokens');
        if (!pending) continue;
        await client.workflowService.updateActivityOptions({
          namespace: api.deps.env.TEMPORAL_NAMESPACE,
          execution: { workflowId: connectionWorkflowId(id) },
          id: pending.activityId,
          activityOptions: { retryPolicy: { maximumAttempts: 1 } },
          updateMask: { paths: ['retry_policy.maximum_attempts'] },
        });
        capped = true;
      }
    })();
    const res = await refresh;
    await cap;
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.error.message).toMatch(/^Refresh failed after retries/);
  }

  it(`is sent exactly once, at the ${REFRESH_FAILING_AFTER}rd consecutive transient refresh failure`, async () => {
    const { apiKey: key } = await api.newTenant();
    const secret = await newEndpoint(key, '/failing', ['integration.refresh_failing', 'integration.reauthorization_required']);
    const id = await sandboxIntegration(key);
    await connect(key, id);
    api.deps.sandbox!.control.failTokenRequests = 1_000;
    try {
      for (let failure = 1; failure <= REFRESH_FAILING_AFTER + 1; failure++) {
        await failingRefresh(key, id);
        expect((await row(id)).errorCount).toBe(failure);
        if (failure < REFRESH_FAILING_AFTER) expect(events('/failing', secret)).toHaveLength(0);
        if (failure === REFRESH_FAILING_AFTER) await until(() => events('/failing', secret)[0], 20_000, 'integration.refresh_failing');
      }
    } finally {
      api.deps.sandbox!.control.failTokenRequests = 0;
    }
    await new Promise((r) => setTimeout(r, 1500));
    const sent = events('/failing', secret);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      type: 'integration.refresh_failing',
      data: { integrationId: id, status: 'error', consecutiveFailures: REFRESH_FAILING_AFTER, reason: expect.stringMatching(/^Refresh failed after retries/) },
    });
    await expectNoTokens(id, '/failing');
  }, 120_000);
});

describe('the reason recordStatus passes', () => {
  it('decides the event, whatever the message says; inputs without it (older histories) fall back to the message text', async () => {
    const { apiKey: key, tenantId } = await api.newTenant();
    const secret = await newEndpoint(key, '/reason', ['integration.refresh_failing', 'integration.reauthorization_required']);
    const id = await sandboxIntegration(key);
    const emitters = createTenantEventEmitters(api.deps as never);
    const record = (message: string, reason?: 'refresh_failing' | 'app_misconfigured') =>
      api.deps.orm.em.fork().transactional(async (tem) => {
        const integration = await tem.findOneOrFail(Integration, { id, tenantId });
        integration.status = 'error';
        integration.errorCount = REFRESH_FAILING_AFTER;
        await emitters.errorRecorded(tem, integration, 'refresh_failed', message, reason);
      });
    // A bad app whose provider's text happens to say "Reauthorization required": not the end user's to fix.
    await record('Provider app misconfigured: the provider said "Reauthorization required"', 'app_misconfigured');
    // A transient failure worded otherwise than the workflow words it today.
    await record('The token endpoint kept answering 503', 'refresh_failing');
    // An input from a history recorded before the field: read by its text, as before.
    await record('Refresh failed after retries (sandbox token endpoint unavailable); retrying automatically in 5 minutes');
    await until(() => events('/reason', secret).length >= 2, 20_000, 'two events');
    await new Promise((r) => setTimeout(r, 1000));
    expect(events('/reason', secret).map((e) => [e.type, e.data.reason])).toEqual([
      ['integration.refresh_failing', 'The token endpoint kept answering 503'],
      ['integration.refresh_failing', 'Refresh failed after retries (sandbox token endpoint unavailable); retrying automatically in 5 minutes'],
    ]);
  }, 60_000);
});
