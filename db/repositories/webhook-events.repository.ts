import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { notFound } from '../../lib/errors.ts';
import type { Vault } from '../../lib/vault.ts';
import { WebhookEvent, type WebhookEventStatus } from '../entities/index.ts';

/**
 * Inserts a verified event unless (integration, deliveryId) exists already: duplicates are acknowledged
 * and not processed again (DESIGN.md §7).
 */
export async function insertWebhookEvent(
  em: EntityManager,
  vault: Vault,
  input: { tenantId: string; integrationId: string; provider: string; eventType: string; deliveryId: string; payload: string },
): Promise<{ event: WebhookEvent; duplicate: boolean }> {
  // PostgreSQL text cannot hold NUL: a verified payload may still carry one in an id or type.
  const clean = (s: string) => s.replaceAll('\u0000', '\uFFFD').slice(0, 255);
  const event = em.create(WebhookEvent, { ...input, deliveryId: clean(input.deliveryId), eventType: clean(input.eventType) }, { persist: false });
  const result = await em
    .createQueryBuilder(WebhookEvent)
    .insert({
      id: event.id,
      tenantId: event.tenantId,
      integrationId: event.integrationId,
      provider: event.provider,
      eventType: event.eventType,
      deliveryId: event.deliveryId,
      payload: vault.encrypt(input.payload, payloadContext(event)),
      keyId: vault.activeKid,
      status: 'pending',
      attempts: 0,
      createdAt: event.createdAt,
    })
    .onConflict(['integrationId', 'deliveryId'])
    .ignore()
    .execute();
  return { event, duplicate: (result as { affectedRows?: number }).affectedRows === 0 };
}

const payloadContext = (event: Pick<WebhookEvent, 'tenantId' | 'id'>) => ({ tenantId: event.tenantId, entity: 'webhook_event', id: event.id, field: 'payload' });

/** The stored payload in clear text (rows written before encryption are returned as they are). */
export function readEventPayload(vault: Vault, event: WebhookEvent): string {
  return event.payload.startsWith('enc:') ? vault.decrypt(event.payload, payloadContext(event)) : event.payload;
}

/** Re-encrypts a payload with the active key (key rotation). */
export function reencryptEventPayload(vault: Vault, event: WebhookEvent): void {
  event.payload = event.payload.startsWith('enc:') ? vault.reencrypt(event.payload, payloadContext(event)) : vault.encrypt(event.payload, payloadContext(event));
  event.keyId = vault.activeKid;
}

export async function listWebhookEvents(
  em: EntityManager,
  tenantId: string,
  query: { integrationId?: string; status?: WebhookEventStatus; cursor?: string; limit: number },
): Promise<{ items: WebhookEvent[]; nextCursor: string | null }> {
  const where: FilterQuery<WebhookEvent> = { tenantId };
  if (query.integrationId) where.integrationId = query.integrationId;
  if (query.status) where.status = query.status;
  if (query.cursor) where.id = { $lt: query.cursor };
  const items = await em.find(WebhookEvent, where, { orderBy: { id: 'desc' }, limit: query.limit + 1 });
  const more = items.length > query.limit;
  if (more) items.pop();
  return { items, nextCursor: more ? items[items.length - 1]!.id : null };
}

export async function getWebhookEvent(em: EntityManager, tenantId: string, id: string): Promise<WebhookEvent> {
  const event = await em.findOne(WebhookEvent, { id, tenantId });
  if (!event) throw notFound('Webhook event');
  return event;
}

/** Pending events older than `olderThanMs` (their workflow start failed or never ran): for the sweeper. */
export async function findStalePending(em: EntityManager, olderThanMs: number, limit: number): Promise<WebhookEvent[]> {
  return em.find(WebhookEvent, { status: 'pending', createdAt: { $lt: new Date(Date.now() - olderThanMs) } }, { orderBy: { createdAt: 'asc' }, limit });
}

/** Counts one delivery attempt to the tenant (before it is made, so a crash mid-request still counts). */
export async function recordForwardAttempt(em: EntityManager, eventId: string): Promise<void> {
  await em.getConnection().execute('update webhook_event set attempts = attempts + 1, last_attempt_at = now() where id = ?', [eventId]);
}
