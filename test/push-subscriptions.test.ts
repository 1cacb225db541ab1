/**
 * Push subscriptions (docs/security.md C.4, C.5) against the real connection workflow, Temporal and
 * Postgres: Google Calendar channels and Gmail watches are created after connecting, replaced before they
 * expire, and stopped on disconnect while the tokens still work. Google's OAuth server and API are local
 * fakes built from the documented request and response shapes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Integration, IntegrationLog, WebhookEvent } from '../db/entities/index.ts';
import { connectionWorkflowId } from '../workflows/connection.messages.ts';
import { CLIENT, OAuthFake } from './fakes/oauth-fake.ts';
import { PROFILES } from './fakes/profiles.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { startTestApi, type TestApi } from './helpers.ts';

const TOPIC = 'projects/plugboard-test/topics/gmail-push';

interface GoogleCall {
  at: number;
  method: string;
  path: string;
  body: any;
  status: number;
}

/**
 * Calendar `events.watch` / `channels.stop`, Gmail `users.watch` / `users.stop` and Microsoft Graph
 * `POST /subscriptions` (with its validation call to the notification URL) / `DELETE /subscriptions/{id}`,
 * accepting the access tokens the OAuth fakes issued.
 */
class PushApiFake {
  readonly calls: GoogleCall[] = [];
  /** Lifetime of the next channels (ms), one per watch call; then an hour. */
  lifetimes: number[] = [];
  /** The next watch calls answer this status instead. */
  failWatch: number[] = [];
  readonly live = new Map<string, string>();
  /** Graph subscriptions: id → clientState. */
  readonly graph = new Map<string, string>();
  private readonly server: Server;
  private readonly oauth: OAuthFake[];
  origin = '';

  constructor(oauth: OAuthFake[]) {
    this.oauth = oauth;
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', async () => {
        const path = new URL(req.url ?? '/', 'http://fake').pathname;
        const body = raw ? JSON.parse(raw) : undefined;
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        const reply = (status: number, json?: unknown) => {
          this.calls.push({ at: Date.now(), method: req.method ?? '', path, body, status });
          res.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json; charset=UTF-8' });
          res.end(json === undefined ? undefined : JSON.stringify(json));
        };
        if (!this.oauth.some((f) => f.isActive(token)))
          return reply(401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
        if (req.method === 'POST' && (path === '/calendar/v3/calendars/primary/events/watch' || path === '/gmail/v1/users/me/watch')) {
          const failure = this.failWatch.shift();
          if (failure)
            return reply(failure, {
              error: { code: failure, message: 'Unauthorized WebHook callback channel: http://127.0.0.1 is not https', status: 'INVALID_ARGUMENT' },
            });
          const expiration = String(Date.now() + (this.lifetimes.shift() ?? 3600_000));
          if (path.startsWith('/gmail')) return reply(200, { historyId: '9876543210', expiration });
          const resourceId = `res-${this.calls.length}`;
          this.live.set(body.id, resourceId);
          return reply(200, {
            kind: 'api#channel',
            id: body.id,
            resourceId,
            resourceUri: 'https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json',
            expiration,
          });
        }
        if (req.method === 'POST' && path === '/calendar/v3/channels/stop') {
          if (this.live.get(body?.id) !== body?.resourceId) return reply(404, { error: { code: 404, message: 'Channel not found' } });
          this.live.delete(body.id);
          return reply(204);
        }
        if (req.method === 'POST' && path === '/gmail/v1/users/me/stop') return reply(204);
        if (req.method === 'POST' && path === '/v1.0/subscriptions') {
          // Graph first proves the notification URL: POST ?validationToken=…, answered within 10 s with the token as text/plain.
          // Both the notification URL and the lifecycle notification URL are validated.
          for (const url of [body.notificationUrl, body.lifecycleNotificationUrl].filter(Boolean)) {
            const validationToken = `Validation: Testing client application reachability for subscription Request-Id: ${this.calls.length}`;
            const check = await fetch(`${url}?validationToken=${encodeURIComponent(validationToken)}`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
            const echoed = await check.text();
            if (check.status !== 200 || echoed !== validationToken || !check.headers.get('content-type')?.startsWith('text/plain')) {
              return reply(400, {
                error: {
                  code: 'ValidationError',
                  message: 'Subscription validation request failed. Response must exactly match validationToken query parameter.',
                },
              });
            }
          }
          const id = crypto.randomUUID();
          this.graph.set(id, body.clientState);
          return reply(201, {
            '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity',
            id,
            resource: body.resource,
            applicationId: '24d3b144-21ae-4080-943f-7067b395b913',
            changeType: body.changeType,
            clientState: body.clientState,
            notificationUrl: body.notificationUrl,
            expirationDateTime: body.expirationDateTime,
            creatorId: '8ee44408-0679-472c-bc2a-692812af3437',
          });
        }
        const graphDelete = /^\/v1\.0\/subscriptions\/([0-9a-f-]{36})$/.exec(path);
        if (req.method === 'DELETE' && graphDelete) {
          if (!this.graph.delete(graphDelete[1]!)) return reply(404, { error: { code: 'ResourceNotFound' } });
          return reply(204);
        }
        reply(404, { error: { code: 404, message: `no route ${req.method} ${path}` } });
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  watches(kind: 'calendar' | 'gmail'): GoogleCall[] {
    return this.calls.filter((c) => c.status === 200 && c.path.endsWith('/watch') && c.path.startsWith(kind === 'calendar' ? '/calendar' : '/gmail'));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

let api: TestApi;
let calendarAuth: OAuthFake;
let gmailAuth: OAuthFake;
let microsoftAuth: OAuthFake;
const GRAPH_RESOURCE = "me/mailFolders('Inbox')/messages";
let google: PushApiFake;

function overrides(key: string, prefix: string, fake: OAuthFake): Record<string, string> {
  const env: Record<string, string> = { [`${prefix}_CLIENT_ID`]: CLIENT.clientId, [`${prefix}_CLIENT_SECRET`]: CLIENT.clientSecret };
  for (const suffix of ['AUTHORIZATION_URL', 'TOKEN_URL', 'USERINFO_URL', 'REVOCATION_URL', 'ISSUER', 'JWKS_URI']) {
    const value = fake.lookup(key, suffix);
    if (value) env[`${prefix}_${suffix}`] = value;
  }
  return env;
}

beforeAll(async () => {
  calendarAuth = await OAuthFake.start(PROFILES['google-calendar']!);
  gmailAuth = await OAuthFake.start(PROFILES.gmail!);
  microsoftAuth = await OAuthFake.start(PROFILES.microsoft!);
  google = await new PushApiFake([calendarAuth, gmailAuth, microsoftAuth]).start();
  api = await startTestApi({
    worker: true,
    env: {
      ...overrides('google-calendar', 'PLUGBOARD_GOOGLE_CALENDAR', calendarAuth),
      ...overrides('gmail', 'PLUGBOARD_GMAIL', gmailAuth),
      ...overrides('microsoft', 'PLUGBOARD_MICROSOFT', microsoftAuth),
      PLUGBOARD_MICROSOFT_API_BASE_URL: `${google.origin}/v1.0`,
      PLUGBOARD_MICROSOFT_PUSH_RESOURCE: GRAPH_RESOURCE,
      PLUGBOARD_GOOGLE_CALENDAR_API_BASE_URL: `${google.origin}/calendar/v3`,
      PLUGBOARD_GMAIL_API_BASE_URL: google.origin,
      PLUGBOARD_GMAIL_PUSH_TOPIC: TOPIC,
      PLUGBOARD_GMAIL_PUSH_SERVICE_ACCOUNT: 'gmail-push@plugboard-test.iam.gserviceaccount.com',
    },
  });
}, 60_000);

afterAll(async () => {
  await api?.close();
  await google?.close();
  await calendarAuth?.close();
  await gmailAuth?.close();
  await microsoftAuth?.close();
});

async function connect(provider: 'google-calendar' | 'gmail' | 'microsoft'): Promise<{ key: string; id: string }> {
  const { apiKey: key } = await api.newTenant();
  const id = (await api.request('POST', '/api/v1/integrations', { key, body: { provider } })).body.data.id as string;
  const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  const browser = new ScriptedBrowser();
  const authorize = await browser.clickConnect(started.body.data.connectUrl);
  const { url } = await browser.follow(authorize.href, (u) => u.pathname.startsWith('/oauth/callback/'));
  const callback = await browser.fetch(url);
  expect(callback.headers.get('location')).toContain('connect=connected');
  return { key, id };
}

const logsOf = (id: string) => api.deps.orm.em.fork().find(IntegrationLog, { integrationId: id }, { orderBy: { id: 'asc' } });

function notify(id: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${api.url}/webhooks/google-calendar/${id}`, {
    method: 'POST',
    headers: { 'user-agent': 'APIs-Google', 'x-goog-resource-uri': 'https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json', ...headers },
  });
}

describe('Google Calendar push channels', () => {
  it('subscribes after connecting, keeps only the token hash, replaces the channel before it expires and stops the old one', async () => {
    google.lifetimes = [5_000]; // the first channel lives 5 s: renewed at half its life
    const { key, id } = await connect('google-calendar');
    await expect.poll(() => google.watches('calendar').length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    const first = google.watches('calendar')[0]!;
    expect(first.body).toMatchObject({ type: 'web_hook', address: `${api.url}/webhooks/google-calendar/${id}`, params: { ttl: String(7 * 24 * 3600) } });
    expect(first.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Buffer.from(first.body.token, 'base64url').length).toBe(32); // ≥ 128 bits (C.5 step 2)
    const token1 = first.body.token as string;
    const resource1 = google.live.get(first.body.id)!;

    // A change notification as Google sends it: no body, the channel's headers.
    const channel1 = { 'x-goog-channel-id': first.body.id, 'x-goog-resource-id': resource1, 'x-goog-channel-token': token1 };
    const ok = await notify(id, { ...channel1, 'x-goog-resource-state': 'exists', 'x-goog-message-number': '101' });
    expect(ok.status).toBe(200);
    expect(
      (await notify(id, { ...channel1, 'x-goog-channel-token': `${token1}x`, 'x-goog-resource-state': 'exists', 'x-goog-message-number': '102' })).status,
    ).toBe(401);
    expect(
      (await notify(id, { ...channel1, 'x-goog-resource-id': 'res-other', 'x-goog-resource-state': 'exists', 'x-goog-message-number': '103' })).status,
    ).toBe(401);
    const stored = await api.deps.orm.em.fork().find(WebhookEvent, { integrationId: id });
    expect(stored.map((e) => e.deliveryId)).toEqual([`${first.body.id}:101`]);

    // Renewal: a new channel (new id, new token), then the old one is stopped and no longer accepted.
    await expect.poll(() => google.watches('calendar').length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    const second = google.watches('calendar')[1]!;
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.token).not.toBe(token1);
    await expect
      .poll(() => google.calls.some((c) => c.path === '/calendar/v3/channels/stop' && c.body.id === first.body.id && c.status === 204), { timeout: 10_000 })
      .toBe(true);
    expect(google.calls.find((c) => c.path === '/calendar/v3/channels/stop')!.at).toBeGreaterThan(second.at);
    const channel2 = { 'x-goog-channel-id': second.body.id, 'x-goog-resource-id': google.live.get(second.body.id)!, 'x-goog-channel-token': second.body.token };
    expect((await notify(id, { ...channel2, 'x-goog-resource-state': 'exists', 'x-goog-message-number': '7' })).status).toBe(200);
    expect((await notify(id, { ...channel1, 'x-goog-resource-state': 'exists', 'x-goog-message-number': '104' })).status).toBe(401);
    // The second channel lives an hour: renewed a day before expiry at most, i.e. at half its life here.
    const row = await api.deps.orm.em.fork().findOneOrFail(Integration, { id });
    const push = row.settings.push as { channel: { id: string; expiresAt: number; tokenHash: string }; renewAt: number };
    expect(push.channel.id).toBe(second.body.id);
    expect(push.renewAt).toBeGreaterThan(Date.now() + 20 * 60_000);
    expect(push.renewAt).toBeLessThan(push.channel.expiresAt);

    // REQ-19: the channel tokens are nowhere but in the provider's requests: not in the API, logs, or the workflow history.
    const presented = (await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data;
    expect(presented.push).toEqual({
      active: true,
      channelId: second.body.id,
      expiresAt: new Date(push.channel.expiresAt).toISOString(),
      renewAt: new Date(push.renewAt).toISOString(),
      error: null,
    });
    const shown = JSON.stringify(presented);
    expect(shown).not.toContain(push.channel.tokenHash);
    const history = JSON.stringify(await api.deps.temporal.client.workflow.getHandle(connectionWorkflowId(id)).fetchHistory());
    const logs = JSON.stringify(await logsOf(id)) + api.logs.lines.join('\n');
    for (const secret of [token1, second.body.token as string]) {
      expect(shown).not.toContain(secret);
      expect(history).not.toContain(secret);
      expect(logs).not.toContain(secret);
      expect(JSON.stringify(row.settings)).not.toContain(secret);
    }
    expect((await logsOf(id)).map((l) => l.kind)).toEqual(expect.arrayContaining(['push_subscribed', 'push_renewed']));

    // Disconnect: the live channel is stopped first, with the token that still works, then the grant is revoked.
    expect((await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key })).status).toBe(200);
    const stop = google.calls.find((c) => c.path === '/calendar/v3/channels/stop' && c.body.id === second.body.id);
    // 204, not 401: the fake only accepts live tokens, and the revocation below deactivates the grant's access
    // tokens, so the channel was stopped before the tokens were revoked.
    expect(stop?.status).toBe(204);
    const revoke = calendarAuth.requestsTo('revoke').at(-1);
    expect(revoke).toBeDefined();
    expect(google.live.has(second.body.id)).toBe(false);
    const after = await api.deps.orm.em.fork().findOneOrFail(Integration, { id });
    expect(after.settings.push).toBeUndefined();
    expect((await logsOf(id)).map((l) => l.kind)).toContain('push_stopped');
    expect((await notify(id, { ...channel2, 'x-goog-resource-state': 'exists', 'x-goog-message-number': '8' })).status).toBe(401);
  }, 90_000);

  it('a refused watch leaves the connection active, is logged with the reason and is tried again later', async () => {
    google.failWatch = [400];
    const { key, id } = await connect('google-calendar');
    await expect
      .poll(async () => (await logsOf(id)).find((l) => l.kind === 'push_failed')?.message, { timeout: 15_000 })
      .toMatch(/HTTP 400.*trying again in 60 minutes/);
    const shown = (await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data;
    expect(shown.status).toBe('active');
    expect(shown.push).toMatchObject({ active: false, channelId: null, expiresAt: null, error: expect.stringMatching(/HTTP 400/) });
    expect(Date.parse(shown.push.renewAt)).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(shown.settings.push).toBeUndefined();
    // Nothing to stop on disconnect; the disconnect still succeeds.
    expect((await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key })).status).toBe(200);
  }, 60_000);
});

describe('Gmail watch', () => {
  it('watches the mailbox on the operator topic after connecting and stops it on disconnect', async () => {
    const before = google.watches('gmail').length;
    const { key, id } = await connect('gmail');
    await expect.poll(() => google.watches('gmail').length, { timeout: 15_000 }).toBe(before + 1);
    expect(google.watches('gmail').at(-1)!.body).toEqual({ topicName: TOPIC });
    await expect
      .poll(async () => (await api.deps.orm.em.fork().findOneOrFail(Integration, { id })).settings.push, { timeout: 5_000 })
      .toMatchObject({ error: null });
    const push = (await api.deps.orm.em.fork().findOneOrFail(Integration, { id })).settings.push as { channel: { expiresAt: number }; renewAt: number };
    // Google recommends a watch call a day; this one expires in an hour, so it is renewed at half its life.
    expect(push.renewAt - Date.now()).toBeLessThanOrEqual(30 * 60_000);
    expect(push.renewAt).toBeLessThan(push.channel.expiresAt);
    expect((await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key })).status).toBe(200);
    expect(google.calls.filter((c) => c.path === '/gmail/v1/users/me/stop' && c.status === 204)).toHaveLength(1);
    expect((await logsOf(id)).map((l) => l.kind)).toEqual(expect.arrayContaining(['push_subscribed', 'push_stopped']));
  }, 60_000);
});

describe('Microsoft Graph subscription', () => {
  it('subscribes after connecting (answering the validation calls), checks clientState and subscription id, replaces it on a lifecycle notification, and deletes it on disconnect', async () => {
    const { key, id } = await connect('microsoft');
    const created = () => google.calls.filter((c) => c.path === '/v1.0/subscriptions' && c.status === 201);
    await expect.poll(() => created().length, { timeout: 15_000 }).toBe(1);
    const request = created()[0]!.body;
    expect(request).toMatchObject({ changeType: 'created,updated,deleted', notificationUrl: `${api.url}/webhooks/microsoft/${id}`, resource: GRAPH_RESOURCE });
    expect(Date.parse(request.expirationDateTime) - Date.now()).toBeGreaterThan(4229 * 60_000 - 60_000);
    const clientState = request.clientState as string;
    expect(clientState.length).toBeLessThanOrEqual(128);
    const subscriptionId = [...google.graph.keys()][0]!;
    await expect
      .poll(async () => (await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.push?.channelId, { timeout: 5_000 })
      .toBe(subscriptionId);

    const notification = (overrides: Record<string, unknown>) => ({
      value: [
        {
          subscriptionId,
          clientState,
          changeType: 'created',
          resource: 'Users/8ee44408/Messages/AAMkAGUAAAwTW09AAA=',
          subscriptionExpirationDateTime: request.expirationDateTime,
          resourceData: { '@odata.type': '#Microsoft.Graph.Message', id: 'AAMkAGUAAAwTW09AAA=' },
          tenantId: '9188040d-6c67-4c5b-b112-36a304b66dad',
          ...overrides,
        },
      ],
    });
    const post = (body: unknown) =>
      fetch(`${api.url}/webhooks/microsoft/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(notification({}))).status).toBe(200);
    expect((await post(notification({ clientState: `${clientState}x` }))).status).toBe(401);
    expect((await post(notification({ subscriptionId: crypto.randomUUID() }))).status).toBe(401);
    expect(await api.deps.orm.em.fork().count(WebhookEvent, { integrationId: id })).toBe(1);
    const row = await api.deps.orm.em.fork().findOneOrFail(Integration, { id });
    expect(JSON.stringify(row.settings)).not.toContain(clientState);
    expect(request.lifecycleNotificationUrl).toBe(request.notificationUrl);

    // A lifecycle notification (C.8): Graph wants a reauthorization. The subscription is replaced at once.
    const lifecycle = {
      value: [
        {
          subscriptionId,
          subscriptionExpirationDateTime: request.expirationDateTime,
          tenantId: '9188040d-6c67-4c5b-b112-36a304b66dad',
          clientState,
          lifecycleEvent: 'reauthorizationRequired',
        },
      ],
    };
    expect((await post(lifecycle)).status).toBe(200);
    await expect.poll(() => created().length, { timeout: 15_000 }).toBe(2);
    await expect.poll(() => google.graph.has(subscriptionId), { timeout: 10_000 }).toBe(false);
    const renewed = [...google.graph.keys()][0]!;
    const renewedState = created()[1]!.body.clientState as string;
    expect(renewedState).not.toBe(clientState);
    expect((await logsOf(id)).map((l) => l.kind)).toEqual(expect.arrayContaining(['push_renew_requested', 'push_renewed']));
    expect((await post(notification({}))).status).toBe(401); // the old subscription and state
    expect(
      (await post(notification({ subscriptionId: renewed, clientState: renewedState, resource: 'Users/8ee44408/Messages/AAMkAGUAAAwTW10AAA=' }))).status,
    ).toBe(200);

    expect((await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key })).status).toBe(200);
    expect(google.calls.some((c) => c.method === 'DELETE' && c.path === `/v1.0/subscriptions/${renewed}` && c.status === 204)).toBe(true);
    expect(google.graph.size).toBe(0);
    expect((await post(notification({ subscriptionId: renewed, clientState: renewedState }))).status).toBe(401);
  }, 60_000);
});
