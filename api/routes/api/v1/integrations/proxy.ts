import { Readable } from 'node:stream';
import getRawBody from 'raw-body';
import { readCredentials, type StoredCredentials } from '../../../../../db/credentials.ts';
import type { Integration } from '../../../../../db/entities/index.ts';
import { recordProxyOutcome, scopeOf } from '../../../../../db/incidents.ts';
import { AppError } from '../../../../../lib/errors.ts';
import { incidentPolicy } from '../../../../../lib/incidents.ts';
import { outboundBlockedCause } from '../../../../../lib/net-guard.ts';
import { isStaticMode, staticInjection } from '../../../../../lib/oauth/modes.ts';
import { tokenNeedsRefreshAt } from '../../../../../lib/oauth/tokens.ts';
import { apiBaseFor } from '../../../../../providers/api-base.ts';
import { accountApiHeaders, apiAuthorization } from '../../../../../providers/catalog/connect-metadata.ts';
import { connectionsOf } from '../../../../connections.ts';
import { integrationsOf, type AppContext } from '../../../../context.ts';
import { integrationIdParam } from './params.ts';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);
/** Never forwarded upstream: the tenant's own credentials and our cookies. */
const REQUEST_DROP = new Set([
  ...HOP_BY_HOP,
  'authorization',
  'cookie',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-request-id',
  'accept-encoding',
]);
const RESPONSE_DROP = new Set([...HOP_BY_HOP, 'set-cookie', 'content-encoding']);
/** Bodies up to this size are buffered so a 401 can be retried once; larger ones stream without a retry. */
const REPLAYABLE_BYTES = 1024 * 1024;

/**
 * `/api/v1/integrations/:id/proxy/*` — authenticated calls to the provider's API with a fresh token.
 * Only the provider's API base is reachable (no SSRF); a 401 refreshes once through the connection
 * workflow and retries once; 429 passes through with Retry-After; bodies stream both ways.
 */
export async function proxyRequest(ctx: AppContext): Promise<void> {
  const repo = integrationsOf(ctx);
  let integration = await repo.get(integrationIdParam(ctx));
  if (integration.status !== 'active') throw new AppError(409, 'not_connected', `The integration is ${integration.status}. Connect it first.`);
  const def = await ctx.deps.providers.resolve(ctx.state.em, integration.tenantId, integration.provider);
  const base = apiBaseFor(def, integration.settings);
  if (!base) throw new AppError(422, 'no_api_base', `${def.name} has no API base URL to proxy to.`);
  const target = proxyTarget(base, String(ctx.params.path ?? ''), ctx.querystring);
  // A custom provider's endpoints, and a base taken from the connection's token response (Salesforce instance_url),
  // are not operator configuration: they go through the outbound guard (lib/net-guard.ts).
  const outboundFetch = def.fetch ?? (base === def.apiBaseUrl ? fetch : ctx.deps.providers.outbound.fetch);

  // Fixed headers, then values captured at connect (Xero's tenant id); the caller's own headers override both.
  const headers = new Headers({ ...def.apiHeaders, ...accountApiHeaders(def, integration.settings) });
  for (const [k, v] of Object.entries(ctx.headers))
    if (v !== undefined && !REQUEST_DROP.has(k.toLowerCase())) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  let body: Buffer | Readable | undefined;
  let replayable = true;
  if (!['GET', 'HEAD'].includes(ctx.method)) {
    if (ctx.request.length !== undefined && ctx.request.length <= REPLAYABLE_BYTES)
      body = await getRawBody(ctx.req, { length: ctx.request.length, limit: REPLAYABLE_BYTES });
    else {
      body = ctx.req;
      replayable = false;
    }
  }

  const tokenFor = async (row: Integration, force: boolean): Promise<StoredCredentials> => {
    let credentials = readCredentials(ctx.deps.vault, row);
    const due = credentials && def.refresh.supported ? tokenNeedsRefreshAt(credentials) : null;
    if (force || (due !== null && Date.now() >= due)) {
      const outcome = force
        ? await connectionsOf(ctx.deps).refreshNow({ em: ctx.state.em, integration: row })
        : await connectionsOf(ctx.deps).ensureFresh({ em: ctx.state.em, integration: row });
      if (!outcome.ok) throw new AppError(409, 'refresh_failed', outcome.error ?? 'The token could not be refreshed.');
      ctx.state.em.clear();
      integration = row = await repo.get(row.id);
      credentials = readCredentials(ctx.deps.vault, row);
    }
    if (!credentials) throw new AppError(409, 'not_connected', 'No token is stored for this integration.');
    return credentials;
  };

  // Provider incidents count failed proxy calls (5xx, no answer): recorded off the request path (db/incidents.ts).
  const recordOutcome = (failure: string | null) => {
    const source = { integrationId: integration.id, tenantId: integration.tenantId, scope: scopeOf(integration, def) };
    recordProxyOutcome(ctx.deps.orm.em.fork(), ctx.deps.vault, incidentPolicy(ctx.deps.env), source, failure).catch((error: Error) =>
      ctx.deps.logger.warn({ integrationId: source.integrationId, err: error.message }, 'proxy outcome not recorded'),
    );
  };

  // A static credential (API key, Basic) goes where its entry places it: headers and/or query parameters.
  const injected =
    def.auth && isStaticMode(def.auth) ? (credentials: StoredCredentials) => credentials.mode && staticInjection(def.auth!, credentials.mode) : () => undefined;
  const send = async (credentials: StoredCredentials) => {
    try {
      const placed = injected(credentials);
      if (placed) {
        for (const [name, value] of Object.entries(placed.headers)) headers.set(name, value);
        for (const [name, value] of Object.entries(placed.query)) target.searchParams.set(name, value);
      } else {
        // `Authorization: Bearer`, or the entry's own header (Shopify's X-Shopify-Access-Token).
        headers.set(...apiAuthorization(def, credentials.accessToken));
      }
    } catch {
      // Headers.set's TypeError quotes the value (a credential with a control character): never passed on (REQ-19).
      throw new AppError(
        409,
        'invalid_stored_credentials',
        `The stored ${def.name} credential cannot be sent in an HTTP header. Connect the integration again.`,
      );
    }
    try {
      return await outboundFetch(target, {
        method: ctx.method,
        headers,
        body: body instanceof Readable ? (Readable.toWeb(body) as ReadableStream) : body,
        redirect: 'manual',
        signal: AbortSignal.timeout(60_000),
        ...(body instanceof Readable ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (error) {
      const blocked = outboundBlockedCause(error);
      if (blocked?.reason === 'blocked') throw new AppError(422, 'url_not_allowed', `The provider API is not reachable from here: ${blocked.message}.`);
      recordOutcome('unreachable');
      throw new AppError(502, 'provider_unreachable', `${def.name} did not answer.`);
    }
  };

  let response = await send(await tokenFor(integration, false));
  // A static credential has nothing to refresh: its 401 goes back to the caller as it is.
  if (response.status === 401 && replayable && !(def.auth && isStaticMode(def.auth))) {
    await response.body?.cancel();
    response = await send(await tokenFor(integration, true));
  }
  recordOutcome(response.status >= 500 ? `HTTP ${response.status}` : null);
  ctx.status = response.status;
  response.headers.forEach((value, key) => {
    if (!RESPONSE_DROP.has(key.toLowerCase())) ctx.set(key, value);
  });
  ctx.set('Cache-Control', response.headers.get('cache-control') ?? 'no-store');
  ctx.body = response.body ? Readable.fromWeb(response.body as never) : null;
}

/** Joins the requested path onto the API base; anything that leaves the base (other host, `..`) is refused. */
export function proxyTarget(base: string, path: string, query: string): URL {
  const root = new URL(base.endsWith('/') ? base : `${base}/`);
  if (/(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\|@/i.test(path))
    throw new AppError(400, 'invalid_proxy_path', 'The proxy path may not contain dot segments, encoded slashes or credentials.');
  const target = new URL(path.replace(/^\/+/, ''), root);
  if (target.origin !== root.origin || !target.pathname.startsWith(root.pathname)) {
    throw new AppError(400, 'invalid_proxy_path', 'The proxy path must stay within the provider API.');
  }
  target.search = query;
  return target;
}
