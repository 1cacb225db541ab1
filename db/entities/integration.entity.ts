import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';

export const INTEGRATION_STATUSES = ['pending', 'active', 'error', 'disconnected'] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];

/**
 * One connection of a tenant to a provider (the seed's model, extended). `credentials` (tokens) and
 * `secrets` (tenant-supplied client id/secret, webhook secrets) are vault ciphertexts bound to this row.
 */
export const Integration = defineEntity({
  name: 'Integration',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('int')),
    tenantId: p.string(),
    provider: p.string(),
    displayName: p.string().nullable(),
    status: p.enum(INTEGRATION_STATUSES).default('pending'),
    settings: p.json<Record<string, unknown>>().onCreate(() => ({})),
    credentials: p.text().nullable().hidden(),
    secrets: p.text().nullable().hidden(),
    /** Key id of the vault key that encrypted this row's ciphertexts (rotation walks rows by it). */
    keyId: p.string().nullable(),
    tokenExpiresAt: p.datetime().nullable(),
    /**
     * When the refresh token stops working, where the provider's token response (`refresh_token_expires_in`), its
     * documentation or the tenant (`settings.refreshTokenLifetimeDays`) states it: reauthorization is due then.
     */
    refreshTokenExpiresAt: p.datetime().nullable(),
    /**
     * The refresh lease (db/refresh-lease.ts): the refresh attempt (`workflowId/runId/activityId/attempt`) that alone may
     * present the refresh token until `refreshLeaseExpiresAt`, and when a refresh last stored its tokens.
     */
    refreshLeaseHolder: p.string().nullable().hidden(),
    refreshLeaseExpiresAt: p.datetime().nullable().hidden(),
    refreshedAt: p.datetime().nullable().hidden(),
    scopes: p.json<string[]>().nullable(),
    externalAccountId: p.string().nullable(),
    /**
     * The OAuth app this integration connected through, as the provider's webhooks name it (Slack `app_id`, a
     * GitHub App's id; otherwise the client id), set at connect. App-level webhooks route by it.
     */
    oauthAppId: p.string().nullable(),
    /** A GitHub App installation the user reached at connect (App webhooks name installations, not users). */
    externalInstallationId: p.string().nullable(),
    lastSync: p.datetime().nullable(),
    /** Provider sync cursors per model (history id, sync token, timestamp…): not secret. */
    syncState: p.json<Record<string, unknown>>().nullable(),
    lastError: p.text().nullable(),
    errorCount: p.integer().default(0),
    workflowId: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  uniques: [{ properties: ['tenantId', 'provider'] }],
  indexes: [
    { properties: ['tenantId', 'status'] },
    { properties: ['provider', 'externalAccountId'] },
    // App-level webhook routing (api/webhooks/ingest.ts): by app and account, or by app installation.
    { properties: ['provider', 'oauthAppId', 'externalAccountId'] },
    { properties: ['provider', 'externalInstallationId'] },
    { properties: ['keyId'] },
  ],
});
export type Integration = InferEntity<typeof Integration>;
