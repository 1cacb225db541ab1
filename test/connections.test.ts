import type { KoaContextWithOIDC } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentials } from '../db/credentials.ts';
import { Integration } from '../db/entities/index.ts';
import { tokenNeedsRefreshAt } from '../lib/oauth/tokens.ts';
import { connectionWorkflowId } from '../workflows/connection.messages.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { gateSandboxTokenEndpoint, type TokenGate } from './sandbox-token-gate.ts';
import { startTestApi, type TestApi } from './helpers.ts';

/** One token-endpoint request as the sandbox saw it: the grant, the refresh token sent, the tokens issued. */
interface TokenCall {
  grantType: string | undefined;
  status: number;
  sentRefreshToken?: string;
  issuedRefreshToken?: string;
  issuedAccessToken?: string;
}
/** Every grant the sandbox's token endpoint handled, in order. */
const tokenCalls: TokenCall[] = [];
/** A slow token endpoint: while shut, token requests wait at the provider (test/sandbox-token-gate.ts). */
let gate: TokenGate;

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ worker: true, env: { PLUGBOARD_SANDBOX_ACCESS_TOKEN_TTL: '20' } });
  // Observes the sandbox (oidc-provider) answering each grant: what was sent, what it issued.
  const record = (ctx: KoaContextWithOIDC, status: number) => {
    const params = (ctx.oidc?.params ?? {}) as { grant_type?: string; refresh_token?: string };
    const body = (status === 200 ? ctx.body : {}) as { refresh_token?: string; access_token?: string };
    tokenCalls.push({
      grantType: params.grant_type,
      status,
      sentRefreshToken: params.refresh_token,
      issuedRefreshToken: body.refresh_token,
      issuedAccessToken: body.access_token,
    });
  };
  api.deps.sandbox!.provider.on('grant.success', (ctx: KoaContextWithOIDC) => record(ctx, 200));
  api.deps.sandbox!.provider.on('grant.error', (ctx: KoaContextWithOIDC) => record(ctx, 400));
  // A slow token endpoint: while the gate is shut, requests to it wait in front of the real server.
  gate = gateSandboxTokenEndpoint(api);
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

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check()); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
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

  it('REQ-12: /refresh and token calls that overlap one slow refresh share it: one refresh grant, one new token for all', async () => {
    const { key, id } = await newSandboxIntegration();
    await connect(key, id);
    const { tokens: old } = await storedTokens(id);
    const handle = api.deps.temporal.client.workflow.getHandle(connectionWorkflowId(id));
    const acceptedUpdates = async () => (await handle.fetchHistory()).events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
    const updatesBefore = await acceptedUpdates();
    const callsBefore = tokenCalls.length;
    gate.shut();
    try {
      // The workflow's own refresh (due at 15 of the 20 s) reaches the token endpoint and is held there.
      await until(() => gate.arrived === 1, 30_000, 'the scheduled refresh reaching the token endpoint');
      // Token calls ask the workflow only once the stored token is nearly expired (18 s): wait for that too.
      await until(() => Date.now() >= tokenNeedsRefreshAt(old!)!, 10_000, 'the token to be due for the token API');

      // Released together, while the refresh is held: every call has to join it. Ten, as the Temporal server
      // keeps at most 10 updates in flight per workflow (history.maxInFlightUpdates; more are refused and retried).
      const CALLS = 10;
      const settled: boolean[] = [];
      const calls = Array.from({ length: CALLS }, (_, i) => {
        const call =
          i % 2 === 0 ? api.request('POST', `/api/v1/integrations/${id}/refresh`, { key }) : api.request('GET', `/api/v1/integrations/${id}/token`, { key });
        return call.finally(() => (settled[i] = true));
      });
      void Promise.allSettled(calls); // handled even when an assertion below ends the test early
      // All of them reached the connection workflow (accepted updates in its history) while the provider still holds the refresh.
      await until(async () => (await acceptedUpdates()) - updatesBefore >= CALLS, 30_000, `${CALLS} accepted updates`);
      expect(settled.filter(Boolean).length, 'calls answered before the refresh finished').toBe(0);
      expect(gate.arrived, 'token requests while the first one is held').toBe(1);

      gate.open();
      const results = await Promise.all(calls);
      for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);

      const grants = tokenCalls.slice(callsBefore);
      expect(grants.map((g) => g.grantType)).toEqual(['refresh_token']);
      // Compared as booleans from here on: a failure must not print tokens.
      expect(grants[0]!.sentRefreshToken === old!.refreshToken, 'the one grant spent the stored refresh token').toBe(true);
      const { tokens: now } = await storedTokens(id);
      expect(now!.accessToken === grants[0]!.issuedAccessToken, 'the stored token is the one that grant issued').toBe(true);
      expect(now!.accessToken === old!.accessToken, 'the stored token is still the old one').toBe(false);
      // Every token caller got that one new token; every /refresh caller its expiry.
      const tokenAnswers = results.filter((_, i) => i % 2 === 1).map((r) => r.body.data.accessToken as string);
      expect(tokenAnswers.filter((t) => t !== now!.accessToken).length, 'token callers that did not get the new token').toBe(0);
      for (const r of results.filter((_, i) => i % 2 === 0)) expect(new Date(r.body.data.tokenExpiresAt).getTime()).toBe(now!.expiresAt);
      expect(now!.expiresAt).toBeGreaterThan(old!.expiresAt!);
    } finally {
      gate.open();
      // No background refreshes from this integration in the tests that follow.
      await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key });
    }
  }, 90_000);

  it('REQ-11: stores the rotated refresh token the provider issued, and the used one is dead', async () => {
    const { key, id } = await newSandboxIntegration();
    await connect(key, id);
    const { tokens: first } = await storedTokens(id);
    expect((await introspect(first!.refreshToken!)).active).toBe(true);

    expect((await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key })).status).toBe(200);
    // The grant that spent the stored refresh token, as the provider answered it.
    const grant = tokenCalls.find((c) => c.grantType === 'refresh_token' && c.sentRefreshToken === first!.refreshToken);
    expect(grant?.status).toBe(200);
    expect(grant!.issuedRefreshToken, 'a rotated refresh token was issued').toBeTruthy();
    expect(grant!.issuedRefreshToken === first!.refreshToken, 'the provider rotated the refresh token').toBe(false);

    // What is stored, decrypted from the row: the rotated refresh token and the access token of that grant.
    // (Compared as booleans: a failure must not print tokens.)
    const { row, tokens: stored } = await storedTokens(id);
    expect(stored!.refreshToken === grant!.issuedRefreshToken, 'the stored refresh token is the one the provider issued').toBe(true);
    expect(stored!.accessToken === grant!.issuedAccessToken, 'the stored access token is the one the provider issued').toBe(true);
    expect(JSON.stringify(stored).includes(first!.refreshToken!), 'the spent refresh token is still stored').toBe(false);
    expect(row.credentials!.includes(first!.refreshToken!), 'the row holds a plaintext token').toBe(false);
    // The provider retired the used one (rotation); the stored one is live.
    expect((await introspect(first!.refreshToken!)).active).toBe(false);
    expect((await introspect(stored!.refreshToken!)).active).toBe(true);
    await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key });
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
