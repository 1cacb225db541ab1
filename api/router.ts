import Router from '@koa/router';
import type { AppContext, AppCustom, AppState, Handler } from './context.ts';
import type { AppDeps } from './context.ts';
import { assertRouteTables, auditChanges, authorize } from './authorization.ts';
import { apiKeyAuth } from './middleware/api-key-auth.ts';
import { jsonBody } from './middleware/json-body.ts';
import { healthz, metrics, readyz } from './routes/health.ts';
import { createIntegration } from './routes/api/v1/integrations/create.ts';
import { deleteIntegration } from './routes/api/v1/integrations/delete.ts';
import { getIntegration } from './routes/api/v1/integrations/get.ts';
import { listIntegrations } from './routes/api/v1/integrations/list.ts';
import { updateIntegration } from './routes/api/v1/integrations/update.ts';
import { listProviders } from './routes/api/v1/providers/list.ts';
import { createProvider } from './routes/api/v1/providers/create.ts';
import { getBrandingRoute, updateBrandingRoute } from './routes/api/v1/branding/branding.ts';
import { connectIntegration } from './routes/api/v1/integrations/connect.ts';
import { disconnectIntegration } from './routes/api/v1/integrations/disconnect.ts';
import { listIntegrationLogs } from './routes/api/v1/integrations/logs.ts';
import { refreshIntegration } from './routes/api/v1/integrations/refresh.ts';
import { getToken } from './routes/api/v1/integrations/token.ts';
import { getMe } from './routes/api/v1/me/get.ts';
import { createApiKeyRoute, listApiKeysRoute, revokeApiKeyRoute } from './routes/api/v1/api-keys/api-keys.ts';
import { rotateForwardingSecret } from './routes/api/v1/integrations/forwarding-secret.ts';
import { sendTestEvent } from './routes/api/v1/integrations/test-event.ts';
import { revealWebhookVerification } from './routes/api/v1/integrations/webhook-verification.ts';
import { getEvent, listEvents } from './routes/api/v1/webhook-events/list.ts';
import {
  createEventEndpoint,
  deleteEventEndpoint,
  getEventEndpoint,
  listEventEndpoints,
  listEventTypes,
  rotateEventEndpointSecret,
  updateEventEndpoint,
} from './routes/api/v1/event-endpoints/endpoints.ts';
import { getEndpointDelivery, listDeliveryAttempts, listEndpointDeliveries, replayEndpointDeliveries } from './routes/api/v1/event-endpoints/deliveries.ts';
import { retryEvent } from './routes/api/v1/webhook-events/retry.ts';
import { receiveWebhook } from './routes/webhooks/receive.ts';
import { getStats } from './routes/api/v1/stats/get.ts';
import { openApiRoute } from './openapi.ts';
import { listIncidents } from './routes/api/v1/incidents/list.ts';
import { proxyRequest } from './routes/api/v1/integrations/proxy.ts';
import { listRecords, syncNow, syncStatus } from './routes/api/v1/integrations/sync.ts';
import { oauthCallback } from './routes/oauth/callback.ts';
import { showConnectPage, startConnect } from './routes/oauth/connect.ts';
import { listAuditLog, exportAuditLog } from './routes/api/v1/audit/audit.ts';
import { login } from './routes/api/v1/auth/login.ts';
import { getSession, logout, logoutAll } from './routes/api/v1/auth/session.ts';
import { getSso, ssoCallback, startSsoRoute } from './routes/api/v1/auth/sso.ts';
import {
  acceptInvitationRoute,
  createInvitationRoute,
  listInvitationsRoute,
  revokeInvitationRoute,
  showInvitation,
} from './routes/api/v1/invitations/invitations.ts';
import { listMembersRoute, removeMemberRoute, updateMemberRoute } from './routes/api/v1/members/members.ts';

/**
 * The provider webhook endpoints, mounted ahead of everything else in the app but the request id, access log
 * and error envelope (api/app.ts): the hottest path skips the sandbox, the per-request EntityManager and
 * the matching of every API route. Raw bytes: no body parser before verification.
 */
export function createWebhookRouter(): Router<AppState, AppCustom> {
  const router = new Router<AppState, AppCustom>({ prefix: '/webhooks' });
  router.post('/:provider', receiveWebhook as Handler);
  router.post('/:provider/:integrationId', receiveWebhook as Handler);
  return router;
}

/** Every other route with its middleware, in one place (docs/conventions.md §7). */
export function createRouter(deps: AppDeps): Router<AppState, AppCustom> {
  const router = new Router<AppState, AppCustom>();
  const h = (handler: (ctx: AppContext) => Promise<void>): Handler => handler;

  router.get('/healthz', h(healthz));
  router.get('/readyz', h(readyz));
  router.get('/metrics', h(metrics));
  router.get('/oauth/connect/:token', h(showConnectPage));
  router.post('/oauth/connect/:token', h(startConnect));
  router.get('/oauth/callback/:provider', h(oauthCallback));
  router.get('/oauth/callback/custom/:customProviderId', h(oauthCallback));

  // Sign-in and invitation links: no credentials (api/authorization.ts "public"); mounted ahead of the
  // authenticated routers, so their handlers answer before any auth runs.
  const pub = new Router<AppState, AppCustom>({ prefix: '/api/v1' });
  // (The JSON body parser per route: a router-level one would also run ahead of the proxy, which streams.)
  const body = jsonBody();
  pub.post('/auth/login', body, h(login));
  pub.get('/auth/sso', h(getSso));
  pub.post('/auth/sso/start', body, h(startSsoRoute));
  pub.post('/auth/sso/callback', body, h(ssoCallback));
  pub.get('/invitations/:token', h(showInvitation));
  pub.post('/invitations/:token/accept', body, h(acceptInvitationRoute));

  const v1 = new Router<AppState, AppCustom>({ prefix: '/api/v1' });
  const auth = apiKeyAuth({ orm: deps.orm, cache: deps.apiKeys });
  // Who (auth), may they (the role table), and what they changed (the audit trail): api/authorization.ts.
  v1.use(auth, authorize(), auditChanges(), jsonBody());
  v1.get('/auth/session', h(getSession));
  v1.post('/auth/logout', h(logout));
  v1.post('/auth/logout-all', h(logoutAll));
  v1.get('/members', h(listMembersRoute));
  v1.patch('/members/:userId', h(updateMemberRoute));
  v1.delete('/members/:userId', h(removeMemberRoute));
  v1.get('/invitations', h(listInvitationsRoute));
  v1.post('/invitations', h(createInvitationRoute));
  v1.delete('/invitations/:id', h(revokeInvitationRoute));
  v1.get('/audit-log', h(listAuditLog));
  v1.get('/audit-log/export', h(exportAuditLog));
  v1.get('/me', h(getMe));
  v1.get('/api-keys', h(listApiKeysRoute));
  v1.post('/api-keys', h(createApiKeyRoute));
  v1.delete('/api-keys/:id', h(revokeApiKeyRoute));
  v1.get('/stats', h(getStats));
  v1.get('/incidents', h(listIncidents));
  v1.get('/branding', h(getBrandingRoute));
  v1.patch('/branding', h(updateBrandingRoute));
  v1.get('/providers', h(listProviders));
  v1.post('/providers', h(createProvider));
  v1.get('/integrations', h(listIntegrations));
  v1.post('/integrations', h(createIntegration));
  v1.get('/integrations/:id', h(getIntegration));
  v1.patch('/integrations/:id', h(updateIntegration));
  v1.delete('/integrations/:id', h(deleteIntegration));
  v1.post('/integrations/:id/connect', h(connectIntegration));
  v1.post('/integrations/:id/reconnect', h(connectIntegration));
  v1.post('/integrations/:id/refresh', h(refreshIntegration));
  v1.post('/integrations/:id/disconnect', h(disconnectIntegration));
  v1.get('/integrations/:id/token', h(getToken));
  v1.get('/integrations/:id/logs', h(listIntegrationLogs));
  v1.post('/integrations/:id/test-event', h(sendTestEvent));
  v1.post('/integrations/:id/forwarding-secret', h(rotateForwardingSecret));
  v1.post('/integrations/:id/webhook-verification', h(revealWebhookVerification));
  v1.post('/integrations/:id/sync', h(syncNow));
  v1.get('/integrations/:id/sync-status', h(syncStatus));
  v1.get('/integrations/:id/records', h(listRecords));
  v1.get('/webhook-events', h(listEvents));
  v1.get('/webhook-events/:id', h(getEvent));
  v1.post('/webhook-events/:id/retry', h(retryEvent));
  v1.get('/event-types', h(listEventTypes));
  v1.get('/event-endpoints', h(listEventEndpoints));
  v1.post('/event-endpoints', h(createEventEndpoint));
  v1.get('/event-endpoints/:id', h(getEventEndpoint));
  v1.patch('/event-endpoints/:id', h(updateEventEndpoint));
  v1.delete('/event-endpoints/:id', h(deleteEventEndpoint));
  v1.post('/event-endpoints/:id/rotate-secret', h(rotateEventEndpointSecret));
  v1.get('/event-endpoints/:id/deliveries', h(listEndpointDeliveries));
  v1.get('/event-endpoints/:id/deliveries/:deliveryId', h(getEndpointDelivery));
  v1.get('/event-endpoints/:id/deliveries/:deliveryId/attempts', h(listDeliveryAttempts));
  v1.post('/event-endpoints/:id/replay', h(replayEndpointDeliveries));

  // The proxy streams bodies: API-key auth, but no JSON body parser.
  const proxy = new Router<AppState, AppCustom>({ prefix: '/api/v1' });
  proxy.use(auth, authorize());
  proxy.all('/integrations/:id/proxy{/*path}', h(proxyRequest));

  // The OpenAPI document needs no API key (no tenant data): registered ahead of both /api/v1 routers, it answers before their auth.
  router.get('/api/v1/openapi.json', h(openApiRoute(router)));
  router.use(pub.routes());
  router.use(proxy.routes());
  router.use(v1.routes(), v1.allowedMethods());
  assertRouteTables(router);
  return router;
}
