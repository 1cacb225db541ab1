import Koa from 'koa';
import type { AppCustom, AppDeps, AppState } from './context.ts';
import { webhookEventCounts } from '../db/repositories/stats.repository.ts';
import { createAppMetrics } from '../lib/metrics.ts';
import { accessLog } from './middleware/access-log.ts';
import { clientIp, trustedProxies } from './middleware/client-ip.ts';
import { dashboardProxy } from './middleware/dashboard-proxy.ts';
import { entityManager } from './middleware/entity-manager.ts';
import { errorEnvelope } from './middleware/errors.ts';
import { requestId } from './middleware/request-id.ts';
import { createRouter, createWebhookRouter } from './router.ts';

/** Paths the API serves itself; everything else belongs to the dashboard. */
export const API_PATHS = /^\/(api|oauth|webhooks|sandbox|healthz|readyz|metrics)(\/|$)/;

/** Builds the Koa app from its dependencies; server.ts listens, tests call app.callback(). */
export function createApp(deps: AppDeps, options: { dashboard?: boolean } = {}): Koa<AppState, AppCustom> {
  const app = new Koa<AppState, AppCustom>({ proxy: false });
  app.context.deps = deps;
  app.context.metrics = createAppMetrics(deps.registry, { countEvents: () => webhookEventCounts(deps.orm.em.fork()), ingest: deps.webhookWriter });
  app.silent = true;
  const router = createRouter(deps);
  const webhooks = createWebhookRouter();

  app.use(requestId());
  app.use(clientIp({ trusted: trustedProxies(deps.env) }));
  app.use(accessLog({ logger: deps.logger, metrics: app.context.metrics.http }));
  if (options.dashboard) app.use(dashboardProxy({ target: deps.env.DASHBOARD_URL, publicUrl: deps.env.PUBLIC_URL, ownPaths: API_PATHS }));
  app.use(errorEnvelope({ logger: deps.logger }));
  app.use(webhooks.routes());
  app.use(webhooks.allowedMethods());
  if (deps.sandbox) app.use(deps.sandbox.middleware);
  app.use(entityManager({ orm: deps.orm }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
