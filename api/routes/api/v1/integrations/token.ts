import { readCredentials, type StoredCredentials } from '../../../../../db/credentials.ts';
import type { KeyedIntegration } from '../../../../../db/repositories/api-keys.repository.ts';
import { AppError, notFound } from '../../../../../lib/errors.ts';
import { isStaticMode, staticTokenView } from '../../../../../lib/oauth/modes.ts';
import { tokenNeedsRefreshAt } from '../../../../../lib/oauth/tokens.ts';
import type { ProviderDefinition } from '../../../../../providers/types.ts';
import { connectionsOf } from '../../../../connections.ts';
import { integrationsOf, ok, tenantIdOf, type AppContext } from '../../../../context.ts';
import { prefetchedIntegration } from '../../../../middleware/api-key-auth.ts';
import { integrationIdParam } from './params.ts';

/**
 * GET /api/v1/integrations/:id/token — the only response that carries a provider token (REQ-10), for the
 * tenant's backend; `Cache-Control: no-store`.
 *
 * The hot path reads no database row: an active integration's encrypted token set comes from the process's
 * token cache (db/token-cache.ts, dropped by PostgreSQL NOTIFY on every token or status change) and is
 * decrypted per call. A miss, another tenant's id, a token due for refresh or an inactive integration take the
 * full path below, whose answer (404, 409, a refresh) is the authority; when the API key missed its cache too,
 * the row was read in the key's query (one round trip for the whole miss).
 */
export async function getToken(ctx: AppContext): Promise<void> {
  const id = integrationIdParam(ctx);
  const tenantId = tenantIdOf(ctx);
  const cache = ctx.deps.tokens;
  const hit = cache.get(id);
  if (hit && hit.tenantId === tenantId) {
    const credentials = readCredentials(ctx.deps.vault, hit);
    const due = credentials && hit.refreshSupported ? tokenNeedsRefreshAt(credentials) : null;
    if (credentials && !isStaticMode(credentials.mode) && (due === null || Date.now() < due)) return respond(ctx, credentials);
    // A static credential's answer needs its entry's placement: the entry of the provider kept with the cached row
    // (built-in: no query). Never due: a static credential does not expire.
    if (credentials && isStaticMode(credentials.mode) && hit.provider) {
      return respond(ctx, credentials, await ctx.deps.providers.resolve(ctx.state.em, hit.tenantId, hit.provider));
    }
    cache.invalidate(id);
  }

  // On an API-key cache miss, the key's query already read this row (api/middleware/api-key-auth.ts): one round
  // trip for both. The cache generation was taken before that read, so a NOTIFY since keeps it out of the cache.
  const prefetched = prefetchedIntegration(ctx, id);
  const readAt = prefetched ? prefetched.readAt : cache.generation();
  const repo = integrationsOf(ctx);
  if (prefetched && !prefetched.row) throw notFound('Integration');
  const row: KeyedIntegration = prefetched?.row ?? (await repo.get(id));
  if (row.status !== 'active') {
    throw new AppError(409, 'not_connected', `The integration is ${row.status}${row.lastError ? `: ${row.lastError}` : ''}. Connect it first.`);
  }
  let credentials = readCredentials(ctx.deps.vault, row);
  const def = await ctx.deps.providers.resolve(ctx.state.em, row.tenantId, row.provider);
  const due = credentials && def.refresh.supported ? tokenNeedsRefreshAt(credentials) : null;
  // The workflow refreshes well before this point; only when it is late does the caller ask (single-flight).
  if (due !== null && Date.now() >= due) {
    const outcome = await connectionsOf(ctx.deps).ensureFresh({ em: ctx.state.em, integration: await repo.get(id) });
    if (!outcome.ok) throw new AppError(409, 'refresh_failed', outcome.error ?? 'The token could not be refreshed.');
    ctx.state.em.clear();
    credentials = readCredentials(ctx.deps.vault, await repo.get(id));
  } else if (credentials && row.credentials) {
    cache.set({ id, tenantId: row.tenantId, credentials: row.credentials, refreshSupported: def.refresh.supported, provider: row.provider }, readAt);
  }
  if (!credentials) throw new AppError(409, 'not_connected', 'No token is stored for this integration. Connect it first.');
  respond(ctx, credentials, def);
}

/**
 * One answer per mode (docs/architecture.md "Auth modes"): the bearer shape `{ accessToken, tokenType, expiresAt }`
 * for the authorization-code grant and the minted modes; `{ type: 'api_key' | 'basic', …values, headers, query,
 * expiresAt: null }` for a static credential, with the headers and query parameters the provider expects.
 */
function respond(ctx: AppContext, credentials: StoredCredentials, def?: ProviderDefinition): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  if (isStaticMode(credentials.mode) && def?.auth) return ok(ctx, staticTokenView(def.auth, credentials.mode));
  ok(ctx, { accessToken: credentials.accessToken, tokenType: 'Bearer', expiresAt: credentials.expiresAt ? new Date(credentials.expiresAt) : null });
}
