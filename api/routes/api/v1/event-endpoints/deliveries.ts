import { z } from 'zod';
import { EVENT_DELIVERY_STATUSES, type EventDelivery, type EventDeliveryAttempt } from '../../../../../db/entities/index.ts';
import { getDelivery, listAttempts, listDeliveries, replayDeliveries } from '../../../../../db/repositories/event-deliveries.repository.ts';
import { notFound } from '../../../../../lib/errors.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';
import { limit } from '../../../../validation.ts';
import { endpointIdParam, endpointsOf } from './endpoints.ts';

const cursor = z.string().max(200);
export const deliveriesQuery = z.object({ status: z.enum(EVENT_DELIVERY_STATUSES).optional(), cursor: cursor.optional(), limit }).strict();
export const attemptsQuery = z.object({ cursor: cursor.optional(), limit }).strict();
export const replayBody = z
  .object({
    since: z.iso.datetime({ offset: true, error: 'since must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z' }).transform((s) => new Date(s)),
    onlyFailed: z.boolean().default(false),
  })
  .strict();

function presentDelivery(d: EventDelivery) {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt ?? null,
    lastAttemptAt: d.lastAttemptAt ?? null,
    lastStatusCode: d.lastStatusCode ?? null,
    lastError: d.lastError ?? null,
    deliveredAt: d.deliveredAt ?? null,
    createdAt: d.createdAt,
  };
}

function presentAttempt(a: EventDeliveryAttempt) {
  return {
    id: a.id,
    attemptedAt: a.attemptedAt,
    statusCode: a.statusCode ?? null,
    latencyMs: a.latencyMs,
    responseExcerpt: a.responseExcerpt ?? null,
    error: a.error ?? null,
  };
}

/** GET /api/v1/event-endpoints/:id/deliveries?status&cursor&limit — newest first. */
export async function listEndpointDeliveries(ctx: AppContext): Promise<void> {
  const endpoint = await endpointsOf(ctx).get(endpointIdParam(ctx));
  const q = deliveriesQuery.parse(ctx.query);
  const page = await listDeliveries(ctx.state.em, tenantIdOf(ctx), endpoint.id, q);
  ctx.body = { data: page.items.map(presentDelivery), nextCursor: page.nextCursor };
}

/** The endpoint's delivery named by `:deliveryId` (a malformed id, or another endpoint's, is a 404). */
async function deliveryParam(ctx: AppContext): Promise<EventDelivery> {
  const endpoint = await endpointsOf(ctx).get(endpointIdParam(ctx));
  const deliveryId = String(ctx.params.deliveryId ?? '');
  const delivery = /^dlv_[0-9a-z]{26}$/.test(deliveryId) ? await getDelivery(ctx.state.em, tenantIdOf(ctx), endpoint.id, deliveryId) : null;
  if (!delivery) throw notFound('Delivery');
  return delivery;
}

/** GET /api/v1/event-endpoints/:id/deliveries/:deliveryId */
export async function getEndpointDelivery(ctx: AppContext): Promise<void> {
  ctx.body = { data: presentDelivery(await deliveryParam(ctx)) };
}

/** GET /api/v1/event-endpoints/:id/deliveries/:deliveryId/attempts — oldest first. */
export async function listDeliveryAttempts(ctx: AppContext): Promise<void> {
  const delivery = await deliveryParam(ctx);
  const q = attemptsQuery.parse(ctx.query);
  const page = await listAttempts(ctx.state.em, tenantIdOf(ctx), delivery.id, q);
  ctx.body = { data: page.items.map(presentAttempt), nextCursor: page.nextCursor };
}

/**
 * POST /api/v1/event-endpoints/:id/replay {since, onlyFailed?} — re-queues the endpoint's deliveries created since
 * then (failed ones only, or every one not pending), oldest first, up to 10,000 per call (`more` says to call again).
 */
export async function replayEndpointDeliveries(ctx: AppContext): Promise<void> {
  const endpoint = await endpointsOf(ctx).get(endpointIdParam(ctx));
  const input = replayBody.parse(ctx.request.body ?? {});
  const result = await replayDeliveries(ctx.state.em, tenantIdOf(ctx), endpoint.id, input);
  ok(ctx, { ...result, enabled: !endpoint.disabledAt }, 202);
}
