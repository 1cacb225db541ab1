import { z } from 'zod';
import { WEBHOOK_EVENT_STATUSES, type WebhookEvent } from '../../../../../db/entities/index.ts';
import { getWebhookEvent, listWebhookEvents, readEventPayload } from '../../../../../db/repositories/webhook-events.repository.ts';
import { notFound } from '../../../../../lib/errors.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';
import { cursor, integrationId, limit } from '../../../../validation.ts';

export const query = z
  .object({ integrationId: integrationId.optional(), status: z.enum(WEBHOOK_EVENT_STATUSES).optional(), cursor: cursor.optional(), limit })
  .strict();
const SECRET_KEY = /token|secret|password|signature|authorization|api[_-]?key|challenge/i;

export function presentEvent(e: WebhookEvent) {
  return {
    id: e.id,
    integrationId: e.integrationId,
    provider: e.provider,
    eventType: e.eventType,
    deliveryId: e.deliveryId,
    status: e.status,
    attempts: e.attempts,
    lastAttemptAt: e.lastAttemptAt,
    processedAt: e.processedAt,
    errorMessage: e.errorMessage,
    createdAt: e.createdAt,
  };
}

/** Replaces values under secret-looking keys, at any depth, for display. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(v)]));
  return value;
}

/** GET /api/v1/webhook-events?integrationId&status&cursor&limit — newest first. */
export async function listEvents(ctx: AppContext): Promise<void> {
  const q = query.parse(ctx.query);
  const page = await listWebhookEvents(ctx.state.em, tenantIdOf(ctx), q);
  ok(ctx, page.items.map(presentEvent));
  ctx.body = { ...(ctx.body as object), nextCursor: page.nextCursor };
}

export function eventIdParam(ctx: AppContext): string {
  const id = String(ctx.params.id ?? '');
  if (!/^evt_[0-9a-z]{26}$/.test(id)) throw notFound('Webhook event');
  return id;
}

/** GET /api/v1/webhook-events/:id — with the payload, secrets redacted. */
export async function getEvent(ctx: AppContext): Promise<void> {
  const event = await getWebhookEvent(ctx.state.em, tenantIdOf(ctx), eventIdParam(ctx));
  const raw = readEventPayload(ctx.deps.vault, event);
  let payload: unknown;
  try {
    payload = redact(JSON.parse(raw));
  } catch {
    payload = { raw: raw.length > 10_000 ? `${raw.slice(0, 10_000)}…` : raw };
  }
  ok(ctx, { ...presentEvent(event), payload });
}
