/**
 * The outbound guard at every call site that reaches a URL a tenant can set (docs/security.md "Outbound
 * requests"): forwarding, custom provider creation and discovery, token exchange / refresh / revocation at a
 * custom provider, and the proxy. Each test swaps the registry's guard for one whose resolver it scripts; the
 * "internal service" is a server on 127.0.0.2 that must never see a connection.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentials, writeCredentials } from '../db/credentials.ts';
import { Integration } from '../db/entities/index.ts';
import { insertWebhookEvent } from '../db/repositories/webhook-events.repository.ts';
import { createWebhookActivities } from '../activities/webhook.activities.ts';
import { outboundAllowList } from '../lib/env.ts';
import { createOutboundGuard, outboundBlockedCause, OutboundBlockedError, type ResolveHost } from '../lib/net-guard.ts';
import { clientConfiguration, oidc } from '../lib/oauth/client.ts';
import { revokeAtProvider } from '../lib/oauth/revoke.ts';
import { startTestApi, type TestApi } from './helpers.ts';

interface Recorder {
  port: number;
  requests: { method: string; url: string; body: string }[];
  connections: () => number;
  close: () => Promise<void>;
}

async function listen(host: string, respond: (req: IncomingMessage, body: string) => { status?: number; json?: unknown } = () => ({ json: { ok: true } })) {
  const requests: Recorder['requests'] = [];
  let connections = 0;
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    requests.push({ method: req.method!, url: req.url!, body });
    const { status = 200, json } = respond(req, body);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json ?? {}));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    connections: () => connections,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  } satisfies Recorder;
}

/** A resolver whose answer the test changes between steps (DNS rebinding), counting its calls. */
function switchableResolver(initial: string[]) {
  let answer = initial;
  const calls: string[] = [];
  const resolve: ResolveHost = async (hostname) => {
    calls.push(hostname);
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, calls, answer: (next: string[]) => void (answer = next) };
}

/** Every message of an error and its causes. */
function messages(error: unknown): string {
  const out: string[] = [];
  for (let e = error, i = 0; e && i < 8; e = (e as { cause?: unknown }).cause, i++) out.push(String((e as Error).message ?? e));
  return out.join('\n');
}

const only127001 = outboundAllowList.parse('127.0.0.1/32');

let api: TestApi;
let key: string;
let tenantId: string;
let receiver: Recorder;
let internal: Recorder;

beforeAll(async () => {
  api = await startTestApi();
  ({ apiKey: key, tenantId } = await api.newTenant('Outbound'));
  receiver = await listen('127.0.0.1', (req) =>
    req.url === '/token' ? { json: { access_token: 'at-from-fake', token_type: 'bearer', expires_in: 3600, refresh_token: 'rt-2' } } : { json: { ok: true } },
  );
  // Stands for a service on Plugboard's network (Linux routes all of 127/8 to loopback).
  internal = await listen('127.0.0.2');
});

afterAll(async () => {
  expect(internal.connections(), 'no connection ever reached the internal service').toBe(0);
  await Promise.all([receiver.close(), internal.close()]);
  await api?.close();
});

describe('forwarding to settings.forwardUrl', () => {
  /** A sandbox integration (one per tenant) forwarding to `forwardUrl`, with a secret and one stored event. */
  async function forwardingIntegration(forwardUrl: string) {
    const tenant = await api.newTenant('Forwarding');
    const created = await api.request('POST', '/api/v1/integrations', { key: tenant.apiKey, body: { provider: 'sandbox', settings: { forwardUrl } } });
    const id = created.body.data?.id as string;
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await api.request('POST', `/api/v1/integrations/${id}/forwarding-secret`, { key: tenant.apiKey })).status).toBe(201);
    const { event } = await insertWebhookEvent(api.deps.orm.em.fork(), api.deps.vault, {
      tenantId: tenant.tenantId,
      integrationId: id,
      provider: 'sandbox',
      eventType: 'item.updated',
      deliveryId: `d-${Math.random()}`,
      payload: JSON.stringify({ hello: 'world' }),
    });
    return { id, eventId: event.id };
  }
  const activities = (env = api.deps.env) => createWebhookActivities({ ...api.deps, env, temporal: api.deps.temporal.client });

  it('DNS rebinding: the event goes to the address that was checked, and a later internal answer is refused', async () => {
    const dns = switchableResolver(['127.0.0.1']);
    api.deps.providers.outbound = createOutboundGuard({ allow: only127001, resolve: dns.resolve });
    const first = await forwardingIntegration(`http://hooks.tenant.test:${receiver.port}/in`);
    expect(await activities().forwardWebhookEvent({ eventId: first.eventId })).toEqual({ status: 200 });
    expect(receiver.requests.some((r) => r.url === '/in' && r.body.includes('"hello":"world"'))).toBe(true);

    dns.answer(['127.0.0.2']); // the tenant's name now points into our network
    // A fresh guard: no pooled connection to the first address can serve this one.
    api.deps.providers.outbound = createOutboundGuard({ allow: only127001, resolve: dns.resolve });
    const second = await forwardingIntegration(`http://hooks.tenant.test:${internal.port}/in`);
    const error = await activities()
      .forwardWebhookEvent({ eventId: second.eventId })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'ForwardRejected', nonRetryable: true });
    expect((error as Error).message).toBe(
      'forwarding refused: the host hooks.tenant.test resolves to an address that is not allowed (private, loopback, link-local or reserved)',
    );
    expect(messages(error)).not.toContain('127.0.0.2');
  });

  it('is always on, also outside production: a private address is refused without naming it', async () => {
    api.deps.providers.outbound = createOutboundGuard({ allow: only127001, resolve: switchableResolver(['10.11.12.13']).resolve });
    const { eventId } = await forwardingIntegration('http://intranet.tenant.test/hook');
    expect(api.deps.env.NODE_ENV).toBe('test');
    const error = await activities()
      .forwardWebhookEvent({ eventId })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'ForwardRejected', nonRetryable: true });
    expect(messages(error)).toContain('intranet.tenant.test');
    expect(messages(error)).not.toContain('10.11.12.13');
  });

  it('takes only https in production, when set and at send time', async () => {
    const prod = await startTestApi({ env: { NODE_ENV: 'production', PLUGBOARD_SANDBOX: 'true' } });
    try {
      const tenant = await prod.newTenant('Prod');
      const created = await prod.request('POST', '/api/v1/integrations', {
        key: tenant.apiKey,
        body: { provider: 'sandbox', settings: { forwardUrl: 'http://hooks.tenant.test/in' } },
      });
      expect(created.status).toBe(400);
      expect(created.body.error).toMatchObject({ code: 'validation_failed', message: 'forwardUrl must be an https URL in production (REQ-20)' });
      const ok = await prod.request('POST', '/api/v1/integrations', { key: tenant.apiKey, body: { provider: 'sandbox' } });
      const patched = await prod.request('PATCH', `/api/v1/integrations/${ok.body.data.id}`, {
        key: tenant.apiKey,
        body: { settings: { forwardUrl: 'http://hooks.tenant.test/in' } },
      });
      expect(patched.status).toBe(400);
      expect(patched.body.error.details).toEqual([{ path: 'settings.forwardUrl', message: 'forwardUrl must be an https URL in production (REQ-20)' }]);
      expect(
        (
          await prod.request('PATCH', `/api/v1/integrations/${ok.body.data.id}`, {
            key: tenant.apiKey,
            body: { settings: { forwardUrl: 'https://hooks.tenant.test/in' } },
          })
        ).status,
      ).toBe(200);
    } finally {
      await prod.close();
    }
    // A row stored before the rule (or by hand) is refused at send time.
    const { eventId } = await forwardingIntegration(`http://127.0.0.1:${receiver.port}/in`);
    const error = await activities({ ...api.deps.env, NODE_ENV: 'production' })
      .forwardWebhookEvent({ eventId })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'ForwardRejected',
      nonRetryable: true,
      message: 'forwarding refused: forwardUrl must be an https URL in production (REQ-20)',
    });
  });
});

describe('custom providers', () => {
  it('refuses an issuer on our own network at creation (discovery goes through the guard)', async () => {
    api.deps.providers.outbound = createOutboundGuard({});
    const res = await api.request('POST', '/api/v1/providers', { key, body: { key: 'loopback-idp', name: 'Loopback', issuer: `${api.url}/sandbox` } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('discovery_failed');
    expect(res.body.error.message).toContain('resolves to an address that is not allowed');
  });

  it('refuses token and revocation endpoints that resolve into our network, naming the host only', async () => {
    api.deps.providers.outbound = createOutboundGuard({ resolve: switchableResolver(['169.254.169.254']).resolve });
    const res = await api.request('POST', '/api/v1/providers', {
      key,
      body: { key: 'metadata-idp', name: 'Metadata', authorizationUrl: 'https://idp.tenant.test/authorize', tokenUrl: 'https://idp.tenant.test/token' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'url_not_allowed',
      message: 'tokenUrl: the host idp.tenant.test resolves to an address that is not allowed (private, loopback, link-local or reserved)',
    });
    expect(JSON.stringify(res.body)).not.toContain('169.254');
  });

  it('DNS rebinding after creation: token exchange, refresh and revocation with the client secret never reach the internal address', async () => {
    const dns = switchableResolver(['127.0.0.1']);
    api.deps.providers.outbound = createOutboundGuard({ allow: only127001, resolve: dns.resolve });
    // `localhost` keeps openid-client's plain-http exception for loopback; the guard resolves it like any name.
    const created = await api.request('POST', '/api/v1/providers', {
      key,
      body: {
        key: 'rebinding-idp',
        name: 'Rebinding',
        authorizationUrl: `http://localhost:${receiver.port}/authorize`,
        tokenUrl: `http://localhost:${receiver.port}/token`,
        revocationUrl: `http://localhost:${receiver.port}/revoke`,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const def = await api.deps.providers.resolve(api.deps.orm.em.fork(), tenantId, 'rebinding-idp');
    const client = { clientId: 'cid', clientSecret: 'client-secret-never-inside' };

    // While the name points at the checked address, the calls work (the test is not vacuous).
    const refreshed = await oidc.refreshTokenGrant(clientConfiguration(def, client), 'rt-1');
    expect(refreshed.access_token).toBe('at-from-fake');
    expect(receiver.requests.filter((r) => r.url === '/token')).toHaveLength(1);

    dns.answer(['127.0.0.2']);
    api.deps.providers.outbound = createOutboundGuard({ allow: only127001, resolve: dns.resolve });
    const rebound = await api.deps.providers.resolve(api.deps.orm.em.fork(), tenantId, 'rebinding-idp');
    const config = clientConfiguration(rebound, client);
    const calls = {
      exchange: oidc.genericGrantRequest(config, 'authorization_code', { code: 'c-1', redirect_uri: `${api.url}/oauth/callback/rebinding-idp` }),
      refresh: oidc.refreshTokenGrant(config, 'rt-1'),
      revoke: revokeAtProvider(rebound, client, { accessToken: 'at', refreshToken: 'rt-1' }),
    };
    for (const [name, call] of Object.entries(calls)) {
      const error = await (call as Promise<unknown>).catch((e: unknown) => e);
      expect(outboundBlockedCause(error), name).toBeInstanceOf(OutboundBlockedError);
      expect(messages(error), name).not.toContain('127.0.0.2');
    }
    expect(receiver.requests.filter((r) => r.url === '/token')).toHaveLength(1);
  });
});

describe('the proxy', () => {
  it('sends a connection whose API base came from the token response (Salesforce instance_url) through the guard', async () => {
    const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'salesforce', displayName: 'SF' } });
    const id = created.body.data.id as string;
    const setBase = async (instanceUrl: string) => {
      const em = api.deps.orm.em.fork();
      const row = await em.findOneOrFail(Integration, { id });
      row.status = 'active';
      row.settings = { ...row.settings, providerMetadata: { instance_url: instanceUrl } };
      writeCredentials(api.deps.vault, row, { accessToken: 'sf-access-token', expiresAt: Date.now() + 3_600_000, issuedAt: Date.now() });
      await em.flush();
      expect(readCredentials(api.deps.vault, row)?.accessToken).toBe('sf-access-token');
    };
    const dns = switchableResolver(['127.0.0.1']);
    api.deps.providers.outbound = createOutboundGuard({ allow: only127001, resolve: dns.resolve });
    await setBase(`http://na1.salesforce.test:${receiver.port}`);
    const ok = await api.request('GET', `/api/v1/integrations/${id}/proxy/sobjects`, { key });
    expect(ok.status).toBe(200);
    expect(receiver.requests.at(-1)?.url).toBe('/services/data/v61.0/sobjects');

    dns.answer(['10.9.8.7']);
    api.deps.providers.outbound = createOutboundGuard({ allow: only127001, resolve: dns.resolve });
    const refused = await api.request('GET', `/api/v1/integrations/${id}/proxy/sobjects`, { key });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('url_not_allowed');
    expect(refused.body.error.message).toContain('na1.salesforce.test');
    expect(JSON.stringify(refused.body)).not.toContain('10.9.8.7');
  });
});
