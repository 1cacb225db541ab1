import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { notFound } from '../../lib/errors.ts';
import type { Vault } from '../../lib/vault.ts';
import { UnroutedWebhookEvent, WebhookEvent, type WebhookEventStatus } from '../entities/index.ts';
import { keysetPage, type Page } from '../keyset.ts';

/**
 * A delivery id or event type as stored: PostgreSQL text cannot hold NUL (a verified payload may still carry
 * one in an id or type), and the columns are varchar(255).
 */
export function webhookEventLabel(value: string): string {
  return (value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value).slice(0, 255);
}

/**
 * Inserts a verified event unless (integration, deliveryId) exists already: duplicates are acknowledged
 * and not processed again (docs/architecture.md).
 */
export async function insertWebhookEvent(
  em: EntityManager,
  vault: Vault,
  input: { tenantId: string; integrationId: string; provider: string; eventType: string; deliveryId: string; payload: string },
): Promise<{ event: WebhookEvent; duplicate: boolean }> {
  const event = em.create(
    WebhookEvent,
    { ...input, deliveryId: webhookEventLabel(input.deliveryId), eventType: webhookEventLabel(input.eventType) },
    { persist: false },
  );
  const result = await em
    .createQueryBuilder(WebhookEvent)
    .insert({
      id: event.id,
      tenantId: event.tenantId,
      integrationId: event.integrationId,
      provider: event.provider,
      eventType: event.eventType,
      deliveryId: event.deliveryId,
      payload: vault.encrypt(input.payload, webhookPayloadContext(event)),
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

/** The vault context that binds a stored payload to its row (AAD). */
export const webhookPayloadContext = (event: Pick<WebhookEvent, 'tenantId' | 'id'>) => ({
  tenantId: event.tenantId,
  entity: 'webhook_event',
  id: event.id,
  field: 'payload',
});

/** The stored payload in clear text (rows written before encryption are returned as they are). */
export function readEventPayload(vault: Vault, event: WebhookEvent): string {
  return event.payload.startsWith('enc:') ? vault.decrypt(event.payload, webhookPayloadContext(event)) : event.payload;
}

/** Re-encrypts a payload with the active key (key rotation). */
export function reencryptEventPayload(vault: Vault, event: WebhookEvent): void {
  event.payload = event.payload.startsWith('enc:')
    ? vault.reencrypt(event.payload, webhookPayloadContext(event))
    : vault.encrypt(event.payload, webhookPayloadContext(event));
  event.keyId = vault.activeKid;
}

export async function listWebhookEvents(
  em: EntityManager,
  tenantId: string,
  query: { integrationId?: string; status?: WebhookEventStatus; cursor?: string; limit: number },
): Promise<Page<WebhookEvent>> {
  const where: FilterQuery<WebhookEvent> = { tenantId };
  if (query.integrationId) where.integrationId = query.integrationId;
  if (query.status) where.status = query.status;
  return keysetPage(em, WebhookEvent, where, { cursor: query.cursor, limit: query.limit, order: 'desc' });
}

export async function getWebhookEvent(em: EntityManager, tenantId: string, id: string): Promise<WebhookEvent> {
  const event = await em.findOne(WebhookEvent, { id, tenantId });
  if (!event) throw notFound('Webhook event');
  return event;
}

/** Counts one delivery attempt of each event (before it is made, so a crash mid-request still counts). */
export async function recordForwardAttempts(em: EntityManager, eventIds: string[]): Promise<void> {
  if (eventIds.length)
    await em.getConnection().execute('update webhook_event set attempts = attempts + 1, last_attempt_at = now() where id in (?)', [eventIds]);
}

/** Takes back the attempts counted for events that were not sent after all (a batch stopped before them). */
export async function unrecordForwardAttempts(em: EntityManager, eventIds: string[]): Promise<void> {
  if (eventIds.length) await em.getConnection().execute('update webhook_event set attempts = attempts - 1 where id in (?) and attempts > 0', [eventIds]);
}

/** The vault context of an unrouted event's payload: it belongs to no tenant, only to the operator. */
export const unroutedPayloadContext = (event: Pick<UnroutedWebhookEvent, 'id'>) => ({
  tenantId: 'operator',
  entity: 'unrouted_webhook_event',
  id: event.id,
  field: 'payload',
});

/**
 * Keeps a verified app-level delivery that matched no integration, encrypted, unless (provider, deliveryId)
 * is kept already. Never dispatched: nothing reads these rows but the operator's listing.
 */
export async function insertUnroutedEvent(
  em: EntityManager,
  vault: Vault,
  input: { provider: string; eventType: string; deliveryId: string; accountId?: string; appId?: string; payload: string },
): Promise<{ eventId: string; duplicate: boolean }> {
  const event = em.create(
    UnroutedWebhookEvent,
    {
      provider: input.provider,
      eventType: webhookEventLabel(input.eventType),
      deliveryId: webhookEventLabel(input.deliveryId),
      accountId: input.accountId ? webhookEventLabel(input.accountId) : null,
      appId: input.appId ? webhookEventLabel(input.appId) : null,
      payload: '',
      keyId: vault.activeKid,
    },
    { persist: false },
  );
  const result = await em
    .createQueryBuilder(UnroutedWebhookEvent)
    .insert({
      id: event.id,
      provider: event.provider,
      eventType: event.eventType,
      deliveryId: event.deliveryId,
      accountId: event.accountId,
      appId: event.appId,
      payload: vault.encrypt(input.payload, unroutedPayloadContext(event)),
      keyId: vault.activeKid,
      createdAt: event.createdAt,
    })
    .onConflict(['provider', 'deliveryId'])
    .ignore()
    .execute();
  return { eventId: event.id, duplicate: (result as { affectedRows?: number }).affectedRows === 0 };
}

/** The newest unrouted events, without their payloads (operators: `plugboard webhooks unrouted`). */
export async function listUnroutedEvents(
  em: EntityManager,
  query: { provider?: string; limit: number },
): Promise<Pick<UnroutedWebhookEvent, 'id' | 'provider' | 'eventType' | 'deliveryId' | 'accountId' | 'appId' | 'createdAt'>[]> {
  const rows = await em.find(UnroutedWebhookEvent, query.provider ? { provider: query.provider } : {}, {
    orderBy: { id: 'desc' },
    limit: query.limit,
    fields: ['id', 'provider', 'eventType', 'deliveryId', 'accountId', 'appId', 'createdAt'],
  });
  return rows.map(({ id, provider, eventType, deliveryId, accountId, appId, createdAt }) => ({
    id,
    provider,
    eventType,
    deliveryId,
    accountId,
    appId,
    createdAt,
  }));
}

/** Re-encrypts an unrouted event's payload with the active key (key rotation). */
export function reencryptUnroutedPayload(vault: Vault, event: UnroutedWebhookEvent): void {
  event.payload = vault.reencrypt(event.payload, unroutedPayloadContext(event));
  event.keyId = vault.activeKid;
}
