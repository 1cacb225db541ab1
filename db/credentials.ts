import type { TokenSet } from '../lib/oauth/tokens.ts';
import type { Vault } from '../lib/vault.ts';
import type { Integration } from './entities/index.ts';

/** Tokens held for a connected integration. Never leaves activities/the token API (REQ-10, REQ-19). */
export type StoredCredentials = TokenSet;

/** Write-only secrets a tenant sets through PATCH `secrets` (client id/secret of its own app, webhook secrets…). */
export type IntegrationSecrets = Record<string, string>;

const ctx = (integration: Pick<Integration, 'tenantId' | 'id'>, field: 'credentials' | 'secrets' | 'returnedTokens') => ({
  tenantId: integration.tenantId,
  entity: 'integration',
  id: integration.id,
  field,
});

/** The one place that yields decrypted integration credentials (docs/conventions.md §13). */
export function readCredentials(vault: Vault, integration: Pick<Integration, 'tenantId' | 'id' | 'credentials'>): StoredCredentials | undefined {
  return integration.credentials ? vault.decryptJson<StoredCredentials>(integration.credentials, ctx(integration, 'credentials')) : undefined;
}

export function writeCredentials(vault: Vault, integration: Integration, value: StoredCredentials | undefined): void {
  integration.credentials = value ? vault.encryptJson(value, ctx(integration, 'credentials')) : null;
  integration.keyId = vault.activeKid;
}

/**
 * A token set the provider returned but PostgreSQL would not take yet: sealed by the vault for the integration
 * (AAD: tenant, row, field `returnedTokens`), so only ciphertext crosses into the workflow and its history (REQ-19).
 */
export function sealReturnedTokens<T>(vault: Vault, integration: Pick<Integration, 'tenantId' | 'id'>, value: T): string {
  return vault.encryptJson(value, ctx(integration, 'returnedTokens'));
}

export function openReturnedTokens<T>(vault: Vault, integration: Pick<Integration, 'tenantId' | 'id'>, sealed: string): T {
  return vault.decryptJson<T>(sealed, ctx(integration, 'returnedTokens'));
}

export function readSecrets(vault: Vault, integration: Integration): IntegrationSecrets {
  return integration.secrets ? vault.decryptJson<IntegrationSecrets>(integration.secrets, ctx(integration, 'secrets')) : {};
}

export function writeSecrets(vault: Vault, integration: Integration, value: IntegrationSecrets): void {
  integration.secrets = Object.keys(value).length ? vault.encryptJson(value, ctx(integration, 'secrets')) : null;
  // Re-encrypt the other ciphertext too so the whole row is under one key id.
  if (integration.credentials) integration.credentials = vault.reencrypt(integration.credentials, ctx(integration, 'credentials'));
  integration.keyId = vault.activeKid;
}

/** Re-encrypts every ciphertext of the row with the active key. Returns whether anything changed. */
export function reencryptIntegration(vault: Vault, integration: Integration): boolean {
  if (integration.keyId === vault.activeKid) return false;
  if (integration.credentials) integration.credentials = vault.reencrypt(integration.credentials, ctx(integration, 'credentials'));
  if (integration.secrets) integration.secrets = vault.reencrypt(integration.secrets, ctx(integration, 'secrets'));
  integration.keyId = vault.activeKid;
  return true;
}
