/**
 * The connect page (connect-link takeover), returnTo normalisation (open redirect) and per-provider callback paths
 * for custom providers, against the real stack: API, sandbox authorization server (oidc-provider), Temporal worker,
 * PostgreSQL, and real Chromium for the click. REQ numbers refer to docs/security.md.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthFlow } from '../db/entities/index.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { startTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
/** Requests that reached the sandbox's authorization endpoint, by path and query. */
const authorizationRequests: string[] = [];

beforeAll(async () => {
  // Custom providers in these tests live on loopback: let the outbound guard reach it.
  api = await startTestApi({ worker: true, env: { PLUGBOARD_OUTBOUND_ALLOW: '127.0.0.1' } });
  // First in line: the sandbox's middleware rewrites req.url while it handles the request.
  api.server.prependListener('request', (req: IncomingMessage) => {
    if (req.url?.startsWith('/sandbox/auth')) authorizationRequests.push(req.url);
  });
});
afterAll(async () => {
  await api?.close();
});

async function setup(branding?: Record<string, unknown>) {
  const { apiKey: key, tenantId } = await api.newTenant('Acme Corp');
  if (branding) expect((await api.request('PATCH', '/api/v1/branding', { key, body: branding })).status).toBe(200);
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } });
  return { key, tenantId, id: created.body.data.id as string };
}

async function startFlow(key: string, id: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.connectUrl as string;
}

const flowOf = (integrationId: string) => api.deps.orm.em.fork().findOneOrFail(OAuthFlow, { integrationId }, { orderBy: { createdAt: 'desc' } });

/** The page's hidden CSRF field. */
const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('connect page: opening a link never reaches the provider by itself', () => {
  it('GET renders a self-contained page naming tenant, provider and scopes, and consumes nothing (link previewers)', async () => {
    const { key, id } = await setup();
    const url = await startFlow(key, id);
    const before = authorizationRequests.length;
    for (let i = 0; i < 2; i++) {
      const page = await new ScriptedBrowser().fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('location')).toBeNull();
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
      expect(csp).toContain("img-src 'none'");
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('set-cookie')).toMatch(/^pb_connect_flw_[0-9a-z]+=[\w-]{43}; Path=\/oauth\/connect; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
      const html = await page.text();
      expect(html).toContain('Connect your Sandbox account to Acme Corp');
      for (const scope of ['openid', 'offline_access', 'items:read', 'items:write']) expect(html).toContain(`<code>${scope}</code>`);
      expect(html).toMatch(/<form method="post" action="\/oauth\/connect\/[\w-]+">/);
      expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/);
    }
    expect(authorizationRequests.length).toBe(before);
    // The link is a credential until the flow opens: the access log names its route, not its token (REQ-19).
    const token = new URL(url).pathname.split('/').pop()!;
    expect(api.logs.lines.some((l) => l.includes('/oauth/connect/:token'))).toBe(true);
    expect(api.logs.lines.filter((l) => l.includes(token))).toEqual([]);
    const flow = await flowOf(id);
    expect(flow.openedAt).toBeNull();
    expect(flow.stateHash).toBeNull();
  });

  it('POST from the page opens the flow with state, PKCE and prompt=consent; the link then works no more', async () => {
    const { key, id } = await setup();
    const url = await startFlow(key, id);
    const browser = new ScriptedBrowser();
    const html = await (await browser.fetch(url)).text();
    const posted = await browser.submitForm(url, html);
    expect(posted.status).toBe(303);
    expect(posted.headers.get('set-cookie')).toMatch(/pb_oauth_flw_[0-9a-z]+=[\w-]{43}; Path=\/oauth\/callback; Max-Age=\d+; HttpOnly; SameSite=Lax/);
    const authorize = new URL(posted.headers.get('location')!);
    expect(authorize.origin + authorize.pathname).toBe(`${api.url}/sandbox/auth`);
    expect(authorize.searchParams.get('prompt')).toBe('consent');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect((await flowOf(id)).openedAt).not.toBeNull();
    const again = await browser.submitForm(url, html);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('connect_url_used');
    expect((await new ScriptedBrowser().fetch(url)).status).toBe(400);
  });

  it('refuses a cross-site POST, a POST without the token and one with a token of another browser (403), and none of them consumes the link', async () => {
    const { key, id } = await setup();
    const url = await startFlow(key, id);
    const victim = new ScriptedBrowser();
    const victimHtml = await (await victim.fetch(url)).text();
    const attacker = new ScriptedBrowser();
    await attacker.fetch(url);
    const form = (csrf: string) => new URLSearchParams({ csrf }).toString();
    const urlencoded = { 'content-type': 'application/x-www-form-urlencoded' };
    const attempts: [string, ScriptedBrowser, Record<string, string>, string][] = [
      // A page elsewhere auto-submitting a form at the link: no cookie (SameSite=Strict), no token, foreign Origin.
      ['cross-site form', new ScriptedBrowser(), { ...urlencoded, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, ''],
      ['no token', victim, { ...urlencoded, origin: new URL(api.url).origin, 'sec-fetch-site': 'same-origin' }, ''],
      ['token of another browser', attacker, { ...urlencoded, origin: new URL(api.url).origin }, csrfOf(victimHtml)],
      ['right token, cross-site', victim, { ...urlencoded, 'sec-fetch-site': 'cross-site' }, csrfOf(victimHtml)],
      ['right token, foreign Origin', victim, { ...urlencoded, origin: 'https://evil.example' }, csrfOf(victimHtml)],
      ['right token, from a sandboxed cross-site frame', victim, { ...urlencoded, origin: 'null', 'sec-fetch-site': 'cross-site' }, csrfOf(victimHtml)],
    ];
    for (const [name, browser, headers, csrf] of attempts) {
      const res = await browser.fetch(url, { method: 'POST', headers, body: form(csrf) });
      expect(res.status, name).toBe(403);
      expect(res.headers.get('location'), name).toBeNull();
      const text = await res.text();
      expect(text, name).toContain('connect_forbidden');
      expect(text, name).toContain('did not come from the connect page');
    }
    const notAForm = await victim.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ csrf: csrfOf(victimHtml) }),
    });
    expect(notAForm.status).toBe(415);
    expect((await flowOf(id)).openedAt).toBeNull();
    // The person the link was meant for can still use it.
    const ok = await victim.submitForm(url, victimHtml);
    expect(ok.status).toBe(303);
  });

  it('shows the tenant branding escaped, with the logo origin alone allowed in img-src', async () => {
    const { key, id } = await setup({
      displayName: `<script>alert("x")</script> & 'Sons'`,
      logoUrl: 'https://cdn.brand.example/logo.png?size=2&v="1"',
      accentColor: '#AA3366',
    });
    const branding = await api.request('GET', '/api/v1/branding', { key });
    expect(branding.body.data).toMatchObject({ displayName: `<script>alert("x")</script> & 'Sons'`, accentColor: '#aa3366', tenantName: 'Acme Corp' });
    const page = await new ScriptedBrowser().fetch(await startFlow(key, id));
    const html = await page.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;Sons&#39;');
    expect(html).toContain('<img src="https://cdn.brand.example/logo.png?size=2&#38;v=&#34;1&#34;" alt="" referrerpolicy="no-referrer">');
    expect(html).toContain('background:#aa3366');
    expect(page.headers.get('content-security-policy')).toContain('img-src https://cdn.brand.example;');
  });

  it('PATCH /api/v1/branding refuses http logos, bad colours and unknown fields with clear errors; null resets', async () => {
    const { apiKey: key } = await api.newTenant('Plain');
    for (const [body, path] of [
      [{ logoUrl: 'http://cdn.example/logo.png' }, 'logoUrl'],
      [{ logoUrl: 'javascript:alert(1)' }, 'logoUrl'],
      [{ logoUrl: 'https://user:pass@cdn.example/logo.png' }, 'logoUrl'],
      [{ accentColor: 'red' }, 'accentColor'],
      [{ accentColor: '#12345' }, 'accentColor'],
      [{ displayName: '   ' }, 'displayName'],
      [{ colour: '#ffffff' }, ''],
    ] as const) {
      const res = await api.request('PATCH', '/api/v1/branding', { key, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.message).toContain(path);
    }
    await api.request('PATCH', '/api/v1/branding', { key, body: { displayName: 'Shown', accentColor: '#000000' } });
    const reset = await api.request('PATCH', '/api/v1/branding', { key, body: { displayName: null } });
    expect(reset.body.data).toEqual({ displayName: 'Plain', logoUrl: null, accentColor: '#000000', tenantName: 'Plain' });
    expect((await api.request('GET', '/api/v1/branding')).status).toBe(401);
  });
});

describe('connect page in real Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a link opened in a fresh browser stays on our origin until Connect is clicked; after the click the integration becomes active', async () => {
    const { key, id } = await setup({ displayName: 'Acme <Support>', accentColor: '#aa3366' });
    const url = await startFlow(key, id, { returnTo: '/integrations' });
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const seen: string[] = [];
    const cspViolations: string[] = [];
    page.on('request', (r) => seen.push(r.url()));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    try {
      const before = authorizationRequests.length;
      await page.goto(url);
      await page.getByRole('heading', { name: 'Connect your Sandbox account to Acme <Support>' }).waitFor();
      await page.waitForTimeout(500);
      expect(new URL(page.url()).origin).toBe(new URL(api.url).origin);
      expect(seen.filter((u) => new URL(u).origin !== new URL(api.url).origin || u.includes('/sandbox/'))).toEqual([]);
      expect(authorizationRequests.length).toBe(before);
      expect((await flowOf(id)).openedAt).toBeNull();
      // The hashed stylesheet applies (the strict CSP lets exactly it through).
      const background = await page
        .getByRole('button', { name: 'Connect', exact: true })
        .evaluate((b) => (globalThis as any).getComputedStyle(b).backgroundColor as string);
      expect(background).toBe('rgb(170, 51, 102)');

      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await page.waitForURL((u) => u.pathname.startsWith('/sandbox/interaction/'));
      expect(authorizationRequests.length).toBe(before + 1);
      for (let step = 0; step < 4 && !new URL(page.url()).pathname.startsWith('/integrations'); step++) {
        const where = page.url();
        if (await page.locator('input[name="login"]').count()) {
          await page.locator('input[name="login"]').fill('alice');
          await page.locator('input[name="password"]').fill('any password');
          await page.locator('button[type="submit"]').click();
        } else {
          await page.getByRole('button', { name: 'Continue' }).click();
        }
        await page.waitForURL((u) => u.href !== where);
      }
      expect(new URL(page.url()).pathname).toBe('/integrations');
      expect(new URL(page.url()).searchParams.get('connect')).toBe('connected');
      await expect.poll(async () => (await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.status, { timeout: 15_000 }).toBe('active');
      expect(cspViolations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('REQ-4: returnTo is normalised before it is checked (no open redirect)', () => {
  it.each(['/.//evil.example/x', '/%2e//evil.example/x', '/..//evil.example/x', '/%2E%2E//evil.example/x', '/./\\evil.example', '/a/../..//evil.example'])(
    'POST …/connect refuses returnTo %s',
    async (returnTo) => {
      const { key, id } = await setup();
      const res = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: { returnTo } });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('returnTo') });
    },
  );

  it('stores a normalised returnTo', async () => {
    const { key, id } = await setup();
    await startFlow(key, id, { returnTo: '/a/./b/../integrations?tab=all' });
    expect((await flowOf(id)).returnTo).toBe('/a/integrations?tab=all');
  });

  /** A same-origin path: resolved against any origin it stays there. */
  const expectSameOrigin = (location: string | null) => {
    expect(location).toBeTruthy();
    expect(location!.startsWith('/')).toBe(true);
    expect(location!.startsWith('//')).toBe(false);
    expect(location).not.toMatch(/[\\\t\r\n]/);
    expect(new URL(location!, 'https://plugboard.example').origin).toBe('https://plugboard.example');
  };

  it('the callback re-checks a stored returnTo on the success path', async () => {
    const { key, id } = await setup();
    const browser = new ScriptedBrowser();
    const callback = await browser.authorizeAtSandbox(await startFlow(key, id));
    await api.deps.orm.em.fork().nativeUpdate(OAuthFlow, { integrationId: id }, { returnTo: '/.//evil.example/x' });
    const res = await browser.fetch(callback.href);
    expect(res.status).toBe(303);
    expectSameOrigin(res.headers.get('location'));
    expect(res.headers.get('location')).toContain('connect=connected');
  });

  it('the callback re-checks a stored returnTo on the provider-error path', async () => {
    for (const returnTo of ['/%2e//evil.example/x', '//evil.example/x', '/\\evil.example']) {
      const { key, id } = await setup();
      const browser = new ScriptedBrowser();
      const authorize = await browser.clickConnect(await startFlow(key, id));
      await api.deps.orm.em.fork().nativeUpdate(OAuthFlow, { integrationId: id }, { returnTo });
      // What the sandbox sends when the person declines: error + state + iss to our redirect URI.
      const denied = new URL(authorize.searchParams.get('redirect_uri')!);
      denied.search = new URLSearchParams({ error: 'access_denied', state: authorize.searchParams.get('state')!, iss: `${api.url}/sandbox` }).toString();
      const res = await browser.fetch(denied.href);
      expect(res.status, returnTo).toBe(303);
      expectSameOrigin(res.headers.get('location'));
      expect(res.headers.get('location')).toContain('connect=error');
      expect(res.headers.get('location')).toContain('reason=access_denied');
    }
  });
});

describe('REQ-5: custom providers get a redirect URI of their own', () => {
  let discovery: Server;
  let base: string;
  beforeAll(async () => {
    // An issuer with discovery metadata; `/consent` lists prompt=consent as supported.
    discovery = createServer((req, res) => {
      const issuer = `${base}${req.url!.startsWith('/consent') ? '/consent' : '/plain'}`;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          code_challenge_methods_supported: ['S256'],
          ...(req.url!.startsWith('/consent') ? { prompt_values_supported: ['none', 'login', 'consent'] } : {}),
        }),
      );
    });
    await new Promise<void>((r) => discovery.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(discovery.address() as { port: number }).port}`;
  });
  afterAll(() => discovery.close());

  async function customProvider(key: string, body: Record<string, unknown>) {
    const res = await api.request('POST', '/api/v1/providers', { key, body: { name: 'Acme SSO', clientId: 'cid', clientSecret: 'provider-secret', ...body } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.data as { redirectUri: string; consentPrompt: boolean };
  }

  /** Creates the tenant's integration of `provider` (once) and presses Connect on a fresh connect link for it. */
  async function authorizeCustom(key: string, provider: string): Promise<{ browser: ScriptedBrowser; authorize: URL }> {
    const existing = (await api.request('GET', `/api/v1/integrations?provider=${provider}`, { key })).body.data[0]?.id as string | undefined;
    const created = existing ?? (await api.request('POST', '/api/v1/integrations', { key, body: { provider } })).body.data.id;
    const browser = new ScriptedBrowser();
    return { browser, authorize: await browser.clickConnect(await startFlow(key, created)) };
  }

  it('two tenants with custom providers of the same key get different redirect URIs, and a response on the other one is refused', async () => {
    const endpoints = { authorizationUrl: 'http://127.0.0.1:9/authorize', tokenUrl: 'http://127.0.0.1:9/token' };
    const a = await api.newTenant('Tenant A');
    const b = await api.newTenant('Tenant B');
    const providerA = await customProvider(a.apiKey, { key: 'acme', ...endpoints });
    const providerB = await customProvider(b.apiKey, { key: 'acme', ...endpoints });
    expect(providerA.redirectUri).toMatch(new RegExp(`^${api.url}/oauth/callback/custom/prv_[0-9a-z]{26}$`));
    expect(providerB.redirectUri).toMatch(new RegExp(`^${api.url}/oauth/callback/custom/prv_[0-9a-z]{26}$`));
    expect(providerA.redirectUri).not.toBe(providerB.redirectUri);
    const listed = await api.request('GET', '/api/v1/providers', { key: a.apiKey });
    expect(listed.body.data.find((p: { key: string }) => p.key === 'acme').redirectUri).toBe(providerA.redirectUri);
    expect(listed.body.data.find((p: { key: string }) => p.key === 'sandbox').redirectUri).toBe(`${api.url}/oauth/callback/sandbox`);

    for (const wrongPath of [new URL(providerB.redirectUri).pathname, '/oauth/callback/acme']) {
      const { browser, authorize } = await authorizeCustom(a.apiKey, 'acme');
      expect(authorize.searchParams.get('redirect_uri')).toBe(providerA.redirectUri);
      const response = new URL(wrongPath, api.url);
      response.search = new URLSearchParams({ code: 'some-code', state: authorize.searchParams.get('state')! }).toString();
      const res = await browser.fetch(response.href);
      expect(res.status, wrongPath).toBe(400);
      expect(await res.text(), wrongPath).toContain('provider_mismatch');
    }
  });

  it('sends prompt=consent to a custom provider whose discovery lists it, or when the tenant asks for it', async () => {
    const { apiKey: key } = await api.newTenant();
    expect((await customProvider(key, { key: 'with-consent', issuer: `${base}/consent` })).consentPrompt).toBe(true);
    expect((await customProvider(key, { key: 'without', issuer: `${base}/plain` })).consentPrompt).toBe(false);
    expect(
      (await customProvider(key, { key: 'asked', authorizationUrl: `${base}/x/authorize`, tokenUrl: `${base}/x/token`, consentPrompt: true })).consentPrompt,
    ).toBe(true);
    expect((await authorizeCustom(key, 'with-consent')).authorize.searchParams.get('prompt')).toBe('consent');
    expect((await authorizeCustom(key, 'without')).authorize.searchParams.get('prompt')).toBeNull();
    expect((await authorizeCustom(key, 'asked')).authorize.searchParams.get('prompt')).toBe('consent');
  });
});
