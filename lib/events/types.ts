/**
 * Plugboard's own lifecycle events to a tenant's backend (docs/architecture.md "Tenant events"), in the Standard
 * Webhooks envelope `{ type, timestamp, data }`. `data` carries ids and facts, never a token or a secret (REQ-19).
 */
export const TENANT_EVENT_TYPES = [
  'integration.connected',
  'integration.disconnected',
  'integration.reauthorization_required',
  'integration.refresh_failing',
  'endpoint.disabled',
  'provider.incident_started',
  'provider.incident_resolved',
] as const;
export type TenantEventType = (typeof TENANT_EVENT_TYPES)[number];

/** The body every endpoint receives; the event id travels as `webhook-id`. */
export interface TenantEventEnvelope {
  type: TenantEventType;
  timestamp: string;
  data: Record<string, unknown>;
}

export function eventEnvelope(event: { type: string; createdAt: Date }, data: Record<string, unknown>): TenantEventEnvelope {
  return { type: event.type as TenantEventType, timestamp: event.createdAt.toISOString(), data };
}
