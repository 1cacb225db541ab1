import { createHmac } from 'node:crypto';
import getRawBody from 'raw-body';
import { Integration, type OAuthFlow } from '../../../db/entities/index.ts';
import { readSecrets } from '../../../db/credentials.ts';
import { consumeFlow, findFlowByConnectToken, finishFlow, openFlow, storeCallbackParams } from '../../../db/repositories/oauth-flows.repository.ts';
import { brandingOf, findTenant, type Branding } from '../../../db/repositories/tenants.repository.ts';
import { safeEqual } from '../../../lib/hash.ts';
import { randomSecret } from '../../../lib/ids.ts';
import { buildAuthorizationRequest, clientConfiguration } from '../../../lib/oauth/client.ts';
import { connectRefusal, credentialFields, credentialsSchema, githubAppNotConfigured, ownGithubApp } from '../../../lib/oauth/modes.ts';
import { safePathOr } from '../../../lib/safe-path.ts';
import { connectionsOf } from '../../connections.ts';
import type { Vault } from '../../../lib/vault.ts';
import type { ProviderDefinition } from '../../../providers/types.ts';
import type { AppContext } from '../../context.ts';
import { renderConnectPage } from './connect-page.ts';
import { connectCookieName, flowCookieName, oauthErrorPage, setConnectCookie, setFlowCookie, setPageHeaders } from './page.ts';

/**
 * The one-time connect URL. Opening it (GET) only shows the connect page: who asks, which provider, which scopes,
 * and a Connect button; link previewers and scanners that fetch it change nothing. Only the page's own POST —
 * same-origin, with a token bound to the cookie the GET set — opens the flow (state + PKCE, REQ-1, REQ-3),
 * consumes the link and sends the browser to the provider. Without that step a link sent to someone already
 * signed in at a provider that skips consent would hand their account to whoever created the link.
 */

interface LoadedFlow {
  flow: OAuthFlow;
  integration: Integration;
  def: ProviderDefinition;
}

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

/** GET /oauth/connect/:token — the connect page. */
export async function showConnectPage(ctx: AppContext): Promise<void> {
  const loaded = await loadFlow(ctx);
  if (!loaded) return;
  const { flow } = loaded;
  const tenant = await findTenant(ctx.state.em, flow.tenantId);
  if (!tenant) return oauthErrorPage(ctx, 404, 'integration_not_found', 'This integration no longer exists.');
  // One cookie per flow and browser; a second GET (another tab, a reload) keeps it so every open page stays valid.
  const cookieName = connectCookieName(flow.id);
  let cookie = ctx.cookies.get(cookieName);
  if (!cookie || !COOKIE_VALUE.test(cookie)) {
    cookie = randomSecret(32);
    setConnectCookie(ctx, cookieName, cookie, secondsLeft(flow));
  }
  renderPage(ctx, loaded, brandingOf(tenant), cookie, 200);
}

/** The connect page of a loaded flow: the Connect button, or the credential form of a mode that takes credentials. */
function renderPage(ctx: AppContext, { flow, def }: LoadedFlow, branding: Branding, cookie: string, status: number, error?: string): void {
  const { html, csp } = renderConnectPage({
    branding,
    providerName: def.name,
    authorizationUrl: def.authorizationUrl,
    scopes: flow.scopes,
    action: ctx.path,
    csrfToken: csrfToken(ctx.deps.vault, flow.id, cookie),
    expiresAt: flow.expiresAt,
    ...(def.auth ? { fields: credentialFields(def.auth), ...(def.apiBaseUrl ? { apiHost: new URL(def.apiBaseUrl).host } : {}) } : {}),
    ...(error ? { error } : {}),
  });
  ctx.status = status;
  setPageHeaders(ctx, csp);
  ctx.body = html;
}

/** POST /oauth/connect/:token — the Connect button: checks the request came from the page in this browser, then 303 to the provider. */
export async function startConnect(ctx: AppContext): Promise<void> {
  const refused = () =>
    oauthErrorPage(
      ctx,
      403,
      'connect_forbidden',
      'This request to connect did not come from the connect page in this browser. Open the connect link again and press Connect there.',
    );
  // Fetch metadata and Origin first: a cross-site form never gets further (the token check below would refuse it too).
  const site = ctx.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') return refused();
  // The page's `Referrer-Policy: no-referrer` makes browsers send `Origin: null` on its own form post (Fetch,
  // "serializing a request origin"), so null tells nothing; any other foreign origin is refused.
  const origin = ctx.get('origin');
  if (origin && origin !== 'null' && origin !== new URL(ctx.deps.env.PUBLIC_URL).origin) return refused();
  const loaded = await loadFlow(ctx);
  if (!loaded) return;
  const { flow, integration, def } = loaded;
  // A credential form may carry a service-account key file (32 kB); the Connect button's form is only its CSRF token.
  const form = await readForm(ctx, def.auth ? '32kb' : '4kb');
  if (form === undefined) return;
  const submitted = form.get('csrf') ?? '';
  const cookie = ctx.cookies.get(connectCookieName(flow.id));
  if (!cookie || !COOKIE_VALUE.test(cookie) || !submitted || !safeEqual(submitted, csrfToken(ctx.deps.vault, flow.id, cookie))) return refused();
  if (def.auth) return submitCredentials(ctx, loaded, cookie, form);

  const { providers } = ctx.deps;
  const config = clientConfiguration(def, await providers.clientCredentials(ctx.state.em, integration));
  const request = await buildAuthorizationRequest(def, config, { redirectUri: flow.redirectUri, scopes: flow.scopes });
  const binding = randomSecret(32);
  if (!(await openFlow(ctx.state.em, ctx.deps.vault, flow, { state: request.state, codeVerifier: request.codeVerifier, browserBinding: binding }))) {
    return oauthErrorPage(ctx, 400, 'connect_url_used', 'This connect link was already used. Start the connection again.');
  }
  setConnectCookie(ctx, connectCookieName(flow.id), '', 0);
  setFlowCookie(ctx, flowCookieName(flow.id), binding, secondsLeft(flow));
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'no-referrer');
  // 303: the provider gets a GET, never a replay of this POST (RFC 9700 §4.12).
  ctx.status = 303;
  ctx.redirect(request.url);
}

/** The flow a connect URL names, while it can still be used; otherwise answers with an error page and returns null. */
async function loadFlow(ctx: AppContext): Promise<LoadedFlow | null> {
  // No API key here: the one-time connect token names the tenant's flow.
  const flow = await findFlowByConnectToken(ctx.state.em, String(ctx.params.token ?? ''));
  if (!flow || flow.expiresAt.getTime() < Date.now()) {
    oauthErrorPage(ctx, 400, 'invalid_connect_url', 'This connect link is unknown or has expired. Start the connection again from the dashboard.');
    return null;
  }
  if (flow.openedAt) {
    oauthErrorPage(ctx, 400, 'connect_url_used', 'This connect link was already used. Start the connection again.');
    return null;
  }
  const integration = await ctx.state.em.findOne(Integration, { id: flow.integrationId, tenantId: flow.tenantId });
  if (!integration) {
    oauthErrorPage(ctx, 404, 'integration_not_found', 'This integration no longer exists.');
    return null;
  }
  // Templated providers (Shopify `{shop}`…) are resolved with the values the connect call stored on the integration.
  const def = await ctx.deps.providers.resolveFor(ctx.state.em, integration);
  return { flow, integration, def };
}

/**
 * The credential form's submission: validated per mode (the page comes back, empty, naming what is wrong), then the
 * link is used up, the credentials are sealed on the flow and the connection workflow checks or mints with them
 * (only the flow id crosses Temporal, REQ-19). Success is a 303 to the flow's returnTo; a refusal is an error page
 * naming the provider's status. No value from the form is ever written into a page, a redirect, a log or an error.
 */
async function submitCredentials(ctx: AppContext, loaded: LoadedFlow, cookie: string, form: URLSearchParams): Promise<void> {
  const { flow, integration, def } = loaded;
  const raw: Record<string, string> = {};
  for (const field of credentialFields(def.auth!)) {
    const v = form.get(field.name)?.trim();
    if (v) raw[field.name] = v;
  }
  const parsed = credentialsSchema(def.auth!).safeParse(raw);
  if (!parsed.success) {
    const tenant = await findTenant(ctx.state.em, flow.tenantId);
    if (!tenant) return oauthErrorPage(ctx, 404, 'integration_not_found', 'This integration no longer exists.');
    const problems = parsed.error.issues.map((issue) => `${labelOf(def, String(issue.path[0] ?? ''))}: ${issue.message}`);
    return renderPage(ctx, loaded, brandingOf(tenant), cookie, 400, `Check the form: ${problems.join('; ')}.`);
  }
  if (def.auth?.mode === 'github_app' && !ownGithubApp(readSecrets(ctx.deps.vault, integration))) {
    return oauthErrorPage(ctx, 400, 'app_not_configured', `${githubAppNotConfigured(def.name)}.`);
  }
  const { em } = ctx.state;
  // The link works once: claimed before anything is stored.
  if (
    !(await openFlow(em, ctx.deps.vault, flow, { state: randomSecret(32), codeVerifier: null, browserBinding: randomSecret(32) })) ||
    !(await consumeFlow(em, flow))
  ) {
    return oauthErrorPage(ctx, 400, 'connect_url_used', 'This connect link was already used. Start the connection again.');
  }
  setConnectCookie(ctx, connectCookieName(flow.id), '', 0);
  await storeCallbackParams(em, ctx.deps.vault, flow, new URLSearchParams({ credentials: JSON.stringify(parsed.data) }));
  const outcome = await connectionsOf(ctx.deps).exchangeCode({ em, integration }, flow.id);
  await finishFlow(em, flow, outcome.ok ? 'connected' : 'error: credentials');
  if (!outcome.ok) {
    const refusal = connectRefusal(outcome.error);
    return oauthErrorPage(ctx, refusal.status, refusal.code, `${refusal.message ?? `${def.name} did not accept the credentials`}. Start the connection again.`);
  }
  const returnTo = new URL(safePathOr(flow.returnTo, '/'), 'http://plugboard.invalid');
  returnTo.searchParams.set('integration', flow.integrationId);
  returnTo.searchParams.set('connect', 'connected');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Cache-Control', 'no-store');
  ctx.status = 303;
  ctx.redirect(safePathOr(returnTo.pathname + returnTo.search + returnTo.hash, '/'));
}

const labelOf = (def: ProviderDefinition, name: string) => credentialFields(def.auth!).find((f) => f.name === name)?.label ?? name;

/** The submitted form; undefined after answering a body that is not a urlencoded form within `limit`. */
async function readForm(ctx: AppContext, limit: '4kb' | '32kb'): Promise<URLSearchParams | undefined> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    oauthErrorPage(ctx, 415, 'unsupported_media_type', 'Submit the Connect form of the connect page.');
    return undefined;
  }
  try {
    const text = await getRawBody(ctx.req, { limit, encoding: 'utf8', length: ctx.request.length });
    return new URLSearchParams(text);
  } catch {
    oauthErrorPage(ctx, 400, 'invalid_body', 'The form could not be read. Open the connect link again.');
    return undefined;
  }
}

const csrfKeys = new WeakMap<Vault, Buffer>();

/** HMAC(flow id, this browser's connect cookie) under a key derived from the vault: bound to the browser, nothing stored. */
function csrfToken(vault: Vault, flowId: string, cookie: string): string {
  let key = csrfKeys.get(vault);
  if (!key) {
    key = createHmac('sha256', vault.keyring.keys.get(vault.keyring.activeKid)!).update('plugboard-connect-csrf-v1').digest();
    csrfKeys.set(vault, key);
  }
  return createHmac('sha256', key).update(`${flowId}.${cookie}`).digest('base64url');
}

function secondsLeft(flow: OAuthFlow): number {
  return Math.max(1, Math.ceil((flow.expiresAt.getTime() - Date.now()) / 1000));
}
