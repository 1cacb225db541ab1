import type { EntityManager } from '@mikro-orm/postgresql';
import type { Integration } from '../db/entities/index.ts';
import { openEventData, sealEventData } from '../db/event-endpoint-secrets.ts';
import { createFlow } from '../db/repositories/oauth-flows.repository.ts';
import { emitTenantEvent } from '../db/tenant-events.ts';
import { randomSecret } from '../lib/ids.ts';
import type { ActivityDeps } from './deps.ts';

/** The facts every integration event carries: ids and names, never a token or a secret (REQ-19). */
function integrationFacts(row: Integration): Record<string, unknown> {
  return {
    integrationId: row.id,
    provider: row.provider,
    displayName: row.displayName ?? null,
    externalAccountId: row.externalAccountId ?? null,
    status: row.status,
  };
}

/**
 * The integration lifecycle events, emitted by the activities that write the status they report, on the same
 * EntityManager inside the same transaction (db/tenant-events.ts): the event is committed exactly when the
 * status is.
 */
export function createTenantEventEmitters(deps: ActivityDeps) {
  const { vault, providers, env } = deps;

  const emit = (em: EntityManager, row: Integration, type: Parameters<typeof emitTenantEvent>[2]['type'], data: Record<string, unknown>) =>
    emitTenantEvent(em, vault, { tenantId: row.tenantId, integrationId: row.id, type, data: { ...integrationFacts(row), ...data } });

  return {
    connected: (em: EntityManager, row: Integration) => emit(em, row, 'integration.connected', { scopes: row.scopes ?? [] }),

    disconnected: (em: EntityManager, row: Integration, reason: string) => emit(em, row, 'integration.disconnected', { reason }),

    /**
     * With a fresh one-time connect link for the end user, made as `POST …/connect` makes one (the link lives 10
     * minutes, REQ-1; `POST /api/v1/integrations/:id/reconnect` makes another). Nothing is written when no endpoint
     * wants the event, not even the link.
     */
    async reauthorizationRequired(em: EntityManager, row: Integration, reason: string): Promise<void> {
      const event = await emit(em, row, 'integration.reauthorization_required', { reason });
      if (!event) return;
      const def = await providers.resolve(em, row.tenantId, row.provider);
      const connectToken = randomSecret(32);
      const flow = await createFlow(em, {
        tenantId: row.tenantId,
        integrationId: row.id,
        provider: row.provider,
        connectToken,
        redirectUri: providers.redirectUri(def),
        returnTo: `/integrations/${row.id}`,
        scopes: (row.settings.scopes as string[] | undefined) ?? def.defaultScopes,
        expectedIssuer: def.issParameterSupported ? (def.issuer ?? null) : null,
      });
      // The data is sealed by the vault (the link is a one-time credential): re-seal it with the link.
      sealEventData(vault, event, {
        ...openEventData(vault, event),
        connectUrl: `${env.PUBLIC_URL}/oauth/connect/${connectToken}`,
        connectUrlExpiresAt: flow.expiresAt.toISOString(),
      });
    },

    /**
     * An error status the connection workflow recorded (recordStatus), by its log kind and message
     * (workflows/connection.state.ts words them): a dead grant or a provider revocation needs the end user; a
     * transient refresh failure counts towards `integration.refresh_failing`.
     */
    async errorRecorded(em: EntityManager, row: Integration, kind: string, message: string): Promise<void> {
      if (kind === 'provider_revoked' || (kind === 'refresh_failed' && /Reauthorization required/.test(message)))
        await this.reauthorizationRequired(em, row, message);
      else if (kind === 'refresh_failed' && /Refresh failed after retries/.test(message)) await this.refreshFailing(em, row, message);
    },

    /** Sent once, when the consecutive transient refresh failures reach PLUGBOARD_EVENT_REFRESH_FAILING_AFTER. */
    async refreshFailing(em: EntityManager, row: Integration, reason: string): Promise<void> {
      if (row.errorCount !== env.PLUGBOARD_EVENT_REFRESH_FAILING_AFTER) return;
      await emit(em, row, 'integration.refresh_failing', { consecutiveFailures: row.errorCount, reason });
    },
  };
}
