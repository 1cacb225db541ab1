import { randomBytes } from 'node:crypto';
import type { Vault } from '../lib/vault.ts';
import type { EventEndpoint, TenantEvent } from './entities/index.ts';

/** How long the secret before a rotation keeps signing beside the new one. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3_600_000;

const ctx = (row: { tenantId: string; id: string }, entity: 'event_endpoint' | 'tenant_event', field: string) => ({
  tenantId: row.tenantId,
  entity,
  id: row.id,
  field,
});

/** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function newEndpointSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Stores a new secret; the current one, if any, keeps signing for PREVIOUS_SECRET_GRACE_MS (rotation). */
export function setEndpointSecret(vault: Vault, endpoint: EventEndpoint, secret: string, now = new Date()): void {
  if (endpoint.secret) {
    const current = vault.decrypt(endpoint.secret, ctx(endpoint, 'event_endpoint', 'secret'));
    endpoint.previousSecret = vault.encrypt(current, ctx(endpoint, 'event_endpoint', 'previousSecret'));
    endpoint.previousSecretExpiresAt = new Date(now.getTime() + PREVIOUS_SECRET_GRACE_MS);
  }
  endpoint.secret = vault.encrypt(secret, ctx(endpoint, 'event_endpoint', 'secret'));
  endpoint.keyId = vault.activeKid;
}

/** The secrets that sign a delivery now: the current one, then the previous one during its grace period. */
export function signingSecrets(vault: Vault, endpoint: EventEndpoint, now = Date.now()): string[] {
  const secrets = [vault.decrypt(endpoint.secret, ctx(endpoint, 'event_endpoint', 'secret'))];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > now)
    secrets.push(vault.decrypt(endpoint.previousSecret, ctx(endpoint, 'event_endpoint', 'previousSecret')));
  return secrets;
}

export function sealEventData(vault: Vault, event: TenantEvent, data: Record<string, unknown>): void {
  event.data = vault.encryptJson(data, ctx(event, 'tenant_event', 'data'));
  event.keyId = vault.activeKid;
}

export function openEventData(vault: Vault, event: TenantEvent): Record<string, unknown> {
  return vault.decryptJson<Record<string, unknown>>(event.data, ctx(event, 'tenant_event', 'data'));
}

/** Re-encrypts an endpoint's secrets with the vault's newest key (key rotation, db/rotate-keys.ts). */
export function reencryptEndpointSecrets(vault: Vault, endpoint: EventEndpoint): void {
  endpoint.secret = vault.reencrypt(endpoint.secret, ctx(endpoint, 'event_endpoint', 'secret'));
  if (endpoint.previousSecret) endpoint.previousSecret = vault.reencrypt(endpoint.previousSecret, ctx(endpoint, 'event_endpoint', 'previousSecret'));
  endpoint.keyId = vault.activeKid;
}

/** Re-encrypts an event's data with the vault's newest key (key rotation, db/rotate-keys.ts). */
export function reencryptEventData(vault: Vault, event: TenantEvent): void {
  event.data = vault.reencrypt(event.data, ctx(event, 'tenant_event', 'data'));
  event.keyId = vault.activeKid;
}
