import { consumeFlow, findFlowByState, finishFlow, storeCallbackParams } from '../../../db/repositories/oauth-flows.repository.ts';
import { Integration } from '../../../db/entities/index.ts';
import { safeEqual, sha256Hex } from '../../../lib/hash.ts';
import { safePathOr } from '../../../lib/safe-path.ts';
import { connectionsOf } from '../../connections.ts';
import type { AppContext } from '../../context.ts';
import { flowCookieName, oauthErrorPage, setFlowCookie } from './page.ts';

/**
 * GET /oauth/callback/:provider (built-ins) and /oauth/callback/custom/:customProviderId — checks state (known,
 * unexpired, unused, REQ-1), the browser binding (REQ-1), that the response arrived on the flow's own redirect
 * URI path and `iss` (mix-up defence, REQ-5), then hands the response to the connection workflow through a
 * Workflow Update and answers 303 to the returnTo, re-checked as a same-origin path (REQ-4), without the code in
 * the Location and with `Referrer-Policy: no-referrer` (REQ-6).
 */
export async function oauthCallback(ctx: AppContext): Promise<void> {
  const params = new URLSearchParams(ctx.querystring);
  const state = params.get('state');
  if (!state) return oauthErrorPage(ctx, 400, 'missing_state', 'The provider sent no state. Start the connection again.');
  const em = ctx.state.em;
  const flow = await findFlowByState(em, state);
  if (!flow) return oauthErrorPage(ctx, 400, 'unknown_state', 'This authorization response does not belong to a connection in progress.');
  const cookie = ctx.cookies.get(flowCookieName(flow.id));
  setFlowCookie(ctx, flowCookieName(flow.id), '', 0);
  // Consume the state first: whatever happens next, this response cannot be replayed.
  if (!(await consumeFlow(em, flow))) return oauthErrorPage(ctx, 400, 'state_already_used', 'This authorization response was already used.');
  if (flow.expiresAt.getTime() < Date.now()) return oauthErrorPage(ctx, 400, 'flow_expired', 'The connection took longer than 10 minutes. Start it again.');
  if (!cookie || !flow.browserBindingHash || !safeEqual(sha256Hex(cookie), flow.browserBindingHash)) {
    await finishFlow(em, flow, 'rejected: other browser');
    return oauthErrorPage(ctx, 400, 'browser_mismatch', 'This connection was started in another browser. Start it again here.');
  }
  // One redirect URI per provider (custom ones per provider row): the path must be the one the flow was started with.
  if (ctx.path !== new URL(flow.redirectUri).pathname) {
    await finishFlow(em, flow, 'rejected: wrong provider path');
    return oauthErrorPage(
      ctx,
      400,
      'provider_mismatch',
      'The authorization response arrived for a different provider than the one the connection was started with.',
    );
  }
  const iss = params.get('iss');
  if (flow.expectedIssuer && iss !== flow.expectedIssuer) {
    await finishFlow(em, flow, 'rejected: issuer mismatch');
    return oauthErrorPage(ctx, 400, 'issuer_mismatch', 'The authorization response names a different issuer than expected.');
  }
  const finish = (result: 'connected' | 'error', reason?: string) => {
    // Re-checked at redirect time (rows written before the check, or by hand, must not make us an open redirector).
    const returnTo = new URL(safePathOr(flow.returnTo, '/'), 'http://plugboard.invalid');
    returnTo.searchParams.set('integration', flow.integrationId);
    returnTo.searchParams.set('connect', result);
    if (reason) returnTo.searchParams.set('reason', reason.slice(0, 200));
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 303;
    ctx.redirect(safePathOr(returnTo.pathname + returnTo.search + returnTo.hash, '/'));
  };
  const providerError = params.get('error');
  if (providerError) {
    await finishFlow(em, flow, `provider error: ${providerError}`);
    return finish('error', /^[a-z_]{1,64}$/.test(providerError) ? providerError : 'provider_error');
  }
  if (!params.get('code')) return oauthErrorPage(ctx, 400, 'missing_code', 'The provider sent no authorization code.');
  const integration = await em.findOne(Integration, { id: flow.integrationId, tenantId: flow.tenantId });
  if (!integration) return oauthErrorPage(ctx, 404, 'integration_not_found', 'This integration no longer exists.');
  await storeCallbackParams(em, ctx.deps.vault, flow, params);
  const outcome = await connectionsOf(ctx.deps).exchangeCode({ em, integration }, flow.id);
  if (!outcome.ok) return finish('error', 'exchange_failed');
  return finish('connected');
}
