/**
 * Issue 13 item 5, "know when a grant will die", against the real sandbox authorization server (oidc-provider),
 * API, Temporal worker and PostgreSQL: the refresh token's expiry is recorded at connect from the token response
 * (or the tenant's setting), a rotating refresh moves it forward, and the integration API shows when
 * reauthorization is due — never a token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentials } from '../db/credentials.ts';
import { Integration } from '../db/entities/index.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { startTestApi, type TestApi } from './helpers.ts';

const DAY = 86_400_000;
/** The sandbox's refresh-token lifetime in this test: 5 days. */
const REFRESH_TTL_S = 5 * 86_400;

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ worker: true, env: { PLUGBOARD_SANDBOX_REFRESH_TOKEN_TTL: String(REFRESH_TTL_S) } });
});
afterAll(async () => {
  await api?.close();
});

async function newSandboxIntegration(settings?: Record<string, unknown>) {
  const { apiKey: key } = await api.newTenant();
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox', ...(settings ? { settings } : {}) } });
  expect(created.status).toBe(201);
  return { key, id: created.body.data.id as string };
}

async function connect(key: string, id: string) {
  const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
  expect(started.status).toBe(201);
  const callback = await new ScriptedBrowser().connect(started.body.data.connectUrl);
  expect(callback.status).toBe(303);
  expect(callback.headers.get('location')).toContain('connect=connected');
}

async function row(id: string) {
  return api.deps.orm.em.fork().findOneOrFail(Integration, { id });
}

/** Refresh now (single-flight through the connection workflow), after `waitMs` so the new expiry is measurably later. */
async function refreshAfter(key: string, id: string, waitMs: number) {
  await new Promise((r) => setTimeout(r, waitMs));
  const refreshed = await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key });
  expect(refreshed.status).toBe(200);
}

describe('refresh-token expiry (issue 13 item 5)', () => {
  it("records the sandbox's refresh_token_expires_in at connect, moves it forward on a rotating refresh, and shows it in the API", async () => {
    const { key, id } = await newSandboxIntegration();
    const before = Date.now();
    await connect(key, id);
    const connected = await row(id);
    expect(connected.status).toBe('active');
    const first = connected.refreshTokenExpiresAt!.getTime();
    expect(first).toBeGreaterThanOrEqual(before + REFRESH_TTL_S * 1000 - 1000);
    expect(first).toBeLessThanOrEqual(Date.now() + REFRESH_TTL_S * 1000);
    const firstRefreshToken = readCredentials(api.deps.vault, connected)!.refreshToken;

    // The API: the expiry and the days left, in the integration and in the list; no token anywhere.
    const got = await api.request('GET', `/api/v1/integrations/${id}`, { key });
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({ refreshTokenExpiresAt: new Date(first).toISOString(), reauthorizationDueInDays: 5, reauthorizationOverdue: false });
    expect(JSON.stringify(got.body)).not.toContain(firstRefreshToken);
    const list = await api.request('GET', '/api/v1/integrations', { key });
    expect(list.body.data.find((i: { id: string }) => i.id === id)).toMatchObject({
      refreshTokenExpiresAt: new Date(first).toISOString(),
      reauthorizationDueInDays: 5,
    });

    // The sandbox rotates the refresh token on every refresh: the clock starts again.
    await refreshAfter(key, id, 2100);
    const refreshed = await row(id);
    expect(readCredentials(api.deps.vault, refreshed)!.refreshToken).not.toBe(firstRefreshToken);
    const second = refreshed.refreshTokenExpiresAt!.getTime();
    expect(second - first).toBeGreaterThanOrEqual(2000);
    expect(second).toBeLessThanOrEqual(Date.now() + REFRESH_TTL_S * 1000);
    // The stated lifetime holds at the sandbox: its grant now lives as long as the new refresh token.
    await refreshAfter(key, id, 0);
    expect((await row(id)).status).toBe('active');
  });

  it('uses settings.refreshTokenLifetimeDays where the provider states nothing, and a rotation restarts that clock too', async () => {
    const sandbox = api.deps.sandbox!;
    sandbox.control.stateRefreshTokenLifetime = false;
    try {
      const { key, id } = await newSandboxIntegration({ refreshTokenLifetimeDays: 3 });
      const before = Date.now();
      await connect(key, id);
      const first = (await row(id)).refreshTokenExpiresAt!.getTime();
      expect(first).toBeGreaterThanOrEqual(before + 3 * DAY);
      expect(first).toBeLessThanOrEqual(Date.now() + 3 * DAY);
      await refreshAfter(key, id, 1100);
      expect((await row(id)).refreshTokenExpiresAt!.getTime() - first).toBeGreaterThanOrEqual(1000);

      // Without the setting nothing is known: no expiry, no days.
      const plain = await newSandboxIntegration();
      await connect(plain.key, plain.id);
      expect((await row(plain.id)).refreshTokenExpiresAt).toBeNull();
      const got = await api.request('GET', `/api/v1/integrations/${plain.id}`, { key: plain.key });
      expect(got.body.data).toMatchObject({ refreshTokenExpiresAt: null, reauthorizationDueInDays: null, reauthorizationOverdue: false });
    } finally {
      sandbox.control.stateRefreshTokenLifetime = true;
    }
  });

  it('clears the expiry on disconnect', async () => {
    const { key, id } = await newSandboxIntegration();
    await connect(key, id);
    expect((await row(id)).refreshTokenExpiresAt).not.toBeNull();
    const disconnected = await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key });
    expect(disconnected.status).toBe(200);
    expect((await row(id)).refreshTokenExpiresAt).toBeNull();
  });

  it('validates settings.refreshTokenLifetimeDays in PATCH: 400 validation_failed with a clear message, null clears it', async () => {
    const { key, id } = await newSandboxIntegration();
    const cases: [unknown, string][] = [
      [0, 'refreshTokenLifetimeDays must be at least 1'],
      [7.5, 'refreshTokenLifetimeDays must be a whole number of days'],
      ['7', 'refreshTokenLifetimeDays must be a whole number of days'],
      [5000, 'refreshTokenLifetimeDays must be at most 3650 (10 years)'],
    ];
    for (const [value, message] of cases) {
      const res = await api.request('PATCH', `/api/v1/integrations/${id}`, { key, body: { settings: { refreshTokenLifetimeDays: value } } });
      expect(res.status, JSON.stringify(value)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details).toContainEqual(expect.objectContaining({ path: 'settings.refreshTokenLifetimeDays', message }));
    }
    const set = await api.request('PATCH', `/api/v1/integrations/${id}`, { key, body: { settings: { refreshTokenLifetimeDays: 7 } } });
    expect(set.status).toBe(200);
    expect(set.body.data.settings.refreshTokenLifetimeDays).toBe(7);
    const cleared = await api.request('PATCH', `/api/v1/integrations/${id}`, { key, body: { settings: { refreshTokenLifetimeDays: null } } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.data.settings.refreshTokenLifetimeDays).toBeUndefined();
  });
});
