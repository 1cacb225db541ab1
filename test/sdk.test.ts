/**
 * The Node SDK, @plugboard/node (issue 15 item 4), against the running stack: a real API over PostgreSQL and the
 * Temporal dev server with a worker, the sandbox authorization server connected through a scripted browser, the
 * event dispatcher delivering signed lifecycle events to a real HTTP receiver. Every answer the SDK returns is
 * also parsed with the response schemas of the OpenAPI document (api/openapi-schemas.ts): the document is honest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as R from '../api/openapi-schemas.ts';
import { Plugboard, PlugboardError, verifyEvent, verifyForwardedWebhook, WebhookVerificationError } from '../sdk/node/src/index.ts';
import { startEventReceiver, startTestEventDispatcher, type EventReceiver, type ReceivedRequest } from './event-receiver.ts';
import { startTestApi, until, type TestApi } from './helpers.ts';
import { ScriptedBrowser } from './oauth-browser.ts';

let receiver: EventReceiver;
let received: ReceivedRequest[];
let receiverUrl: string;
let api: TestApi;
let dispatcher: { stop: () => Promise<void> };

beforeAll(async () => {
  receiver = await startEventReceiver();
  received = receiver.received;
  receiverUrl = receiver.url;
  api = await startTestApi({ worker: true, env: { PLUGBOARD_SWEEP_INTERVAL_MS: '1000' } });
  dispatcher = startTestEventDispatcher(api);
}, 90_000);
afterAll(async () => {
  await dispatcher?.stop();
  await api?.close();
  await receiver?.close();
});

async function rejection(promise: Promise<unknown>): Promise<PlugboardError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlugboardError);
  return error as PlugboardError;
}

/** The event of `type` delivered to `path`, verified with the SDK (undefined while none verifies). */
function delivered(path: string, type: string, secrets: string | string[]) {
  for (const r of received.filter((x) => x.path === path)) {
    const event = verifyEvent(r.body, r.headers, secrets);
    if (event.type === type) return { event, request: r };
  }
  return undefined;
}

describe('@plugboard/node against the running stack', () => {
  it('connects the sandbox, gets a token, proxies a call, and verifies the delivered lifecycle event with the SDK', async () => {
    const { apiKey, tenantId } = await api.newTenant('SDK tenant');
    const plugboard = new Plugboard({ apiKey, baseUrl: api.url });
    expect(await plugboard.me()).toMatchObject({ tenantId, name: 'SDK tenant' });

    // Event endpoint first, so the connect's integration.connected reaches it.
    expect(await plugboard.eventEndpoints.eventTypes()).toContain('integration.connected');
    const endpoint = R.EventEndpointWithSecret.parse(await plugboard.eventEndpoints.create({ url: `${receiverUrl}/sdk-events`, description: 'sdk' }));
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(
      R.EventEndpoint.array()
        .parse(await plugboard.eventEndpoints.list())
        .map((e) => e.id),
    ).toEqual([endpoint.id]);

    const created = R.Integration.parse(await plugboard.integrations.create({ provider: 'sandbox', displayName: 'Sandbox via SDK' }));
    expect(created).toMatchObject({ provider: 'sandbox', status: 'pending', displayName: 'Sandbox via SDK' });
    const notYet = await rejection(plugboard.tokens.get(created.id));
    expect([notYet.status, notYet.code]).toEqual([409, 'not_connected']);
    const proxyRefused = await rejection(plugboard.proxy(created.id, 'items'));
    expect([proxyRefused.status, proxyRefused.code]).toEqual([409, 'not_connected']);

    const started = R.ConnectStarted.parse(await plugboard.integrations.connect(created.id));
    expect((await new ScriptedBrowser().connect(started.connectUrl)).status).toBe(303);
    const active = R.IntegrationWithUptime.parse(
      await until(
        async () => {
          const i = await plugboard.integrations.get(created.id);
          return i.status === 'active' && i;
        },
        20_000,
        'the integration to be active',
      ),
    );
    expect(active.uptime.window).toBe('30d');

    const token = R.Token.parse(await plugboard.tokens.get(created.id));
    // An OAuth integration answers the bearer shape of the Token union.
    if (!('accessToken' in token)) throw new Error(`expected a bearer token, got ${JSON.stringify(Object.keys(token))}`);
    expect(token.accessToken.length).toBeGreaterThan(10);
    expect(token.tokenType).toBe('Bearer');

    const made = await plugboard.proxy(created.id, '/items', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'via SDK' }),
    });
    expect(made.status, await made.clone().text()).toBeLessThan(300);
    const items = await plugboard.proxy(created.id, 'items?limit=50');
    expect(items.status).toBe(200);
    expect(((await items.json()) as { items: { title: string }[] }).items.map((i) => i.title)).toContain('via SDK');

    const { event, request } = await until(() => delivered('/sdk-events', 'integration.connected', endpoint.secret), 20_000, 'integration.connected');
    expect(event.data).toMatchObject({ integrationId: created.id, provider: 'sandbox', status: 'active' });
    expect(event.id).toBe(request.headers['webhook-id']);
    expect(R.TenantEvent.parse(JSON.parse(request.body)).type).toBe('integration.connected');
    // A wrong secret, a changed body or an old timestamp do not verify.
    const otherSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(() => verifyEvent(request.body, request.headers, otherSecret)).toThrow(WebhookVerificationError);
    expect(() => verifyEvent(request.body.replace('active', 'error'), request.headers, endpoint.secret)).toThrow(WebhookVerificationError);
    expect(() => verifyEvent(request.body, { ...request.headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600) }, endpoint.secret)).toThrow(
      WebhookVerificationError,
    );
    // fetch's Headers work as well as Node's.
    expect(verifyEvent(request.body, new Headers(request.headers as Record<string, string>), endpoint.secret).type).toBe('integration.connected');

    // Deliveries, attempts, rotation and replay.
    const deliveries = await plugboard.eventEndpoints.deliveries(endpoint.id, { limit: 10 });
    const delivery = R.EventDelivery.parse(deliveries.data.find((d) => d.eventType === 'integration.connected'));
    expect(delivery.status).toBe('delivered');
    expect(R.EventDelivery.parse(await plugboard.eventEndpoints.delivery(endpoint.id, delivery.id)).id).toBe(delivery.id);
    const attempts = await plugboard.eventEndpoints.attempts(endpoint.id, delivery.id);
    expect(R.DeliveryAttempt.array().parse(attempts.data)[0]).toMatchObject({ statusCode: 200 });
    const rotated = R.EventEndpointWithSecret.parse(await plugboard.eventEndpoints.rotateSecret(endpoint.id));
    expect(rotated.secret).not.toBe(endpoint.secret);
    const before = received.length;
    const replay = R.ReplayResult.parse(await plugboard.eventEndpoints.replay(endpoint.id, { since: new Date(Date.now() - 3600_000).toISOString() }));
    expect(replay).toMatchObject({ more: false, enabled: true });
    expect(replay.requeued).toBeGreaterThanOrEqual(1);
    const again = await until(
      () => received.slice(before).find((r) => r.path === '/sdk-events' && r.headers['webhook-id'] === request.headers['webhook-id']),
      20_000,
      'the replayed delivery',
    );
    // Signed with both secrets during the rotation window: each one alone verifies it.
    expect(verifyEvent(again.body, again.headers, rotated.secret).type).toBe('integration.connected');
    expect(verifyEvent(again.body, again.headers, endpoint.secret).type).toBe('integration.connected');

    // Disconnect, then the token API refuses; no provider token in any log line (REQ-19).
    const disconnected = R.DisconnectResult.parse(await plugboard.integrations.disconnect(created.id));
    expect(disconnected.status).toBe('disconnected');
    expect((await rejection(plugboard.tokens.get(created.id))).code).toBe('not_connected');
    expect(api.logs.lines.filter((line) => line.includes(token.accessToken))).toEqual([]);
    expect(api.logs.lines.filter((line) => line.includes(endpoint.secret.slice(6)))).toEqual([]);
  });

  it('verifies a provider webhook forwarded to forwardUrl with the integration’s forwarding secret', async () => {
    const { apiKey } = await api.newTenant();
    const plugboard = new Plugboard({ apiKey, baseUrl: api.url });
    const integration = await plugboard.integrations.create({ provider: 'sandbox', settings: { forwardUrl: `${receiverUrl}/forwarded` } });
    const { forwardSecret } = await plugboard.integrations.rotateForwardingSecret(integration.id);
    const started = await plugboard.integrations.connect(integration.id);
    expect((await new ScriptedBrowser().connect(started.connectUrl)).status).toBe(303);
    await until(async () => (await plugboard.integrations.get(integration.id)).status === 'active', 20_000, 'active');

    const { eventId } = await plugboard.integrations.sendTestEvent(integration.id);
    const forwarded = await until(() => received.find((r) => r.path === '/forwarded' && r.headers['webhook-id'] === eventId), 20_000, 'the forwarded webhook');
    // `data` is the provider's payload: here the sandbox's own Standard Webhooks envelope.
    const body = verifyForwardedWebhook<{ type: string; data: { title: string } }>(forwarded.body, forwarded.headers, forwardSecret);
    expect(body).toMatchObject({ id: eventId, provider: 'sandbox', integrationId: integration.id, type: 'item.updated' });
    expect(body.data.data.title).toBe('Test event from the sandbox');
    expect(() => verifyForwardedWebhook(forwarded.body, forwarded.headers, `whsec_${Buffer.alloc(32, 9).toString('base64')}`)).toThrow(
      WebhookVerificationError,
    );

    const events = await plugboard.webhookEvents.list({ integrationId: integration.id });
    expect(
      R.WebhookEvent.array()
        .parse(events.data)
        .map((e) => e.id),
    ).toContain(eventId);
    expect(R.WebhookEventDetail.parse(await plugboard.webhookEvents.get(eventId)).payload).toMatchObject({ type: 'item.updated' });
  });

  it('covers integration CRUD and paging, and turns every API error into a PlugboardError with status, code and message', async () => {
    const { apiKey } = await api.newTenant();
    const plugboard = new Plugboard({ apiKey, baseUrl: api.url });

    const invalid = await rejection(plugboard.integrations.create({ provider: 'Not A Key!' }));
    expect(invalid).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(invalid.message).toMatch(/provider/);
    expect(invalid.details[0]).toMatchObject({ path: 'provider' });
    expect(invalid.requestId).toBeTruthy();
    expect(await rejection(plugboard.integrations.create({ provider: 'no-such-provider' }))).toMatchObject({ status: 422, code: 'unknown_provider' });
    expect(await rejection(plugboard.integrations.get('int_nope'))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await rejection(new Plugboard({ apiKey: 'pbk_wrong', baseUrl: api.url }).me())).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(await rejection(new Plugboard({ apiKey, baseUrl: 'http://127.0.0.1:9' }).me())).toMatchObject({ status: 0, code: 'network_error' });

    const a = await plugboard.integrations.create({ provider: 'sandbox' });
    const updated = R.Integration.parse(await plugboard.integrations.update(a.id, { displayName: 'Renamed', settings: { syncIntervalMinutes: 30 } }));
    expect(updated).toMatchObject({ displayName: 'Renamed', settings: { syncIntervalMinutes: 30 } });
    expect(await rejection(plugboard.integrations.update(a.id, {}))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(await rejection(plugboard.integrations.create({ provider: 'sandbox' }))).toMatchObject({ status: 409, code: 'integration_exists' });

    // Two integrations and pages of one: the cursor has to be followed to see both.
    const b = R.Integration.parse(await plugboard.integrations.create({ provider: 'github' }));
    const page = await plugboard.integrations.list({ limit: 1 });
    expect(page.data).toHaveLength(1);
    expect(page.nextCursor).toBeTruthy();
    const all = [];
    for await (const i of plugboard.integrations.all({ limit: 1 })) all.push(R.Integration.parse(i).id);
    expect(all.sort()).toEqual([a.id, b.id].sort());
    expect(await plugboard.integrations.delete(b.id)).toBeUndefined();

    expect(await plugboard.integrations.delete(a.id)).toBeUndefined();
    expect(await rejection(plugboard.integrations.get(a.id))).toMatchObject({ status: 404, code: 'not_found' });
    const none = await plugboard.eventEndpoints.create({ url: `${receiverUrl}/x`, eventTypes: ['integration.connected'] });
    expect(R.EventEndpoint.parse(await plugboard.eventEndpoints.update(none.id, { enabled: false }))).toMatchObject({ enabled: false });
    expect(await plugboard.eventEndpoints.delete(none.id)).toBeUndefined();
    expect(await rejection(plugboard.eventEndpoints.get(none.id))).toMatchObject({ status: 404, code: 'not_found' });
  });
});
