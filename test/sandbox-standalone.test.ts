/**
 * The sandbox authorization server as its own process (`api/sandbox/main.ts`, PLUGBOARD_SANDBOX_URL): the API does
 * not serve /sandbox, and connect, refresh, the provider API and revocation all go to the standalone server, with
 * the client secret both sides derive from the same encryption keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ScriptedBrowser } from './oauth-browser.ts';
import { startTestApi, type TestApi } from './helpers.ts';
import { reserveSandbox, startSandboxProcess, type SandboxProcess } from './sandbox-process.ts';

let api: TestApi;
let sandbox: SandboxProcess;
beforeAll(async () => {
  const at = await reserveSandbox();
  api = await startTestApi({ worker: true, env: { PLUGBOARD_SANDBOX_URL: at.url } });
  sandbox = await startSandboxProcess(at, { publicUrl: api.url, encryptionKeys: inject('encryptionKeys'), env: { PLUGBOARD_SANDBOX_ACCESS_TOKEN_TTL: '20' } });
});
afterAll(async () => {
  await api?.close();
  await sandbox?.stop();
});

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check()); await new Promise((r) => setTimeout(r, 250))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}

describe('the standalone sandbox (PLUGBOARD_SANDBOX_URL)', () => {
  it('is the only sandbox: the API does not mount one, and the catalog points at the standalone server', async () => {
    expect(api.deps.sandbox).toBeUndefined();
    expect((await fetch(`${api.url}/sandbox/.well-known/openid-configuration`)).status).not.toBe(200);
    const discovery = (await fetch(`${sandbox.url}/sandbox/.well-known/openid-configuration`).then((r) => r.json())) as { issuer: string };
    expect(discovery.issuer).toBe(`${sandbox.url}/sandbox`);
    const def = api.deps.providers.builtIns.get('sandbox')!;
    expect(def.issuer).toBe(`${sandbox.url}/sandbox`);
    expect([def.authorizationUrl, def.tokenUrl, def.revocation.url, def.apiBaseUrl]).toEqual([
      `${sandbox.url}/sandbox/auth`,
      `${sandbox.url}/sandbox/token`,
      `${sandbox.url}/sandbox/token/revocation`,
      `${sandbox.url}/sandbox/api`,
    ]);
  });

  it('connects, refreshes (on request and on schedule with 20 s tokens), calls the provider API and revokes, all at the standalone server', async () => {
    const { apiKey: key } = await api.newTenant();
    const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } });
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
    const browser = new ScriptedBrowser();
    const callback = await browser.connect(started.body.data.connectUrl);
    expect(callback.status, await callback.clone().text()).toBe(303);
    // The person consented at the standalone server (not at the API's origin).
    expect(browser.history.some((step) => step.url.startsWith(`${sandbox.url}/sandbox/auth`))).toBe(true);
    expect(browser.history.some((step) => step.url.startsWith(`${api.url}/sandbox/`))).toBe(false);
    expect((await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.status).toBe('active');
    expect((await sandbox.stats()).authorizationCodeGrants).toBe(1);

    const first = await api.request('GET', `/api/v1/integrations/${id}/token`, { key });
    expect(first.status).toBe(200);
    expect((await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key })).status).toBe(200);
    expect((await sandbox.stats()).refreshGrants).toBe(1);
    const second = await api.request('GET', `/api/v1/integrations/${id}/token`, { key });
    expect(second.body.data.accessToken === first.body.data.accessToken, 'the refresh issued a new access token').toBe(false);
    // The connection workflow refreshes on its own 5 s before the 20 s token expires.
    await until(async () => (await sandbox.stats()).refreshGrants >= 2, 30_000, 'a scheduled refresh at the standalone sandbox');

    const items = await api.request('GET', `/api/v1/integrations/${id}/proxy/items`, { key });
    expect(items.status, JSON.stringify(items.body)).toBe(200);

    const disconnected = await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key });
    expect(disconnected.body.data).toMatchObject({ status: 'disconnected', revoked: true });
    const stats = await sandbox.stats();
    expect(stats.revocations).toBeGreaterThanOrEqual(1);
    expect(stats.refreshErrors).toBe(0);
    expect(stats.refreshTokenReuses).toBe(0);
    expect(stats.codeErrorsByReason).toEqual({});
    expect(Object.values(stats.refreshesByGrant)).toEqual([stats.refreshGrants]);
  }, 90_000);
});
