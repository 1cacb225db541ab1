import { readCredentials } from '../../../../../db/credentials.ts';
import { AppError } from '../../../../../lib/errors.ts';
import { ensureFreshUpdate } from '../../../../../workflows/connection.messages.ts';
import { updateConnection } from '../../../../connections.ts';
import { integrationsOf, ok, type AppContext } from '../../../../context.ts';
import { integrationIdParam } from './params.ts';

/** Inside this margin of expiry the token API asks the workflow to refresh first (single-flight). */
const FRESHNESS_MARGIN_MS = 60_000;

/**
 * GET /api/v1/integrations/:id/token — the only response that carries a provider token (REQ-10), for the
 * tenant's backend; `Cache-Control: no-store`.
 */
export async function getToken(ctx: AppContext): Promise<void> {
  const repo = integrationsOf(ctx);
  const id = integrationIdParam(ctx);
  let integration = await repo.get(id);
  if (integration.status !== 'active') {
    throw new AppError(409, 'not_connected', `The integration is ${integration.status}${integration.lastError ? `: ${integration.lastError}` : ''}. Connect it first.`);
  }
  const expiresAt = integration.tokenExpiresAt?.getTime();
  if (expiresAt !== undefined && expiresAt - Date.now() < FRESHNESS_MARGIN_MS) {
    const outcome = await updateConnection(ctx.deps, ctx.state.em, integration, ensureFreshUpdate, []);
    if (!outcome.ok) throw new AppError(409, 'refresh_failed', outcome.error ?? 'The token could not be refreshed.');
    ctx.state.em.clear();
    integration = await repo.get(id);
  }
  const credentials = readCredentials(ctx.deps.vault, integration);
  if (!credentials) throw new AppError(409, 'not_connected', 'No token is stored for this integration. Connect it first.');
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  ok(ctx, { accessToken: credentials.accessToken, tokenType: 'Bearer', expiresAt: credentials.expiresAt ? new Date(credentials.expiresAt) : null });
}
