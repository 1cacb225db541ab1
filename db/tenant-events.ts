import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../lib/ids.ts';
import type { TenantEventType } from '../lib/events/types.ts';
import type { Vault } from '../lib/vault.ts';
import { EventDelivery, EventEndpoint, TenantEvent } from './entities/index.ts';
import { sealEventData } from './event-endpoint-secrets.ts';

export interface TenantEventInput {
  tenantId: string;
  type: TenantEventType;
  /** Ids and facts only: never a token or a secret (REQ-19). */
  data: Record<string, unknown>;
  integrationId?: string;
}

/**
 * The one way a tenant event is emitted (docs/architecture.md "Tenant events"): the event row and one delivery per
 * enabled endpoint subscribed to its type, persisted on `em` and written by the caller's next flush — the same
 * transaction as the change the event reports, so an event exists exactly when its change was committed (the
 * outbox). The insert's NOTIFY wakes the workers' relays on commit. `except` leaves out an endpoint (the one an
 * `endpoint.disabled` event is about); `endpoints` are the tenant's enabled ones when the caller looked them up
 * already (a batch of events). Returns the event, or null when no endpoint wants it (nothing is written).
 */
export async function emitTenantEvent(
  em: EntityManager,
  vault: Vault,
  input: TenantEventInput,
  options: { except?: string; endpoints?: EventEndpoint[] } = {},
): Promise<TenantEvent | null> {
  const endpoints = options.endpoints ?? (await enabledEndpoints(em, input.tenantId));
  const subscribed = endpoints.filter((e) => e.id !== options.except && subscribes(e, input.type));
  if (!subscribed.length) return null;
  const now = new Date();
  const event = em.create(TenantEvent, {
    id: newId('msg'),
    tenantId: input.tenantId,
    type: input.type,
    integrationId: input.integrationId ?? null,
    data: '',
    createdAt: now,
  });
  sealEventData(vault, event, input.data);
  for (const endpoint of subscribed)
    em.create(EventDelivery, {
      tenantId: input.tenantId,
      endpointId: endpoint.id,
      eventId: event.id,
      eventType: input.type,
      nextAttemptAt: now,
      createdAt: now,
    });
  return event;
}

/** The tenant's enabled endpoints: looked up once for many events of one tenant (`emitTenantEvent`'s `endpoints`). */
export function enabledEndpoints(em: EntityManager, tenantId: string): Promise<EventEndpoint[]> {
  return em.find(EventEndpoint, { tenantId, disabledAt: null });
}

/** Whether the endpoint takes events of this type (no list: every type). */
export function subscribes(endpoint: EventEndpoint, type: TenantEventType): boolean {
  return !endpoint.eventTypes || endpoint.eventTypes.includes(type);
}
