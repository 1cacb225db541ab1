/**
 * Issue #15 item 1, end to end through the real API, Temporal worker, PostgreSQL and vault, against fakes built from
 * the documented shapes (test/fakes/auth-fake.ts): API key (header), HTTP Basic (API and the connect page's form),
 * OAuth 2.0 client credentials, GitHub App installation tokens (the fake verifies the RS256 JWT with the App's
 * public key) and RFC 7523 JWT bearer. For each: connect, the token API's answer, the proxy's placement; the minted
 * modes are refreshed by the connection workflow (two different tokens over time); a wrong key is refused at connect
 * with a clear error; disconnect deletes the credential. REQ-19: no secret in any response, page, log line or
 * Temporal history.
 */
import { asyncLocalStorage, Context, type Info } from '@temporalio/activity';
import { ApplicationFailure, noopMetricMeter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionActivities } from '../activities/connection.activities.ts';
import { readCredentials, reencryptIntegration, writeCredentials } from '../db/credentials.ts';
import { Integration } from '../db/entities/index.ts';
import { IntegrationRepository } from '../db/repositories/integrations.repository.ts';
import { generateKeySpec, parseKeyring, Vault } from '../lib/vault.ts';
import { ConnectionErrorType, connectionWorkflowId, statusQuery } from '../workflows/connection.messages.ts';
import { AuthFake, rsaKeyPair } from './fakes/auth-fake.ts';
import { historyStrings, startTestApi, until, type TestApi } from './helpers.ts';

const OPENAI_KEY = 'sk-proj-openai-SECRET-4f1c2b9e';
const TWILIO = { username: 'AC0123456789abcdef0123456789abcdef', password: 'twilio-auth-token-SECRET-77' };
const TWILIO_FORM_PASSWORD = 'twilio-form-token-SECRET-99';
const PAYPAL = { clientId: 'paypal-client', clientSecret: 'paypal-client-SECRET-3k2' };
const APP = rsaKeyPair();
const SA = rsaKeyPair();
const SA_EMAIL = 'robot@project.iam.gserviceaccount.com';
const SHORT = 4;
const NEWLINE_SECRET = 'sk-newline-SECRET-5d81';
const NEWLINE_KEY = `${NEWLINE_SECRET}\nX-Injected: 1`;

let api: TestApi;
let key: string;
const fakes: Record<string, AuthFake> = {};
/** Every secret a test handed over or the fakes issued: none may appear in logs, responses or histories. */
const secrets = () => [
  OPENAI_KEY,
  TWILIO.password,
  TWILIO_FORM_PASSWORD,
  NEWLINE_SECRET,
  PAYPAL.clientSecret,
  // The PEM bodies actually handed over: the App's PKCS#1 key (secrets, operator env), the service account's PKCS#8 key.
  APP.privateKeyPkcs1Pem.split('\n')[1]!,
  SA.privateKeyPem.split('\n')[1]!,
];
const integrationIds: string[] = [];
let twilioId = '';

beforeAll(async () => {
  fakes.openai = await AuthFake.start({ api: [{ kind: 'header', name: 'Authorization', value: `Bearer ${OPENAI_KEY}` }] });
  fakes.twilio = await AuthFake.start({ api: [{ kind: 'basic', ...TWILIO }] });
  fakes.paypal = await AuthFake.start({ api: [{ kind: 'bearer' }], client: { ...PAYPAL, auth: 'client_secret_basic' }, lifetimeSeconds: SHORT });
  fakes.github = await AuthFake.start({
    api: [{ kind: 'bearer' }],
    githubApp: { appId: 'Iv23liAPPCLIENT', publicKey: APP.publicKey, installationId: '4242' },
    lifetimeSeconds: SHORT,
  });
  fakes.google = await AuthFake.start({
    api: [{ kind: 'bearer' }],
    jwtBearer: { issuer: SA_EMAIL, publicKey: SA.publicKey, scope: 'https://www.googleapis.com/auth/cloud-platform' },
    lifetimeSeconds: SHORT,
  });
  api = await startTestApi({
    worker: true,
    env: {
      // API keys cached as in production (the helpers turn it off): a token call then reads no key row either.
      PLUGBOARD_API_KEY_CACHE_MS: '60000',
      PLUGBOARD_OPENAI_API_BASE_URL: `${fakes.openai.url}/api/v1`,
      PLUGBOARD_TWILIO_API_BASE_URL: `${fakes.twilio.url}/api/2010-04-01`,
      PLUGBOARD_PAYPAL_TOKEN_URL: `${fakes.paypal.url}/cc/token`,
      PLUGBOARD_PAYPAL_API_BASE_URL: `${fakes.paypal.url}/api`,
      PLUGBOARD_GITHUB_APP_INSTALLATION_TOKEN_URL: `${fakes.github.url}/app/installations/{installation_id}/access_tokens`,
      PLUGBOARD_GITHUB_APP_INSTALLATION_API_BASE_URL: `${fakes.github.url}/api`,
      // An operator-wide App (the fallback the activity used to take): it must never mint for a typed installation id.
      PLUGBOARD_GITHUB_APP_INSTALLATION_APP_ID: 'Iv23liAPPCLIENT',
      PLUGBOARD_GITHUB_APP_INSTALLATION_PRIVATE_KEY: APP.privateKeyPkcs1Pem,
      PLUGBOARD_GOOGLE_SERVICE_ACCOUNT_TOKEN_URL: `${fakes.google.url}/jwt/token`,
      PLUGBOARD_GOOGLE_SERVICE_ACCOUNT_API_BASE_URL: `${fakes.google.url}/api`,
    },
  });
  ({ apiKey: key } = await api.newTenant('auth-modes'));
}, 120_000);

afterAll(async () => {
  await api?.close();
  await Promise.all(Object.values(fakes).map((f) => f.close()));
});

async function create(provider: string, as = key): Promise<string> {
  const res = await api.request('POST', '/api/v1/integrations', { key: as, body: { provider } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  integrationIds.push(res.body.data.id);
  return res.body.data.id;
}

/** Runs `fn` as the worker runs an activity (activityInfo(), heartbeat()), without a worker polling the queue. */
function asActivity<T>(fn: () => Promise<T>): Promise<T> {
  const info = { activityType: 'refreshTokens', activityId: '1', attempt: 1, scheduledTimestampMs: Date.now(), heartbeatTimeoutMs: 0 } as unknown as Info;
  const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const context = new Context(info, new Promise<never>(() => undefined), new AbortController().signal, () => undefined, undefined, quiet, noopMetricMeter, {});
  return asyncLocalStorage.run(context, fn);
}

/**
 * The reads of integration rows the API makes during one request, as MikroORM logs every statement it runs
 * (Connection.logQuery, a pass-through spy; the answers are real).
 */
async function statementsDuring<T>(fn: () => Promise<T>): Promise<{ response: T; statements: string[] }> {
  // logQuery is protected in MikroORM's types; every statement passes through it.
  const connection = api.deps.orm.em.getConnection() as unknown as { logQuery: (query: string, context?: unknown) => void };
  const original = connection.logQuery;
  const statements: string[] = [];
  connection.logQuery = function (this: unknown, query: string, context?: unknown) {
    const sql = String(query).replace(/\s+/g, ' ');
    if (/^select\b.*\bfrom "integration"/i.test(sql)) statements.push(sql);
    return original.call(this, query, context);
  };
  try {
    return { response: await fn(), statements };
  } finally {
    connection.logQuery = original;
  }
}

const connect = (id: string, credentials: unknown) => api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: { credentials } });
const token = (id: string) => api.request('GET', `/api/v1/integrations/${id}/token`, { key });
const proxy = (id: string, path: string) => api.request('GET', `/api/v1/integrations/${id}/proxy/${path}`, { key });

it("the catalog names each provider's auth mode and the credentials connect takes", async () => {
  const res = await api.request('GET', '/api/v1/providers', { key });
  const byKey = Object.fromEntries(res.body.data.map((p: { key: string }) => [p.key, p]));
  expect(byKey.openai).toMatchObject({ authMode: 'api_key', credentialFields: [{ name: 'apiKey', label: 'API key', secret: true }] });
  expect(byKey.twilio.credentialFields).toEqual([
    { name: 'username', label: 'Account SID', secret: false },
    { name: 'password', label: 'Auth Token', secret: true },
  ]);
  expect(byKey['github-app-installation'].authMode).toBe('github_app');
  expect(byKey.sandbox.authMode).toBe('oauth2');
  expect(byKey.sandbox.credentialFields).toBeUndefined();
});

describe('api_key (OpenAI: Authorization: Bearer <key>)', () => {
  let id: string;
  it('validates the credentials per mode with a clear 400 that names the field, never the value', async () => {
    id = await create('openai');
    const missing = await connect(id, { key: OPENAI_KEY });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('invalid_credentials');
    expect(missing.body.error.message).toMatch(/credentials\.apiKey/);
    expect(JSON.stringify(missing.body)).not.toContain(OPENAI_KEY);
  });

  it('refuses a wrong key at connect with the provider status (the verify request answered 401)', async () => {
    const wrong = await connect(id, { apiKey: 'sk-wrong-key' });
    expect(wrong.status, JSON.stringify(wrong.body)).toBe(422);
    expect(wrong.body.error.code).toBe('credentials_rejected');
    expect(wrong.body.error.message).toMatch(/OpenAI refused the credentials \(HTTP 401 from GET \/models\)/);
    expect(wrong.body.error.message).not.toContain('sk-wrong-key');
    expect((await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.status).not.toBe('active');
  });

  it('connects with the right key: active at once, no refresh scheduled; token API and proxy place it as the entry says', async () => {
    const res = await connect(id, { apiKey: OPENAI_KEY });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.status).toBe('active');
    expect(JSON.stringify(res.body)).not.toContain(OPENAI_KEY);
    const verify = fakes.openai!.requests.filter((r) => r.url.endsWith('/api/v1/models'));
    expect(verify.length).toBe(2);

    const t = await token(id);
    expect(t.status).toBe(200);
    expect(t.headers.get('cache-control')).toBe('no-store');
    expect(t.body.data).toEqual({
      type: 'api_key',
      apiKey: OPENAI_KEY,
      fields: {},
      headers: { Authorization: `Bearer ${OPENAI_KEY}` },
      query: {},
      expiresAt: null,
    });

    const p = await proxy(id, 'models?limit=2');
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    const last = fakes.openai!.requests.at(-1)!;
    expect(last.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(new URL(last.url).searchParams.get('limit')).toBe('2');

    // Static: the workflow holds no refresh timer (no token expiry at all).
    const snapshot = await api.deps.temporal.client.workflow.getHandle(connectionWorkflowId(id)).query(statusQuery);
    expect(snapshot).toMatchObject({ status: 'active', tokenExpiresAt: null, refreshAt: null });
  });

  it('disconnect deletes the credential (no remote revocation exists)', async () => {
    const res = await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await token(id)).status).toBe(409);
    const row = await api.deps.orm.em.fork().findOneOrFail(Integration, { id });
    expect({ credentials: row.credentials, status: row.status }).toEqual({ credentials: null, status: 'disconnected' });
  });
});

describe('a provider outage at connect is not a refusal of the credentials', () => {
  it('answers 503 provider_unavailable (verify or mint answered 5xx), not 422 credentials_rejected; the log says what happened', async () => {
    const { apiKey: other } = await api.newTenant('auth-modes-outage');
    const connectAs = async (provider: string, credentials: unknown) => {
      const id = await create(provider, other);
      const res = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key: other, body: { credentials } });
      const logs = await api.request('GET', `/api/v1/integrations/${id}/logs`, { key: other });
      return { res, logged: logs.body.data.map((l: { message: string }) => l.message).join('\n') as string };
    };
    for (const fake of [fakes.openai!, fakes.paypal!]) fake.options = { ...fake.options, down: 503 };
    try {
      const verify = await connectAs('openai', { apiKey: OPENAI_KEY });
      expect(verify.res.status, JSON.stringify(verify.res.body)).toBe(503);
      expect(verify.res.body.error.code).toBe('provider_unavailable');
      expect(verify.logged).toMatch(/OpenAI could not check the credentials \(HTTP 503 from GET \/models\)/);
      const mint = await connectAs('paypal', PAYPAL);
      expect(mint.res.status, JSON.stringify(mint.res.body)).toBe(503);
      expect(mint.res.body.error.code).toBe('provider_unavailable');
      expect(mint.logged).toMatch(/PayPal token endpoint is unavailable \(temporarily_unavailable, HTTP 503\)/);
      expect(JSON.stringify([verify, mint])).not.toContain(PAYPAL.clientSecret);
    } finally {
      for (const fake of [fakes.openai!, fakes.paypal!]) fake.options = { ...fake.options, down: undefined };
    }
  });
});

describe('REQ-19: a credential with a control character', () => {
  it('is refused at connect (400 invalid_credentials naming the field, not the value); a stored one never reaches the log through the proxy', async () => {
    const { apiKey: other } = await api.newTenant('auth-modes-newline');
    const id = await create('openai', other);
    const connectAs = (credentials: unknown) => api.request('POST', `/api/v1/integrations/${id}/connect`, { key: other, body: { credentials } });
    const res = await connectAs({ apiKey: NEWLINE_KEY });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe('invalid_credentials');
    expect(res.body.error.message).toMatch(/credentials\.apiKey: must not contain control characters/);
    expect(JSON.stringify(res.body)).not.toContain(NEWLINE_SECRET);
    // Surrounding whitespace is trimmed on the API path as the form does: the key itself connects.
    expect((await connectAs({ apiKey: ` ${OPENAI_KEY}\n` })).status).toBe(200);
    expect((await api.request('GET', `/api/v1/integrations/${id}/token`, { key: other })).body.data.apiKey).toBe(OPENAI_KEY);

    // One stored before the check existed: the proxy refuses to send it, and neither its answer nor the log quotes it.
    const em = api.deps.orm.em.fork();
    const row = await em.findOneOrFail(Integration, { id });
    writeCredentials(api.deps.vault, row, { accessToken: '', mode: { type: 'api_key', apiKey: NEWLINE_KEY, fields: {} } });
    await em.flush();
    const logged = api.logs.lines.length;
    const p = await api.request('GET', `/api/v1/integrations/${id}/proxy/models`, { key: other });
    expect(p.status, JSON.stringify(p.body)).toBe(409);
    expect(p.body.error.code).toBe('invalid_stored_credentials');
    expect(JSON.stringify(p.body)).not.toContain(NEWLINE_SECRET);
    const lines = api.logs.lines.slice(logged).join('\n');
    expect(lines.includes(NEWLINE_SECRET), 'the key in the log').toBe(false);
  });
});

describe('basic (Twilio: Account SID / Auth Token)', () => {
  it('connects through the API; the proxy sends HTTP Basic and the token API answers the basic shape', async () => {
    const id = (twilioId = await create('twilio'));
    const bad = await connect(id, { username: TWILIO.username, password: 'nope' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/Twilio refused the credentials \(HTTP 401 from GET \/Accounts\.json\)/);
    const res = await connect(id, TWILIO);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const basic = `Basic ${Buffer.from(`${TWILIO.username}:${TWILIO.password}`).toString('base64')}`;
    expect((await token(id)).body.data).toEqual({ type: 'basic', ...TWILIO, headers: { Authorization: basic }, query: {}, expiresAt: null });
    expect((await proxy(id, 'Accounts/AC1/Messages.json')).status).toBe(200);
    expect(fakes.twilio!.requests.at(-1)!.headers.authorization).toBe(basic);
    // "Refresh now" on a static credential changes nothing (it used to end in reauthorization: no refresh token).
    const refreshed = await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(refreshed.body.data.status).toBe('active');
    expect((await token(id)).body.data.password).toBe(TWILIO.password);
  });

  it('the token API answers a cached static credential without reading its row again (second call: no query)', async () => {
    expect(await api.deps.tokens.ready(), 'the token cache listens').toBe(true);
    const first = await statementsDuring(() => token(twilioId));
    const second = await statementsDuring(() => token(twilioId));
    expect(first.response.status).toBe(200);
    expect(second.response.body.data).toMatchObject({ type: 'basic', username: TWILIO.username, password: TWILIO.password });
    expect(second.statements, second.statements.join('\n')).toEqual([]);
  });

  it("the connect page reads a 32 kB form only for a credential form; an authorization-code flow's Connect form stays within 4 kB", async () => {
    const { apiKey: other } = await api.newTenant('auth-modes-form-size');
    const id = await create('sandbox', other);
    integrationIds.pop(); // no workflow history to scan: the flow never starts
    const link = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key: other, body: {} });
    expect(link.status, JSON.stringify(link.body)).toBe(201);
    const res = await fetch(link.body.data.connectUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: api.url },
      body: new URLSearchParams({ csrf: 'x', pad: 'a'.repeat(5000) }).toString(),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Error code: invalid_body');
  });

  it('credentials for an authorization-code provider are refused (400 credentials_not_accepted)', async () => {
    const id = await create('sandbox');
    integrationIds.pop(); // refused before any workflow starts: no history to scan
    const res = await connect(id, { apiKey: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('credentials_not_accepted');
  });

  it("connects through the connect page's form on our origin: CSRF-bound, single-use, the secret never echoed", async () => {
    // One integration per provider and tenant: the form connects another tenant's.
    const { apiKey: other } = await api.newTenant('auth-modes-form');
    const id = await create('twilio', other);
    fakes.twilio!.options = { api: [{ kind: 'basic', username: TWILIO.username, password: TWILIO_FORM_PASSWORD }] };
    const link = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key: other, body: {} });
    expect(link.status, JSON.stringify(link.body)).toBe(201);
    const page = await fetch(link.body.data.connectUrl);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('name="username" type="text"');
    expect(html).toContain('name="password" type="password"');
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self'");
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(link.body.data.connectUrl, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: api.url, ...headers },
        body: new URLSearchParams(form).toString(),
      });

    // A cross-site form never gets further (the existing CSRF defence holds for the credential form).
    expect((await post({ csrf, ...TWILIO }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // An incomplete form comes back, empty, naming the field; the link is still usable.
    const incomplete = await post({ csrf, username: TWILIO.username });
    const incompleteHtml = await incomplete.text();
    expect(incomplete.status).toBe(400);
    expect(incompleteHtml).toMatch(/Auth Token: /);
    expect(incompleteHtml).not.toContain(TWILIO.username);

    const done = await post({ csrf, username: TWILIO.username, password: TWILIO_FORM_PASSWORD });
    const doneBody = await done.text();
    expect(done.status, doneBody).toBe(303);
    expect(done.headers.get('location')).toBe(`/integrations/${id}?integration=${id}&connect=connected`);
    expect(doneBody).not.toContain(TWILIO_FORM_PASSWORD);
    expect((await api.request('GET', `/api/v1/integrations/${id}/token`, { key: other })).body.data.password).toBe(TWILIO_FORM_PASSWORD);
    // Single use: the second submission is refused as a used link (not, say, as an invalid form).
    const again = await post({ csrf, username: TWILIO.username, password: TWILIO_FORM_PASSWORD });
    const againHtml = await again.text();
    expect(again.status).toBe(400);
    expect(againHtml).toContain('Error code: connect_url_used');
    expect(againHtml).not.toContain(TWILIO_FORM_PASSWORD);
    fakes.twilio!.options = { api: [{ kind: 'basic', ...TWILIO }] };
  });
});

describe('key rotation', () => {
  it('re-encrypts a stored static credential under a new key; it still reads back the same (AES-256-GCM, REQ-19)', async () => {
    const em = api.deps.orm.em.fork();
    const row = await em.findOneOrFail(Integration, { id: twilioId });
    const before = readCredentials(api.deps.vault, row)!;
    expect(before.mode).toEqual({ type: 'basic', ...TWILIO });
    const spec = [...api.deps.vault.keyring.keys].map(([kid, k]) => `${kid}:${k.toString('base64')}`).join(',');
    const rotated = new Vault(parseKeyring(`${spec},${generateKeySpec('v999')}`));
    const sealed = row.credentials;
    expect(reencryptIntegration(rotated, row)).toBe(true);
    expect(row.keyId).toBe('v999');
    expect(row.credentials).not.toBe(sealed);
    expect(row.credentials).not.toContain(TWILIO.password);
    expect(readCredentials(rotated, row)).toEqual(before);
  });
});

describe('oauth2_client_credentials (PayPal)', () => {
  it('mints at connect and the connection workflow refreshes before expiry: two different tokens over time', async () => {
    const id = await create('paypal');
    const bad = await connect(id, { clientId: PAYPAL.clientId, clientSecret: 'wrong' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/PayPal refused the token request \(invalid_client, HTTP 401\)/);
    const res = await connect(id, PAYPAL);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const first = (await token(id)).body.data;
    expect(first).toMatchObject({ accessToken: expect.stringMatching(/^cc-/), tokenType: 'Bearer' });
    expect(new Date(first.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const second = await until(
      async () => {
        const now = (await token(id)).body.data;
        return now.accessToken !== first.accessToken && now;
      },
      20_000,
      'a refreshed client-credentials token',
    );
    expect(second.accessToken).toMatch(/^cc-/);
    // The workflow did it (a scheduled refresh, logged), not the token API's late path.
    const logs = await api.request('GET', `/api/v1/integrations/${id}/logs`, { key });
    expect(logs.body.data.map((l: { kind: string }) => l.kind)).toContain('refreshed');
    expect((await proxy(id, 'v2/checkout/orders')).status).toBe(200);
    expect(fakes.paypal!.requests.at(-1)!.headers.authorization).toMatch(/^Bearer cc-/);
    await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key });
  }, 60_000);
});

describe('a minted refresh that the provider refuses (the activity, run directly on a row no workflow holds)', () => {
  it("blames the connection's own credentials, not the operator; a statusless ModeError is not retried", async () => {
    const { tenantId } = await api.newTenant('auth-modes-minted-refusal');
    const em = api.deps.orm.em.fork();
    const row = await new IntegrationRepository(em, tenantId, api.deps.vault).create({ provider: 'paypal' });
    writeCredentials(api.deps.vault, row, {
      accessToken: 'old',
      tokenType: 'Bearer',
      expiresAt: Date.now() - 1000,
      issuedAt: Date.now() - 5000,
      mode: { type: 'oauth2_client_credentials', clientId: PAYPAL.clientId, clientSecret: 'rotated-away-SECRET' },
    });
    row.status = 'active';
    await em.flush();
    const activities = createConnectionActivities({ ...api.deps, temporal: api.deps.temporal.client });
    const refresh = () =>
      asActivity(() => activities.refreshTokens({ integrationId: row.id })).then(
        () => undefined,
        (e: unknown) => e as ApplicationFailure,
      );

    const refused = await refresh();
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect(refused!.nonRetryable).toBe(true);
    expect(refused!.type).toBe(ConnectionErrorType.invalidGrant);
    expect(refused!.message).toMatch(/PayPal refused this connection's credentials \(invalid_client, HTTP 401\)/);
    expect(refused!.message).not.toMatch(/operator/);

    writeCredentials(api.deps.vault, row, { accessToken: 'old', mode: { type: 'oauth2_client_credentials', ...PAYPAL } });
    await em.flush();
    fakes.paypal!.options = { ...fakes.paypal!.options, answerWithoutToken: true };
    try {
      const noToken = await refresh();
      expect(noToken).toBeInstanceOf(ApplicationFailure);
      expect(noToken!.message).toMatch(/answered without an access_token/);
      expect(noToken!.nonRetryable).toBe(true);
    } finally {
      fakes.paypal!.options = { ...fakes.paypal!.options, answerWithoutToken: false };
    }
  });
});

describe('a minted refresh whose write fails (the activity, run directly)', () => {
  it('frees the refresh lease: minting spent nothing, so the next attempt need not wait for it to lapse (REQ-11/12)', async () => {
    const { tenantId } = await api.newTenant('auth-modes-minted-lease');
    const em = api.deps.orm.em.fork();
    const row = await new IntegrationRepository(em, tenantId, api.deps.vault).create({ provider: 'paypal' });
    writeCredentials(api.deps.vault, row, { accessToken: 'old', tokenType: 'Bearer', mode: { type: 'oauth2_client_credentials', ...PAYPAL } });
    row.status = 'active';
    await em.flush();
    // This integration's token set cannot be written (for WRITE_RETRY_MS): the minted token is never stored.
    const vault = api.deps.vault;
    const encryptJson = vault.encryptJson.bind(vault);
    vault.encryptJson = ((value, ctx) => {
      if (ctx.id === row.id && ctx.field === 'credentials') throw new Error('write refused (test)');
      return encryptJson(value, ctx);
    }) as typeof vault.encryptJson;
    try {
      const activities = createConnectionActivities({ ...api.deps, temporal: api.deps.temporal.client });
      const failed = await asActivity(() => activities.refreshTokens({ integrationId: row.id })).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(failed?.message).toMatch(/write refused/);
    } finally {
      vault.encryptJson = encryptJson;
    }
    const after = await api.deps.orm.em.fork().findOneOrFail(Integration, { id: row.id }, { fields: ['refreshLeaseHolder'] as never });
    expect(after.refreshLeaseHolder).toBeNull();
  }, 30_000);
});

describe('github_app (installation tokens)', () => {
  it('signs an RS256 App JWT the fake verifies (iss, iat − 60 s, exp ≤ 10 min) and refreshes the 1-hour-style token', async () => {
    const id = await create('github-app-installation');
    // The App's id and private key are the integration's (tenant's) config, write-only secrets.
    const patch = await api.request('PATCH', `/api/v1/integrations/${id}`, {
      key,
      body: { secrets: { appId: 'Iv23liAPPCLIENT', privateKey: APP.privateKeyPkcs1Pem } },
    });
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    const unknown = await connect(id, { installationId: '9999' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.message).toMatch(/HTTP 404/);
    const res = await connect(id, { installationId: 4242 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(fakes.github!.jwtRefusals).toEqual([]);
    const claims = fakes.github!.verifiedClaims[0]!;
    const now = Math.floor(Date.now() / 1000);
    expect(claims.iss).toBe('Iv23liAPPCLIENT');
    expect(now - (claims.iat as number)).toBeGreaterThanOrEqual(55);
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(600);
    const first = (await token(id)).body.data.accessToken;
    expect(first).toMatch(/^ghs_/);
    const second = await until(
      async () => {
        const t = (await token(id)).body.data.accessToken;
        return t !== first && t;
      },
      20_000,
      'a refreshed installation token',
    );
    expect(second).toMatch(/^ghs_/);
    expect((await proxy(id, 'repos/acme/app/issues')).status).toBe(200);
    // Disconnect revokes the installation token at GitHub (DELETE /installation/token, with that token), best effort.
    const off = await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key });
    expect(off.status, JSON.stringify(off.body)).toBeLessThan(300);
    const [revoked] = await until(
      async () => fakes.github!.revoked.length > 0 && fakes.github!.revoked,
      15_000,
      'the installation token revoked at disconnect',
    );
    // The token stored last (the fake's latest), presented as itself, never in the URL.
    expect(revoked).toBe(fakes.github!.issued.at(-1));
    const revocation = fakes.github!.requests.find((r) => r.method === 'DELETE' && new URL(r.url).pathname === '/api/installation/token')!;
    expect(revocation.headers.authorization).toBe(`Bearer ${revoked}`);
    expect(new URL(revocation.url).search).toBe('');
  }, 60_000);

  it("refuses a typed installation id without the integration's own App (no operator App: another tenant's installation)", async () => {
    // Another tenant types the installation id of the first one's App; the operator's env holds that same App.
    const { apiKey: other } = await api.newTenant('auth-modes-github-other');
    const id = await create('github-app-installation', other);
    integrationIds.pop(); // refused before any workflow starts: no history to scan
    const minted = fakes.github!.issued.length;
    const res = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key: other, body: { credentials: { installationId: '4242' } } });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe('app_not_configured');
    expect(res.body.error.message).toMatch(/give the integration its own GitHub App id and private key/);
    // Nor does a connect link (the form) get further.
    const link = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key: other, body: {} });
    expect(link.status).toBe(400);
    expect(link.body.error.code).toBe('app_not_configured');
    expect(fakes.github!.issued.length).toBe(minted);
    expect((await api.request('GET', `/api/v1/integrations/${id}`, { key: other })).body.data.status).not.toBe('active');
  });
});

describe('jwt_bearer (Google service account, RFC 7523)', () => {
  it('exchanges an assertion the fake verifies (iss, aud, scope, exp ≤ 1 h) for a token; the proxy sends it; the workflow refreshes it', async () => {
    const id = await create('google-service-account');
    const keyFile = { type: 'service_account', client_email: SA_EMAIL, private_key: SA.privateKeyPem, private_key_id: 'kid-1' };
    const bad = await connect(id, { serviceAccountKey: { client_email: SA_EMAIL } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/credentials\.serviceAccountKey/);
    const res = await connect(id, { serviceAccountKey: JSON.stringify(keyFile) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(fakes.google!.jwtRefusals).toEqual([]);
    expect(fakes.google!.verifiedClaims[0]).toMatchObject({ iss: SA_EMAIL, scope: 'https://www.googleapis.com/auth/cloud-platform' });
    const t = (await token(id)).body.data;
    expect(t.accessToken).toMatch(/^ya29\./);
    expect((await proxy(id, 'drive/v3/files')).status).toBe(200);
    expect(fakes.google!.requests.at(-1)!.headers.authorization).toBe(`Bearer ${t.accessToken}`);
    // Refreshed by the workflow with a new assertion before the short-lived token expires.
    await until(async () => (await token(id)).body.data.accessToken !== t.accessToken, 20_000, 'a refreshed JWT-bearer token');
    expect(fakes.google!.verifiedClaims.length).toBeGreaterThanOrEqual(2);
    expect(fakes.google!.jwtRefusals).toEqual([]);
    await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key });
  }, 60_000);
});

describe('REQ-19: no supplied secret in logs or Temporal histories', () => {
  it('scans the captured pino output and every connection workflow history', async () => {
    expect(integrationIds.length).toBeGreaterThanOrEqual(6);
    const logText = api.logs.lines.join('\n');
    expect(logText.length).toBeGreaterThan(0);
    for (const secret of secrets()) expect(logText.includes(secret), 'a secret in the logs').toBe(false);
    const issued = Object.values(fakes).flatMap((f) => f.issued);
    expect(issued.length).toBeGreaterThan(3);
    for (const id of integrationIds) {
      const history = await api.deps.temporal.client.workflow.getHandle(connectionWorkflowId(id)).fetchHistory();
      const strings = [...historyStrings(history)].join('\n');
      expect(strings.length).toBeGreaterThan(0);
      for (const secret of [...secrets(), ...issued, TWILIO.username]) expect(strings.includes(secret), `a secret in the history of ${id}`).toBe(false);
    }
  });
});
