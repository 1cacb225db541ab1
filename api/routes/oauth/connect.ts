import { findFlowByConnectToken, openFlow } from '../../../db/repositories/oauth-flows.repository.ts';
import { randomSecret } from '../../../lib/ids.ts';
import { buildAuthorizationRequest, clientConfiguration } from '../../../lib/oauth/client.ts';
import type { AppContext } from '../../context.ts';
import { flowCookieName, oauthErrorPage, setFlowCookie } from './page.ts';
import { Integration } from '../../../db/entities/index.ts';

/**
 * GET /oauth/connect/:token — the one-time connect URL. Binds the flow to this browser with an httpOnly
 * cookie, then redirects to the provider with a fresh `state` and PKCE S256 (REQ-1, REQ-3).
 */
export async function openConnectUrl(ctx: AppContext): Promise<void> {
  // No API key here: the one-time connect token is the credential, and it names the tenant's flow.
  const flow = await findFlowByConnectToken(ctx.state.em, String(ctx.params.token ?? ''));
  if (!flow || flow.expiresAt.getTime() < Date.now()) {
    return oauthErrorPage(ctx, 400, 'invalid_connect_url', 'This connect link is unknown or has expired. Start the connection again from the dashboard.');
  }
  if (flow.openedAt) return oauthErrorPage(ctx, 400, 'connect_url_used', 'This connect link was already used. Start the connection again.');
  const integration = await ctx.state.em.findOne(Integration, { id: flow.integrationId, tenantId: flow.tenantId });
  if (!integration) return oauthErrorPage(ctx, 404, 'integration_not_found', 'This integration no longer exists.');
  const { providers } = ctx.deps;
  const def = await providers.resolve(ctx.state.em, flow.tenantId, flow.provider);
  const config = clientConfiguration(def, await providers.clientCredentials(ctx.state.em, integration));
  const request = await buildAuthorizationRequest(def, config, { redirectUri: flow.redirectUri, scopes: flow.scopes });
  const binding = randomSecret(32);
  if (!(await openFlow(ctx.state.em, ctx.deps.vault, flow, { state: request.state, codeVerifier: request.codeVerifier, browserBinding: binding }))) {
    return oauthErrorPage(ctx, 400, 'connect_url_used', 'This connect link was already used. Start the connection again.');
  }
  setFlowCookie(ctx, flowCookieName(flow.id), binding, Math.ceil((flow.expiresAt.getTime() - Date.now()) / 1000));
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.status = 302;
  ctx.redirect(request.url);
}
