/**
 * Team accounts in real Chromium against the real stack (issue 16): the owner signs in with the password the
 * `npm start` seed gives (ensureOwnerAccount, the same function scripts/dev.ts calls), invites a viewer, the viewer
 * accepts through the link in a second browser context, sees the integrations but no secret or write action (and a
 * direct POST to the secret route as that viewer is refused 403, REQ-19), the owner removes the viewer, and the
 * viewer's next page load lands on sign-in (REQ-21: a viewer gets least privilege, enforced by the API). Also: sign
 * out everywhere ends every session of the person, the sign-in page shows the API's answer for a wrong password and
 * for a locked account, single sign-on against oidc-provider (REQ-1: the flow is bound to the browser that started
 * it; state and PKCE, REQ-2/REQ-3, are checked by the API), and accepting as yourself plus the tenant switcher. The
 * session token stays on the server (REQ-10: sealed in the httpOnly cookie). Screenshots go to
 * test-results/screenshots/team-*.png.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import Provider from 'oidc-provider';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openOrm } from '../../db/orm.ts';
import { ensureOwnerAccount } from '../../db/repositories/team.repository.ts';
import { hashPassword } from '../../lib/auth/password.ts';
import { freshDatabase } from '../helpers.ts';
import { CHROMIUM_ARGS, startStack, type Stack } from './stack.ts';

const SHOTS = path.resolve('test-results/screenshots');

let stack: Stack;
let browser: Browser;
let tenant: { tenantId: string; apiKey: string };
let integrationId: string;
const OWNER = { email: 'owner@team-e2e.local', password: '' };
const VIEWER = { email: 'viewer@team-e2e.local', name: 'Vi Ewer', password: 'viewer-password-long-enough' };
/** The single sign-on identity provider: oidc-provider on a loopback port, PKCE required, its dev login and consent pages. */
let idp: Server;
let issuer: string;
const SSO_CLIENT_SECRET = randomBytes(24).toString('base64url');

async function api<T = any>(method: string, urlPath: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(stack.url + urlPath, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
}

/** The owner account of a tenant, made by the function `npm start` seeds the demo owner with; its generated password. */
async function seedOwner(tenantId: string, email: string): Promise<string> {
  const orm = await openOrm(stack.env.DATABASE_URL!);
  try {
    const password = await ensureOwnerAccount(orm.em.fork(), tenantId, email, {
      hashPassword,
      generatePassword: () => randomBytes(18).toString('base64url'),
    });
    if (!password) throw new Error(`${email} existed already`);
    return password;
  } finally {
    await orm.close();
  }
}

async function shot(page: Page, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.screenshot({ path: path.join(SHOTS, `team-${name}.png`), fullPage: true });
      return;
    } catch (error) {
      if (attempt >= 3 || !/Unable to capture screenshot/.test((error as Error).message)) throw error;
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: stack.url });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page };
}

async function signInWithPassword(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/signin');
  // Type after hydration, as a person would (a field filled before it may be reset by the hydrating page).
  await page.waitForLoadState('networkidle');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .waitForURL((u) => u.pathname === '/')
    .catch(async (error: Error) => {
      const alert = await page.getByRole('alert').allInnerTexts();
      throw new Error(`sign-in as ${email} stayed on ${page.url()}: ${alert.join(' | ')}`, { cause: error });
    });
  await page.waitForLoadState('networkidle');
}

/** The role badge in the header ("Owner", "Viewer"…). */
async function headerRole(page: Page): Promise<string> {
  return (await page.locator('.app-header .role-badge').innerText()).replace(/\s*role$/, '').trim();
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The identity provider's port first (the API needs its issuer at start); it answers once the stack's URL is known.
  idp = createServer();
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as { port: number }).port}`;
  stack = await startStack(
    {
      databaseUrl: await freshDatabase('e2e-team'),
      temporalAddress: inject('temporalAddress'),
      encryptionKeys: inject('encryptionKeys'),
      dataDir: inject('dataDir'),
    },
    {
      env: {
        PLUGBOARD_SSO_ISSUER: issuer,
        PLUGBOARD_SSO_CLIENT_ID: 'plugboard-dashboard-e2e',
        PLUGBOARD_SSO_CLIENT_SECRET: SSO_CLIENT_SECRET,
        PLUGBOARD_SSO_NAME: 'Test IdP',
      },
    },
  );
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'plugboard-dashboard-e2e',
        client_secret: SSO_CLIENT_SECRET,
        redirect_uris: [`${stack.url}/signin/sso/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    // The login typed on the provider's page is the subject and the (verified) e-mail address.
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, email: sub, email_verified: true, name: `SSO ${sub}` }) }),
  });
  idp.on('request', provider.callback());
  tenant = await stack.newTenant('Team tenant');
  OWNER.password = await seedOwner(tenant.tenantId, OWNER.email);
  const created = await api('POST', '/api/v1/integrations', { authorization: `Bearer ${tenant.apiKey}` }, { provider: 'sandbox', displayName: 'Team sandbox' });
  expect(created.status).toBe(201);
  integrationId = created.body.data.id;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  idp?.closeAllConnections();
  await new Promise((resolve) => idp?.close(resolve));
});

/** Clicks "Sign in with SSO", then through the provider's login (as `login`) and consent pages, until the browser is back on the dashboard. */
async function signInWithSso(page: Page, login: string): Promise<void> {
  await page.goto('/signin');
  await page.getByRole('link', { name: 'Sign in with SSO (Test IdP)' }).click();
  await page
    .waitForURL((u) => u.href.startsWith(issuer))
    .catch((e: Error) => {
      throw new Error(`not at the issuer but ${page.url()}:\n${stack.output().split('\n').slice(-30).join('\n')}`, { cause: e });
    });
  for (let step = 0; step < 6 && new URL(page.url()).href.startsWith(issuer); step++) {
    const where = page.url();
    const loginField = page.locator('input[name="login"]');
    await page.waitForLoadState('domcontentloaded');
    if (await loginField.count()) {
      await loginField.fill(login);
      await page.locator('input[name="password"]').fill('any password');
      await page.locator('button[type="submit"]').click();
    } else {
      await page.getByRole('button', { name: 'Continue' }).click();
    }
    await page.waitForURL((u) => u.href !== where);
  }
  await page.waitForURL((u) => u.origin === stack.url && u.pathname !== '/signin/sso/callback');
}

describe('team accounts in the dashboard', () => {
  it('owner invites a viewer, the viewer accepts and sees no secret action, the owner removes them and their next page is sign-in', async () => {
    const owner = await newPage();
    const viewer = await newPage();
    try {
      // The owner signs in with the seeded password; the header names the role.
      await signInWithPassword(owner.page, OWNER.email, OWNER.password);
      expect(await headerRole(owner.page)).toBe('Owner');
      await owner.page.getByRole('link', { name: 'Team sandbox' }).first().waitFor();
      // An owner is offered the secret and write actions a viewer will not be (so their absence below means something).
      await owner.page.goto(`/integrations/${integrationId}`);
      await owner.page.getByRole('button', { name: 'Create signing secret' }).waitFor();
      await owner.page.getByRole('button', { name: 'Delete integration' }).waitFor();
      await owner.page.getByRole('button', { name: 'Connect', exact: true }).waitFor();

      // Invite a viewer: the link is shown once, with a copy field.
      await owner.page.getByRole('link', { name: 'Members' }).click();
      await owner.page.waitForURL((u) => u.pathname === '/members');
      await owner.page.waitForLoadState('networkidle');
      await owner.page.getByLabel('Email').fill(VIEWER.email);
      await owner.page.getByLabel('Role', { exact: true }).selectOption('viewer');
      await owner.page.getByRole('button', { name: 'Create invitation' }).click();
      const linkField = owner.page.getByLabel('Invitation link (shown once)');
      await linkField.waitFor();
      const inviteUrl = new URL(await linkField.inputValue());
      expect(inviteUrl.pathname).toMatch(/^\/invite\/[^/]+$/);
      await owner.page.getByRole('cell', { name: VIEWER.email, exact: true }).waitFor(); // listed under pending invitations
      await shot(owner.page, '01-invited');

      // The viewer opens the link in another browser: tenant, role and email are shown; they accept with name + password.
      await viewer.page.goto(inviteUrl.pathname);
      expect(await viewer.page.getByTestId('invite-tenant').innerText()).toBe('Team tenant');
      expect(await viewer.page.getByTestId('invite-role').innerText()).toContain('Viewer');
      expect(await viewer.page.getByTestId('invite-email').innerText()).toBe(VIEWER.email);
      await shot(viewer.page, '02-invite-page');
      await viewer.page.getByLabel('Your name').fill(VIEWER.name);
      await viewer.page.getByLabel('Choose a password').fill(VIEWER.password);
      await viewer.page.getByRole('button', { name: 'Accept invitation' }).click();
      await viewer.page.waitForURL((u) => u.pathname === '/');
      expect(await headerRole(viewer.page)).toBe('Viewer');
      // REQ-10: the browser holds only the sealed cookie, never the API session token.
      const cookies = await viewer.context.cookies();
      expect(cookies.find((c) => c.name === 'pb_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      expect(cookies.some((c) => c.value.includes('pbs_'))).toBe(false);
      expect(await viewer.page.content()).not.toContain('pbs_');

      // The viewer sees the integrations, but no write action…
      await viewer.page.getByRole('link', { name: 'Team sandbox' }).first().waitFor();
      expect(await viewer.page.getByRole('link', { name: 'Add integration' }).count()).toBe(0);
      await shot(viewer.page, '03-viewer-integrations');
      await viewer.page.goto(`/integrations/${integrationId}`);
      await viewer.page.getByTestId('read-only-note').waitFor();
      // …and no secret action: no forwarding secret, no verification reveal, no connect, no delete.
      for (const name of [/signing secret/i, /verification token/i, /^Connect$/, /Delete integration/, /Save settings/i, /Save secrets/i]) {
        expect(await viewer.page.getByRole('button', { name }).count(), String(name)).toBe(0);
      }
      await shot(viewer.page, '04-viewer-integration');
      await viewer.page.goto('/api-keys');
      expect(await viewer.page.getByRole('button', { name: 'Create key' }).count()).toBe(0);
      await viewer.page.goto('/event-endpoints');
      expect(await viewer.page.getByRole('button', { name: 'Add endpoint' }).count()).toBe(0);

      // The API refuses the secret route to the viewer's own session (the dashboard only hides the button; REQ-19/21).
      const viewerLogin = await api('POST', '/api/v1/auth/login', {}, { email: VIEWER.email, password: VIEWER.password });
      expect(viewerLogin.status).toBe(200);
      const viewerAuth = { authorization: `Bearer ${viewerLogin.body.data.sessionToken}`, 'x-plugboard-tenant': tenant.tenantId };
      const secret = await api('POST', `/api/v1/integrations/${integrationId}/forwarding-secret`, viewerAuth);
      expect(secret.status).toBe(403);
      expect(secret.body.error.code).toBe('forbidden');
      expect(JSON.stringify(secret.body)).not.toMatch(/whsec_|forwardSecret/);
      // The dashboard's own form action, posted from the viewer's page anyway, shows the API's 403 message.
      const viaDashboard = await viewer.page.evaluate(async (id) => {
        const res = await fetch(`/integrations/${id}?/forwardingSecret`, {
          method: 'POST',
          body: new URLSearchParams(),
          headers: { accept: 'application/json', 'x-sveltekit-action': 'true' },
        });
        return { status: res.status, text: await res.text() };
      }, integrationId);
      expect(viaDashboard.text).toContain('"status":403');
      expect(viaDashboard.text).not.toMatch(/whsec_|revealedSecret/);

      // The owner removes the viewer (asked first).
      await owner.page.goto('/members');
      await owner.page.waitForLoadState('networkidle');
      await owner.page.getByRole('button', { name: `Remove ${VIEWER.email}` }).click();
      await owner.page.getByRole('button', { name: 'Confirm removal' }).click();
      await owner.page.getByText(`Removed ${VIEWER.email}.`).waitFor();
      expect(await owner.page.locator(`tr[data-member="${VIEWER.email}"]`).count()).toBe(0);
      await shot(owner.page, '05-removed');

      // The viewer's next page load lands on sign-in, saying why.
      await viewer.page.goto('/');
      await viewer.page.waitForURL((u) => u.pathname === '/signin');
      await viewer.page.getByText('Your session has ended').waitFor();
      await shot(viewer.page, '06-viewer-signed-out');
      // And the API agrees: the viewer's session no longer reaches the tenant.
      expect((await api('GET', '/api/v1/integrations', viewerAuth)).status).toBe(403);

      // The owner's audit log has the invitation and the removal, with who did it.
      await owner.page.goto('/audit');
      await owner.page
        .getByRole('cell', { name: /member\.remove/ })
        .first()
        .waitFor();
      await owner.page
        .getByRole('cell', { name: /invitation\.create/ })
        .first()
        .waitFor();
      expect(await owner.page.locator('tr', { hasText: 'member.remove' }).first().innerText()).toContain(OWNER.email);
      await shot(owner.page, '07-audit');
      const exported = await owner.page.evaluate(async () => {
        const res = await fetch('/audit/export?format=ndjson&action=member.remove');
        return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
      });
      expect(exported.status).toBe(200);
      expect(exported.type).toContain('ndjson');
      const lines = exported.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines.every((l: { action: string }) => l.action === 'member.remove')).toBe(true);
    } finally {
      await owner.context.close();
      await viewer.context.close();
    }
  });

  it('"sign out everywhere" ends every session of the person at once', async () => {
    const first = await newPage();
    const second = await newPage();
    try {
      await signInWithPassword(first.page, OWNER.email, OWNER.password);
      await signInWithPassword(second.page, OWNER.email, OWNER.password);

      await first.page.goto('/signout');
      await first.page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await first.page.waitForURL((u) => u.pathname === '/signin');
      await first.page.getByText('You are signed out on every device.').waitFor();

      // The other browser's next page load lands on sign-in: its session was revoked at the API.
      await second.page.goto('/members');
      await second.page.waitForURL((u) => u.pathname === '/signin');
      await second.page.getByText('Your session has ended').waitFor();
      await shot(second.page, '08-signed-out-everywhere');

      // Signing in again works (a new session).
      await signInWithPassword(second.page, OWNER.email, OWNER.password);
      expect(await headerRole(second.page)).toBe('Owner');
    } finally {
      await first.context.close();
      await second.context.close();
    }
  });

  it('shows the API’s answer for a wrong password and, after five, the lockout time', async () => {
    const other = await stack.newTenant('Lockout tenant');
    const email = 'locked@team-e2e.local';
    await seedOwner(other.tenantId, email);
    const { context, page } = await newPage();
    try {
      for (let attempt = 1; attempt <= 5; attempt++) {
        await page.goto('/signin');
        await page.waitForLoadState('networkidle');
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(`wrong-password-${attempt}`);
        await page.getByRole('button', { name: 'Sign in' }).click();
        const expected = attempt < 5 ? 'That email and password do not match an account.' : /this account is locked for 15 minutes/;
        await page.getByRole('alert').filter({ hasText: expected }).waitFor();
        // The email is kept, the password never echoed.
        expect(await page.getByLabel('Email').inputValue()).toBe(email);
        expect(await page.getByLabel('Password').inputValue()).toBe('');
      }
      await shot(page, '09-locked');
    } finally {
      await context.close();
    }
  });

  it('single sign-on: the button starts the flow, a pending invitation’s address signs in to its tenant, a stranger and a forged callback are refused', async () => {
    // An invitation made with the tenant's API key (an admin) for an address the identity provider vouches for.
    const invited = await api(
      'POST',
      '/api/v1/invitations',
      { authorization: `Bearer ${tenant.apiKey}` },
      { email: 'sso-person@team-e2e.local', role: 'viewer' },
    );
    expect(invited.status).toBe(201);

    const person = await newPage();
    const stranger = await newPage();
    const forger = await newPage();
    try {
      await signInWithSso(person.page, 'sso-person@team-e2e.local');
      expect(new URL(person.page.url()).pathname).toBe('/');
      expect(await headerRole(person.page)).toBe('Viewer');
      await person.page.getByText('sso-person@team-e2e.local').first().waitFor();
      await person.page.getByRole('link', { name: 'Team sandbox' }).first().waitFor();
      await shot(person.page, '10-sso-signed-in');
      // The flow cookie is gone after the callback (single use).
      expect((await person.context.cookies()).map((c) => c.name)).not.toContain('pb_sso_flow');

      await signInWithSso(stranger.page, 'stranger@team-e2e.local');
      expect(new URL(stranger.page.url()).pathname).toBe('/signin');
      await stranger.page.getByText('There is no Plugboard account for you yet.').waitFor();
      await shot(stranger.page, '11-sso-no-account');

      // A callback this browser did not start (no flow cookie: login CSRF, REQ-1) is refused without asking the API.
      await forger.page.goto('/signin/sso/callback?code=forged&state=forged');
      expect(new URL(forger.page.url()).pathname).toBe('/signin');
      await forger.page.getByText('started in another browser').waitFor();
    } finally {
      await person.context.close();
      await stranger.context.close();
      await forger.context.close();
    }
  });

  it('a signed-in person accepts an invitation to another tenant as themselves, then switches between their tenants', async () => {
    const second = await stack.newTenant('Second tenant');
    const invited = await api('POST', '/api/v1/invitations', { authorization: `Bearer ${second.apiKey}` }, { email: OWNER.email, role: 'admin' });
    expect(invited.status).toBe(201);
    const { context, page } = await newPage();
    try {
      await signInWithPassword(page, OWNER.email, OWNER.password);
      // One tenant: no switcher yet.
      expect(await page.getByLabel('Tenant', { exact: true }).count()).toBe(0);

      await page.goto(new URL(invited.body.data.inviteUrl).pathname);
      expect(await page.getByTestId('invite-tenant').innerText()).toBe('Second tenant');
      await page.getByRole('button', { name: `Accept as ${OWNER.email}` }).click();
      await page.waitForURL((u) => u.pathname === '/');
      expect(await headerRole(page)).toBe('Admin');
      const switcher = page.getByLabel('Tenant', { exact: true });
      expect(await switcher.inputValue()).toBe(second.tenantId);
      expect(await page.getByRole('link', { name: 'Team sandbox' }).count()).toBe(0); // the other tenant's integration
      await shot(page, '12-second-tenant');

      await switcher.selectOption(tenant.tenantId);
      await page.getByRole('button', { name: 'Switch' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await page.getByRole('link', { name: 'Team sandbox' }).first().waitFor();
      expect(await headerRole(page)).toBe('Owner');
      expect(await page.getByLabel('Tenant', { exact: true }).inputValue()).toBe(tenant.tenantId);
    } finally {
      await context.close();
    }
  });
});
