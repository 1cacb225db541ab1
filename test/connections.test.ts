import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentials } from '../db/credentials.ts';
import { Integration } from '../db/entities/index.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { startTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ worker: true, env: { PLUGBOARD_SANDBOX_ACCESS_TOKEN_TTL: '20' } });
});
afterAll(async () => {
  await api?.close();
});

async function newSandboxIntegration() {
  const { apiKey: key } = await api.newTenant();
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } });
  expect(created.status).toBe(201);
  return { key, id: created.body.data.id as string };
}

async function connect(key: string, id: string, browser = new ScriptedBrowser()) {
  const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
  expect(started.status).toBe(201);
  const callback = await browser.connect(started.body.data.connectUrl);
  return { callback, browser, connectUrl: started.body.data.connectUrl as string };
}

async function introspect(token: string): Promise<{ active: boolean }> {
  const sandbox = api.deps.sandbox!;
  const clientSecret = (await import('../db/repositories/providers.repository.ts')).sandboxClientSecret(api.deps.vault);
  const res = await fetch(`${api.url}/sandbox/token/introspection`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'Basic ' + Buffer.from(`plugboard-sandbox:${clientSecret}`).toString('base64'),
    },
    body: new URLSearchParams({ token }),
  });
  void sandbox;
  return res.json() as Promise<{ active: boolean }>;
}

async function storedTokens(id: string) {
  const row = await api.deps.orm.em.fork().findOneOrFail(Integration, { id });
  return { row, tokens: readCredentials(api.deps.vault, row) };
}

describe('connecting through the sandbox', () => {
  it('connects, refreshes on its own with 20 s tokens, serves live tokens, then disconnects and revokes', async () => {
    const { key, id } = await newSandboxIntegration();
    const { callback } = await connect(key, id);
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe(`/integrations/${id}?integration=${id}&connect=connected`);
    expect(callback.headers.get('referrer-policy')).toBe('no-referrer');

    const active = await api.request('GET', `/api/v1/integrations/${id}`, { key });
    expect(active.body.data.status).toBe('active');
    expect(active.body.data.externalAccountId).toBe('alice');
    const refreshesBefore = api.deps.sandbox!.control.stats.refreshGrants;

    const seen = new Set<string>();
    const deadline = Date.now() + 62_000;
    while (Date.now() < deadline) {
      const token = await api.request('GET', `/api/v1/integrations/${id}/token`, { key });
      expect(token.status).toBe(200);
      expect(token.headers.get('cache-control')).toBe('no-store');
      expect((await introspect(token.body.data.accessToken)).active).toBe(true);
      seen.add(token.body.data.accessToken);
      await new Promise((r) => setTimeout(r, 3000));
    }
    const refreshes = api.deps.sandbox!.control.stats.refreshGrants - refreshesBefore;
    expect(refreshes).toBeGreaterThanOrEqual(2);
    expect(seen.size).toBeGreaterThanOrEqual(3);
    const logs = await api.request('GET', `/api/v1/integrations/${id}/logs`, { key });
    expect(logs.body.data.filter((l: { kind: string }) => l.kind === 'refreshed').length).toBeGreaterThanOrEqual(2);

    const { tokens: before } = await storedTokens(id);
    const disconnected = await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key });
    expect(disconnected.status).toBe(200);
    expect(disconnected.body.data).toMatchObject({ status: 'disconnected', revoked: true });
    expect((await introspect(before!.refreshToken!)).active).toBe(false);
    const { row, tokens } = await storedTokens(id);
    expect(row.status).toBe('disconnected');
    expect(tokens).toBeUndefined();
  }, 120_000);

  it('makes exactly one refresh request for 20 concurrent /refresh and token calls (REQ-12)', async () => {
    const { key, id } = await newSandboxIntegration();
    await connect(key, id);
    const before = api.deps.sandbox!.control.stats.refreshGrants;
    const calls = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0 ? api.request('POST', `/api/v1/integrations/${id}/refresh`, { key }) : api.request('GET', `/api/v1/integrations/${id}/token`, { key }),
    );
    const results = await Promise.all(calls);
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(api.deps.sandbox!.control.stats.refreshGrants - before).toBe(1);
    // Token calls read whatever is current (before or after the one refresh): every token they got is live.
    const tokens = new Set<string>(results.filter((_, i) => i % 2 === 1).map((r) => r.body.data.accessToken));
    expect(tokens.size).toBeLessThanOrEqual(2);
    for (const t of tokens) expect((await introspect(t)).active).toBe(true);
  }, 60_000);

  it('marks the integration error with "reauthorization required" after invalid_grant, stops retrying, and recovers on reconnect (REQ-14)', async () => {
    const { key, id } = await newSandboxIntegration();
    await connect(key, id);
    await api.deps.sandbox!.control.revokeAllGrants();
    const errorsBefore = api.deps.sandbox!.control.stats.refreshErrors;
    const refreshed = await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key });
    expect(refreshed.status).toBe(409);
    expect(refreshed.body.error.message).toMatch(/Reauthorization required/);
    const state = await api.request('GET', `/api/v1/integrations/${id}`, { key });
    expect(state.body.data.status).toBe('error');
    expect(state.body.data.lastError).toMatch(/reauthorization required/i);
    expect(state.body.data.errorCount).toBe(1);
    // No retry storm: further refresh requests are refused locally, nothing reaches the server.
    await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key });
    await new Promise((r) => setTimeout(r, 3000));
    expect(api.deps.sandbox!.control.stats.refreshErrors - errorsBefore).toBe(1);

    await connect(key, id);
    const back = await api.request('GET', `/api/v1/integrations/${id}`, { key });
    expect(back.body.data.status).toBe('active');
    expect(back.body.data.lastError).toBeNull();
    expect((await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key })).status).toBe(200);
  }, 60_000);

  it('retries a provider outage with backoff and recovers without user action', async () => {
    const { key, id } = await newSandboxIntegration();
    await connect(key, id);
    api.deps.sandbox!.control.failTokenRequests = 2;
    const before = api.deps.sandbox!.control.stats.refreshGrants;
    const started = Date.now();
    const refreshed = await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key });
    expect(refreshed.status).toBe(200);
    expect(api.deps.sandbox!.control.failTokenRequests).toBe(0);
    expect(api.deps.sandbox!.control.stats.refreshGrants - before).toBe(1);
    // Two failures, backoff 2 s then 4 s before the third attempt succeeds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_500);
    expect((await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.status).toBe('active');
  }, 60_000);
});
