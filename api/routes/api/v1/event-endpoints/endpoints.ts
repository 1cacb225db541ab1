import { z } from 'zod';
import type { EventEndpoint } from '../../../../../db/entities/index.ts';
import { EventEndpointRepository } from '../../../../../db/repositories/event-endpoints.repository.ts';
import { badRequest, conflict, notFound } from '../../../../../lib/errors.ts';
import { TENANT_EVENT_TYPES } from '../../../../../lib/events/types.ts';
import { forwardUrlProblem } from '../../../../../lib/net-guard.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';

/** At most this many endpoints per tenant: each event is written once per endpoint. */
export const MAX_ENDPOINTS = 20;

const url = z.url({ protocol: /^https?$/, error: 'url must be an http or https URL' }).max(2000);
const eventTypes = z
  .array(z.enum(TENANT_EVENT_TYPES, { error: `eventTypes lists event types from: ${TENANT_EVENT_TYPES.join(', ')}` }))
  .min(1, 'eventTypes needs at least one event type; leave it out (or null) for every type')
  .max(TENANT_EVENT_TYPES.length)
  .nullable();
const description = z.string().trim().max(500);

export const createBody = z.object({ url, eventTypes: eventTypes.optional(), description: description.optional() }).strict();
export const updateBody = z
  .object({ url, eventTypes, description, enabled: z.boolean() })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'send at least one of url, eventTypes, description, enabled' });

export function endpointsOf(ctx: AppContext): EventEndpointRepository {
  return new EventEndpointRepository(ctx.state.em, tenantIdOf(ctx), ctx.deps.vault);
}

/** A malformed id is a 404 like an unknown one (or another tenant's). */
export function endpointIdParam(ctx: AppContext): string {
  const id = String(ctx.params.id ?? '');
  if (!/^wep_[0-9a-z]{26}$/.test(id)) throw notFound('Event endpoint');
  return id;
}

/** The same rule as `forwardUrl` (lib/net-guard.ts): http or https, https in production; checked again per delivery. */
function checkUrl(ctx: AppContext, value: string | undefined): void {
  const problem = value && forwardUrlProblem(value, { production: ctx.deps.env.NODE_ENV === 'production' });
  if (problem) {
    const message = problem.replace('forwardUrl', 'url');
    throw badRequest('url_not_allowed', message, [{ path: 'url', message }]);
  }
}

/** The public shape: never a secret. */
export function presentEndpoint(endpoint: EventEndpoint) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes ?? null,
    enabled: !endpoint.disabledAt,
    disabledAt: endpoint.disabledAt ?? null,
    disabledReason: endpoint.disabledReason ?? null,
    failingSince: endpoint.failingSince ?? null,
    previousSecretExpiresAt:
      endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > Date.now() ? endpoint.previousSecretExpiresAt : null,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
  };
}

/** POST /api/v1/event-endpoints {url, eventTypes?, description?} — 201 with the signing secret, shown this once. */
export async function createEventEndpoint(ctx: AppContext): Promise<void> {
  const input = createBody.parse(ctx.request.body ?? {});
  checkUrl(ctx, input.url);
  const repo = endpointsOf(ctx);
  if ((await repo.count()) >= MAX_ENDPOINTS) throw conflict('too_many_endpoints', `A tenant has at most ${MAX_ENDPOINTS} event endpoints; delete one first.`);
  const { endpoint, secret } = await repo.create({ url: input.url, description: input.description ?? '', eventTypes: input.eventTypes ?? null });
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Location', `/api/v1/event-endpoints/${endpoint.id}`);
  ok(ctx, { ...presentEndpoint(endpoint), secret }, 201);
}

/** GET /api/v1/event-types — the types an endpoint can subscribe to (the dashboard's checkboxes read them here). */
export async function listEventTypes(ctx: AppContext): Promise<void> {
  ok(ctx, [...TENANT_EVENT_TYPES]);
}

/** GET /api/v1/event-endpoints */
export async function listEventEndpoints(ctx: AppContext): Promise<void> {
  ok(ctx, (await endpointsOf(ctx).list()).map(presentEndpoint));
}

/** GET /api/v1/event-endpoints/:id */
export async function getEventEndpoint(ctx: AppContext): Promise<void> {
  ok(ctx, presentEndpoint(await endpointsOf(ctx).get(endpointIdParam(ctx))));
}

/** PATCH /api/v1/event-endpoints/:id {url?, eventTypes?, description?, enabled?} — `enabled: true` re-enables a disabled endpoint. */
export async function updateEventEndpoint(ctx: AppContext): Promise<void> {
  const id = endpointIdParam(ctx);
  const patch = updateBody.parse(ctx.request.body ?? {});
  checkUrl(ctx, patch.url);
  ok(ctx, presentEndpoint(await endpointsOf(ctx).update(id, patch)));
}

/** DELETE /api/v1/event-endpoints/:id — with its deliveries and their attempts. */
export async function deleteEventEndpoint(ctx: AppContext): Promise<void> {
  await endpointsOf(ctx).delete(endpointIdParam(ctx));
  ctx.status = 204;
}

/** POST /api/v1/event-endpoints/:id/rotate-secret — the new secret, shown once; the previous one signs beside it for 24 h. */
export async function rotateEventEndpointSecret(ctx: AppContext): Promise<void> {
  const { endpoint, secret } = await endpointsOf(ctx).rotateSecret(endpointIdParam(ctx));
  ctx.set('Cache-Control', 'no-store');
  ok(ctx, { ...presentEndpoint(endpoint), secret }, 201);
}
