import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';

/**
 * The last failed refresh or proxy call of an integration (docs/architecture.md "Provider incidents"), while it is
 * inside the incident window: one row per integration (bounded), dropped once the failure is older than the window.
 * `scope` is the provider as incidents count it: a catalog key, or `custom:<tenantId>:<key>`.
 */
export const ProviderHealth = defineEntity({
  name: 'ProviderHealth',
  properties: {
    integrationId: p.string().primary(),
    tenantId: p.string(),
    scope: p.string(),
    lastFailureAt: p.datetime(),
    lastFailureKind: p.string(),
    /** An error class and HTTP status ("invalid_grant, HTTP 400"), never a token or a response body (REQ-19). */
    lastFailureReason: p.text(),
    lastSuccessAt: p.datetime().nullable(),
  },
  indexes: [{ properties: ['scope', 'lastFailureAt'] }],
});
export type ProviderHealth = InferEntity<typeof ProviderHealth>;

/** A provider incident: at most one open (`resolvedAt` null) per scope, by a unique partial index (migration). */
export const ProviderIncident = defineEntity({
  name: 'ProviderIncident',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('inc')),
    scope: p.string(),
    provider: p.string(),
    /** The tenant of a custom provider; null for a catalog provider (every tenant's integrations count). */
    tenantId: p.string().nullable(),
    reason: p.text(),
    failingIntegrations: p.integer(),
    totalIntegrations: p.integer(),
    peakFailurePercent: p.integer(),
    failurePercent: p.integer(),
    /** Since when the failure rate has stayed below the threshold (the quiet period runs from here). */
    belowSince: p.datetime().nullable(),
    startedAt: p.datetime(),
    resolvedAt: p.datetime().nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['provider', 'startedAt'] }],
});
export type ProviderIncident = InferEntity<typeof ProviderIncident>;
