/**
 * Issue 16 item 2, OIDC single sign-on, against a real OpenID Provider (oidc-provider on a loopback port, with
 * its own login and consent pages, PKCE required): PKCE S256, state and nonce are kept by the API; a tampered
 * state and a wrong code verifier are refused (REQ-2, REQ-3; openid-client verifies the ID token, REQ-9); people are matched by (issuer, subject), else by a verified e-mail
 * address to an account or a pending invitation; anyone else gets 403 no_account.
 */
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppUser, AuditEntry, SsoFlow, UserIdentity } from '../db/entities/index.ts';
import { startTestApi, type TestApi } from './helpers.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { asSession, person } from './team-setup.ts';

const REDIRECT_URI = 'https://dashboard.example/signin/sso/callback';
const CLIENT_SECRET = 'sso-client-secret-for-tests-0123456789';
let api: TestApi;
let idp: Server;
let issuer: string;
const tokenRequests: string[] = [];

beforeAll(async () => {
  idp = createServer();
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as { port: number }).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'plugboard-dashboard',
        client_secret: CLIENT_SECRET,
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['team-sso-test-cookie-key'] },
    // The login typed on the provider's page is the subject; `unverified-…` addresses come without email_verified.
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, email: sub.replace(/^unverified-/, ''), email_verified: !sub.startsWith('unverified-'), name: `SSO ${sub}` }),
    }),
  });
  provider.on('grant.success', (ctx) => tokenRequests.push(`ok ${String(ctx.oidc.params?.grant_type)}`));
  provider.on('grant.error', (_ctx, err) => tokenRequests.push(`error ${(err as Error).message}`));
  idp.on('request', provider.callback());
  api = await startTestApi({
    env: {
      PLUGBOARD_SSO_ISSUER: issuer,
      PLUGBOARD_SSO_CLIENT_ID: 'plugboard-dashboard',
      PLUGBOARD_SSO_CLIENT_SECRET: CLIENT_SECRET,
      PLUGBOARD_SSO_NAME: 'Test IdP',
      PLUGBOARD_SSO_REDIRECT_URI: REDIRECT_URI,
    },
  });
});
afterAll(async () => {
  await api?.close();
  idp?.closeAllConnections();
  await new Promise((resolve) => idp?.close(resolve));
});

/** Starts a sign-in at the API and clicks through the provider's login and consent pages; returns the flow and the callback URL (not followed). */
async function authorize(login: string, on: TestApi = api, redirectUri = REDIRECT_URI): Promise<{ flowId: string; authorizationUrl: URL; callbackUrl: URL }> {
  const started = await on.request('POST', '/api/v1/auth/sso/start');
  expect(started.status).toBe(200);
  const authorizationUrl = new URL(started.body.data.authorizationUrl);
  const browser = new ScriptedBrowser();
  const isCallback = (u: URL) => u.href.startsWith(redirectUri);
  let step = await browser.follow(authorizationUrl.href, isCallback);
  for (let i = 0; i < 6 && !isCallback(new URL(step.url)); i++) {
    const html = await step.response.text();
    expect(step.response.status, html.slice(0, 300)).toBe(200);
    const posted = await browser.submitForm(step.url, html, html.includes('name="login"') ? { login, password: 'any' } : {});
    const next = new URL(posted.headers.get('location')!, step.url);
    if (isCallback(next)) return { flowId: started.body.data.flowId, authorizationUrl, callbackUrl: next };
    step = await browser.follow(next.href, isCallback);
  }
  return { flowId: started.body.data.flowId, authorizationUrl, callbackUrl: new URL(step.url) };
}

const finish = (flowId: string, callbackUrl: URL | string) =>
  api.request('POST', '/api/v1/auth/sso/callback', { body: { flowId, callbackUrl: String(callbackUrl) }, headers: { 'user-agent': 'sso-test' } });

describe('single sign-on (oidc-provider)', () => {
  it('REQ-2, REQ-3: advertises the issuer and sends PKCE S256, state and nonce', async () => {
    expect((await api.request('GET', '/api/v1/auth/sso')).body.data).toEqual({ enabled: true, issuer, name: 'Test IdP' });
    const started = await api.request('POST', '/api/v1/auth/sso/start');
    const url = new URL(started.body.data.authorizationUrl);
    expect(url.origin).toBe(issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    // The verifier never leaves the server.
    const flow = await api.deps.orm.em.fork().findOneOrFail(SsoFlow, { id: started.body.data.flowId });
    expect(started.body.data.authorizationUrl).not.toContain(flow.codeVerifier);
  });

  it('signs in an existing account by its verified e-mail address, links the identity, then matches by (issuer, subject)', async () => {
    const { tenantId } = await api.newTenant('SSO');
    const admin = await person(api, tenantId, 'admin');
    const { flowId, callbackUrl } = await authorize(admin.email);
    const res = await finish(flowId, callbackUrl);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.user).toMatchObject({ id: admin.userId, email: admin.email });
    expect(res.body.data.memberships).toEqual([{ tenantId, tenantName: 'SSO', role: 'admin' }]);
    expect((await api.request('GET', '/api/v1/integrations', asSession(res.body.data.sessionToken, tenantId))).status).toBe(200);
    const em = api.deps.orm.em.fork();
    expect(await em.findOne(UserIdentity, { issuer, subject: admin.email })).toMatchObject({ userId: admin.userId });
    const entry = await em.findOneOrFail(AuditEntry, { tenantId, action: 'auth.sign_in', details: { method: 'sso' } });
    expect(entry).toMatchObject({ actorType: 'user', actorId: admin.userId, userAgent: 'sso-test' });
    // Single use: the same flow cannot be finished twice.
    expect((await finish(flowId, callbackUrl)).body.error.code).toBe('sso_flow_unknown');
    // The account's address changes in Plugboard: the identity (issuer, subject) still finds it.
    await em.nativeUpdate(AppUser, { id: admin.userId }, { email: `changed-${admin.email}` });
    const again = await authorize(admin.email);
    const second = await finish(again.flowId, again.callbackUrl);
    expect(second.status).toBe(200);
    expect(second.body.data.user).toMatchObject({ id: admin.userId, email: `changed-${admin.email}` });
  });

  it('pre-account takeover: an account made with a password before its owner signs in by SSO loses that password and its sessions', async () => {
    const { tenantId } = await api.newTenant('Takeover');
    const owner = await person(api, tenantId, 'owner');
    // The owner (or anyone holding the link) accepts an invitation for victim@ as a new account with a password.
    const victim = `victim-${tenantId}@example.com`;
    const invite = await api.request('POST', '/api/v1/invitations', { ...owner.as, body: { email: victim, role: 'admin' } });
    const accepted = await api.request('POST', `/api/v1/invitations/${invite.body.data.inviteUrl.split('/invite/')[1]}/accept`, {
      body: { name: 'Not the victim', password: 'the attacker knows this' },
    });
    expect(accepted.status).toBe(201);
    const planted = accepted.body.data.sessionToken as string;
    // The real person signs in by single sign-on: the verified address links to that account.
    const { flowId, callbackUrl } = await authorize(victim);
    const res = await finish(flowId, callbackUrl);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.user.email).toBe(victim);
    expect((await api.request('GET', '/api/v1/auth/session', asSession(planted, tenantId))).body.error.code).toBe('session_revoked');
    const byPassword = await api.request('POST', '/api/v1/auth/login', { body: { email: victim, password: 'the attacker knows this' } });
    expect(byPassword.status).toBe(401);
    expect((await api.request('GET', '/api/v1/auth/session', asSession(res.body.data.sessionToken, tenantId))).status).toBe(200);
    const entry = await api.deps.orm.em.fork().findOneOrFail(AuditEntry, { tenantId, action: 'auth.sign_in', actorLabel: victim });
    expect(entry.details).toMatchObject({ method: 'sso', passwordCleared: true, sessionsRevoked: 1 });
  });

  it('REQ-2: refuses a tampered state (and the flow is spent)', async () => {
    const { tenantId } = await api.newTenant();
    const viewer = await person(api, tenantId, 'viewer');
    const { flowId, callbackUrl } = await authorize(viewer.email);
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('state', 'x'.repeat(43));
    const res = await finish(flowId, tampered);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('sso_state_mismatch');
    expect(res.body.data).toBeUndefined();
    expect((await finish(flowId, callbackUrl)).body.error.code).toBe('sso_flow_unknown');
  });

  it('REQ-2: refuses a callback delivered to another flow (its state and verifier are not that flow’s)', async () => {
    const { tenantId } = await api.newTenant();
    const viewer = await person(api, tenantId, 'viewer');
    const victim = await api.request('POST', '/api/v1/auth/sso/start');
    const { callbackUrl } = await authorize(viewer.email);
    const res = await finish(victim.body.data.flowId, callbackUrl);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('sso_state_mismatch');
  });

  it('REQ-3: sends the PKCE verifier: with a wrong one the provider refuses the code', async () => {
    const { tenantId } = await api.newTenant();
    const viewer = await person(api, tenantId, 'viewer');
    const { flowId, callbackUrl } = await authorize(viewer.email);
    await api.deps.orm.em.fork().nativeUpdate(SsoFlow, { id: flowId }, { codeVerifier: 'w'.repeat(43) });
    tokenRequests.length = 0;
    const res = await finish(flowId, callbackUrl);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('sso_failed');
    expect(tokenRequests).toEqual(['error invalid_grant']); // oidc-provider: PKCE verification failed
  });

  it('creates the account of someone with a pending invitation, and refuses identities with no account or an unverified address', async () => {
    const { tenantId } = await api.newTenant('Invited by SSO');
    const owner = await person(api, tenantId, 'owner');
    const invited = await api.request('POST', '/api/v1/invitations', { ...owner.as, body: { email: 'newcomer@example.com', role: 'viewer' } });
    expect(invited.status).toBe(201);
    const { flowId, callbackUrl } = await authorize('newcomer@example.com');
    const res = await finish(flowId, callbackUrl);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.user).toMatchObject({ email: 'newcomer@example.com', name: 'SSO newcomer@example.com' });
    expect(res.body.data.memberships).toEqual([{ tenantId, tenantName: 'Invited by SSO', role: 'viewer' }]);
    expect((await api.request('GET', `/api/v1/invitations/${invited.body.data.inviteUrl.split('/invite/')[1]}`)).body.data.status).toBe('accepted');

    const stranger = await authorize('stranger@example.com');
    const refused = await finish(stranger.flowId, stranger.callbackUrl);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('no_account');

    // An address the provider does not vouch for matches nobody, not even an existing account.
    const unverified = await authorize(`unverified-${owner.email}`);
    expect((await finish(unverified.flowId, unverified.callbackUrl)).body.error.code).toBe('no_account');
  });
});

describe('single sign-on in development', () => {
  it('uses the sandbox authorization server as the identity provider when no issuer is configured', async () => {
    const dev = await startTestApi({ env: { NODE_ENV: 'development' } });
    try {
      const { tenantId } = await dev.newTenant('Dev');
      const owner = await person(dev, tenantId, 'owner');
      const sso = await dev.request('GET', '/api/v1/auth/sso');
      expect(sso.body.data).toEqual({ enabled: true, issuer: `${dev.url}/sandbox`, name: 'Sandbox identity provider' });
      // Typing the owner's address as the sandbox login signs in as that (verified) address.
      const { flowId, callbackUrl } = await authorize(owner.email, dev, `${dev.url}/signin/sso/callback`);
      const res = await dev.request('POST', '/api/v1/auth/sso/callback', { body: { flowId, callbackUrl: callbackUrl.href } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data.user.id).toBe(owner.userId);
      expect(res.body.data.memberships).toEqual([{ tenantId, tenantName: 'Dev', role: 'owner' }]);
    } finally {
      await dev.close();
    }
  });
});
