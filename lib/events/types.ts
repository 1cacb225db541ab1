/**
 * Plugboard's own lifecycle events to a tenant's backend (docs/architecture.md "Tenant events"), in the Standard
 * Webhooks envelope `{ type, timestamp, data }`. `data` carries ids and facts, never a token or a secret (REQ-19).
 * docs/webhooks.md "Tenant events" lists what each type's `data` holds.
 */
export const TENANT_EVENT_TYPES = [
  'integration.connected',
  'integration.disconnected',
  'integration.reauthorization_required',
  'integration.refresh_failing',
  'integration.reauthorization_due',
  'integration.push_failed',
  'sync.completed',
  'records.changed',
  'webhook.received',
  'endpoint.disabled',
  'provider.incident_started',
  'provider.incident_resolved',
] as const;
export type TenantEventType = (typeof TENANT_EVENT_TYPES)[number];

/**
 * Why the connection workflow recorded an error status (its `recordStatus` call says so): which lifecycle event,
 * if any, the status change sends. Histories recorded before the field carry none: their log text decides.
 */
export const ERROR_REASONS = ['reauthorization_required', 'refresh_failing', 'provider_revoked', 'app_misconfigured', 'connect_failed'] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

/** At most this many changed records are named in a `records.changed` event; the rest are paged by `since`. */
export const RECORDS_CHANGED_MAX_IDS = 100;

/** The body every endpoint receives; the event id travels as `webhook-id`. */
export interface TenantEventEnvelope {
  type: TenantEventType;
  timestamp: string;
  data: Record<string, unknown>;
}

export function eventEnvelope(event: { type: string; createdAt: Date }, data: Record<string, unknown>): TenantEventEnvelope {
  return { type: event.type as TenantEventType, timestamp: event.createdAt.toISOString(), data };
}
