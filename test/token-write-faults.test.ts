/**
 * Issue 13, item 4: a token set the provider has returned is never dropped. PostgreSQL stops while the sandbox's
 * token endpoint (oidc-provider, rotating refresh tokens with reuse detection: a consumed refresh token presented
 * again revokes the whole grant) answers a refresh or a code exchange, and comes back only after the activity gave
 * up its own write (WRITE_RETRY_MS): the workflow stores the sealed set, and the connection lives on with the newest
 * refresh token. On this file's own PostgreSQL (stopping it disturbs no other test file).
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readCredentials } from '../db/credentials.ts';
import { Integration } from '../db/entities/index.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { sandboxClientSecret } from '../db/repositories/providers.repository.ts';
import { freePort, startEmbeddedPostgres, type ServiceHandle } from '../scripts/services.ts';
import { connectionWorkflowId } from '../workflows/connection.messages.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { gateSandboxTokenEndpoint, type TokenGate } from './sandbox-token-gate.ts';
import { startTestApi, type TestApi, historyStrings } from './helpers.ts';

/** One grant as the sandbox handled it: what was sent, what it issued (kept in memory, never printed). */
interface TokenCall {
  grantType: string | undefined;
  status: number;
  error?: string;
  sentRefreshToken?: string;
  issued: string[];
  issuedRefreshToken?: string;
}
const tokenCalls: TokenCall[] = [];
/** A slow token endpoint: while shut, token requests wait at the provider (test/sandbox-token-gate.ts). */
let gate: TokenGate;

let dir: string;
let pgPort: number;
let pg: ServiceHandle;
let api: TestApi;

beforeAll(async () => {
  dir = mkdtempSync(path.join(inject('dataDir'), 'token-faults-'));
  chmodSync(dir, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
  pgPort = await freePort();
  pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port: pgPort });
  const orm = await openOrm(pg.url);
  await migrate(orm);
  await orm.close();
  api = await startTestApi({ worker: true, env: { DATABASE_URL: pg.url } });
  const record = (ctx: KoaContextWithOIDC, status: number, error?: string) => {
    const params = (ctx.oidc?.params ?? {}) as { grant_type?: string; refresh_token?: string };
    const body = (status === 200 ? ctx.body : {}) as { refresh_token?: string; access_token?: string; id_token?: string };
    tokenCalls.push({
      grantType: params.grant_type,
      status,
      error,
      sentRefreshToken: params.refresh_token,
      issued: status === 200 ? [body.access_token, body.refresh_token, body.id_token].filter((t): t is string => typeof t === 'string') : [],
      issuedRefreshToken: status === 200 ? body.refresh_token : undefined,
    });
  };
  api.deps.sandbox!.provider.on('grant.success', (ctx: KoaContextWithOIDC) => record(ctx, 200));
  api.deps.sandbox!.provider.on('grant.error', (ctx: KoaContextWithOIDC, error: { error?: string }) => record(ctx, 400, error?.error));
  gate = gateSandboxTokenEndpoint(api);
});

afterAll(async () => {
  gate?.open();
  await api?.close().catch(() => undefined);
  await pg?.stop();
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  for (
    const deadline = Date.now() + timeoutMs;
    !(await Promise.resolve()
      .then(check)
      .catch(() => false));
    await new Promise((r) => setTimeout(r, 200))
  ) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}

async function introspect(token: string): Promise<{ active: boolean }> {
  const res = await fetch(`${api.url}/sandbox/token/introspection`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'Basic ' + Buffer.from(`plugboard-sandbox:${sandboxClientSecret(api.deps.vault)}`).toString('base64'),
    },
    body: new URLSearchParams({ token }),
  });
  return res.json() as Promise<{ active: boolean }>;
}

async function storedTokens(id: string) {
  const row = await api.deps.orm.em.fork().findOneOrFail(Integration, { id });
  return { row, tokens: readCredentials(api.deps.vault, row) };
}

const history = (id: string) => api.deps.temporal.client.workflow.getHandle(connectionWorkflowId(id)).fetchHistory();
const scheduled = async (id: string, activity: string) =>
  (await history(id)).events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity).length;

/**
 * Holds the next token request at the provider, stops PostgreSQL, lets the provider answer, and starts
 * PostgreSQL again once the workflow took the sealed set back (or after 40 s: the old code never does), or,
 * with `downForMs`, that long after the provider answered.
 */
async function outageDuringGrant(
  id: string,
  grantType: string,
  start: () => Promise<unknown>,
  downForMs?: number,
): Promise<{ result: unknown; call: TokenCall; downMs: number }> {
  const callsBefore = tokenCalls.length;
  gate.shut();
  const pending = start();
  void pending.catch(() => undefined);
  let downAt = 0;
  try {
    await until(() => gate.arrived === 1, 30_000, `the ${grantType} request reaching the token endpoint`);
    downAt = Date.now();
    await pg.stop();
    gate.open();
    await until(() => tokenCalls.slice(callsBefore).some((c) => c.grantType === grantType), 10_000, `the provider answering the ${grantType} grant`);
    if (downForMs !== undefined) await new Promise((r) => setTimeout(r, downForMs));
    else await until(async () => (await scheduled(id, 'storeReturnedTokens')) > 0, 40_000, 'the workflow storing the sealed token set').catch(() => undefined);
  } finally {
    gate.open();
    if (downAt) pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port: pgPort });
  }
  const downMs = Date.now() - downAt;
  const result = await pending;
  const call = tokenCalls.slice(callsBefore).find((c) => c.grantType === grantType)!;
  return { result, call, downMs };
}

/** The outcome every case must reach; compared as booleans, so a failure never prints a token. */
async function expectTokensKept(id: string, key: string, call: TokenCall, callsBefore: number, sealed = true) {
  expect(call.status).toBe(200);
  const errors = tokenCalls.slice(callsBefore).filter((c) => c.status !== 200);
  expect(
    errors.map((c) => `${c.grantType}: ${c.error}`),
    'grant errors (a reused refresh token is invalid_grant)',
  ).toEqual([]);
  const { row, tokens } = await storedTokens(id);
  expect(row.status).toBe('active');
  expect(tokens?.refreshToken === call.issuedRefreshToken, 'the stored refresh token is the one the provider issued last').toBe(true);
  expect((await introspect(call.issuedRefreshToken!)).active, 'the grant is alive (no reuse-detection revocation)').toBe(true);
  // REQ-19: the sealed set crossed the history as ciphertext only.
  const strings = [...historyStrings(await history(id))];
  for (const secret of call.issued)
    expect(
      strings.some((s) => s.includes(secret)),
      'a token in the Temporal history',
    ).toBe(false);
  expect(await scheduled(id, 'storeReturnedTokens')).toBe(sealed ? 1 : 0);
  expect(strings.some((s) => /"sealedTokens":"enc:v1:/.test(s))).toBe(sealed);
  // The next refresh presents the new refresh token, and works.
  const callsNow = tokenCalls.length;
  const next = await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key });
  expect(next.status, JSON.stringify(next.body)).toBe(200);
  expect(tokenCalls.length - callsNow, 'grants for the next refresh').toBe(1);
  const nextCall = tokenCalls.at(-1)!;
  expect(nextCall.grantType).toBe('refresh_token');
  expect(nextCall.status).toBe(200);
  expect(nextCall.sentRefreshToken === call.issuedRefreshToken, 'the next refresh sent the kept refresh token').toBe(true);
  expect((await storedTokens(id)).row.status).toBe('active');
}

async function newSandboxIntegration() {
  const { apiKey: key } = await api.newTenant();
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } });
  expect(created.status).toBe(201);
  return { key, id: created.body.data.id as string };
}

describe('a token set the provider returned is never dropped (issue 13, REQ-11, REQ-19)', () => {
  it('REQ-11: PostgreSQL down while a rotating refresh is answered: the rotated refresh token is stored once it is back', async () => {
    const { key, id } = await newSandboxIntegration();
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
    expect((await new ScriptedBrowser().connect(started.body.data.connectUrl)).status).toBe(303);
    const { tokens: before } = await storedTokens(id);
    const callsBefore = tokenCalls.length;
    const t0 = Date.now();
    const { result, call, downMs } = await outageDuringGrant(id, 'refresh_token', () => api.request('POST', `/api/v1/integrations/${id}/refresh`, { key }));
    const refreshed = result as Awaited<ReturnType<TestApi['request']>>;
    console.info(`refresh outage: PostgreSQL down ${downMs} ms; /refresh answered after ${Date.now() - t0} ms`);
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(call.sentRefreshToken === before!.refreshToken, 'the refresh spent the stored refresh token').toBe(true);
    expect(call.issuedRefreshToken !== before!.refreshToken, 'the provider rotated the refresh token').toBe(true);
    await expectTokensKept(id, key, call, callsBefore);
  }, 120_000);

  it('REQ-11: a short outage while a rotating refresh is answered: the activity itself stores the rotated token once PostgreSQL is back', async () => {
    const { key, id } = await newSandboxIntegration();
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
    expect((await new ScriptedBrowser().connect(started.body.data.connectUrl)).status).toBe(303);
    const callsBefore = tokenCalls.length;
    const t0 = Date.now();
    const { result, call, downMs } = await outageDuringGrant(
      id,
      'refresh_token',
      () => api.request('POST', `/api/v1/integrations/${id}/refresh`, { key }),
      3_000,
    );
    const refreshed = result as Awaited<ReturnType<TestApi['request']>>;
    console.info(`short refresh outage: PostgreSQL down ${downMs} ms; /refresh answered after ${Date.now() - t0} ms`);
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    // A /refresh within 5 s of the last one shares its result (REFRESH_COALESCE_MS): let the next one reach the provider.
    await new Promise((r) => setTimeout(r, 5_000));
    await expectTokensKept(id, key, call, callsBefore, false);
  }, 120_000);

  it('REQ-8: PostgreSQL down while the authorization code is exchanged: the connection completes once it is back', async () => {
    const { key, id } = await newSandboxIntegration();
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
    const callsBefore = tokenCalls.length;
    const t0 = Date.now();
    const { result, call, downMs } = await outageDuringGrant(id, 'authorization_code', () => new ScriptedBrowser().connect(started.body.data.connectUrl));
    const callback = result as Response;
    console.info(`exchange outage: PostgreSQL down ${downMs} ms; the callback answered after ${Date.now() - t0} ms`);
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toContain('connect=connected');
    await expectTokensKept(id, key, call, callsBefore);
  }, 120_000);
});
