import { ingestWebhook, type IngestOutcome } from '../../webhooks/ingest.ts';
import type { AppContext } from '../../context.ts';

const NO_QUERY = new URLSearchParams();

/**
 * POST /webhooks/:provider[/:integrationId] — the durable-before-ack path (api/webhooks/ingest.ts). The ack
 * never waits on Temporal: the insert's NOTIFY wakes the dispatchers (workers/webhook-dispatcher.ts).
 */
export async function receiveWebhook(ctx: AppContext): Promise<void> {
  const providerKey = String(ctx.params.provider);
  const result = await ingestWebhook(ctx.deps, {
    providerKey,
    integrationId: ctx.params.integrationId,
    stream: ctx.req,
    declaredLength: ctx.request.length,
    query: ctx.querystring ? new URLSearchParams(ctx.querystring) : NO_QUERY,
    endpointUrl: `${ctx.deps.env.PUBLIC_URL}${ctx.path}`,
  });
  const known = Boolean(ctx.deps.providers.builtIns.get(providerKey)?.webhook);
  ctx.metrics.webhookRequests.inc({ provider: known ? providerKey : 'unknown', outcome: result.outcome });
  respond(ctx, result);
}

/** Each outcome's HTTP answer, in one place. */
function respond(ctx: AppContext, result: IngestOutcome): void {
  switch (result.outcome) {
    case 'accepted':
      ctx.status = 200;
      ctx.body = { received: true, ...(result.eventIds.length === 1 ? { eventId: result.eventIds[0] } : {}), duplicate: false };
      return;
    case 'duplicate':
      ctx.status = 200;
      ctx.body = { received: true, duplicate: true };
      return;
    case 'ignored':
      ctx.status = 200;
      ctx.body = { received: true };
      return;
    case 'unrouted':
      // Authentic, kept for the operator, processed for no one.
      ctx.status = 202;
      ctx.body = { received: true, routed: 0 };
      return;
    case 'handshake':
      ctx.status = result.response.status;
      ctx.type = result.response.contentType;
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.body = result.response.body;
      return;
    case 'rejected':
      return error(ctx, result.status, result.code, result.message);
    case 'too_large':
      return error(ctx, 413, 'payload_too_large', result.message);
    case 'unavailable':
      return error(ctx, 503, 'unavailable', result.message);
  }
}

function error(ctx: AppContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.body = { error: { code, message } };
}
