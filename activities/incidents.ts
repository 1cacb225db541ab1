import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Integration } from '../db/entities/index.ts';
import { canHaveIncident, evaluateScope, openIncident, recordFailure, recordSuccess, scopeOf } from '../db/incidents.ts';
import { incidentHolds, incidentPolicy, probeDelayMs } from '../lib/incidents.ts';
import type { ProviderDefinition } from '../providers/types.ts';
import { ConnectionErrorType, PROVIDER_INCIDENT_ERROR } from '../workflows/connection.messages.ts';
import type { ActivityDeps } from './deps.ts';

/** The classes of failure that would make the workflow ask the end user to reauthorize. */
const REAUTHORIZING: string[] = [ConnectionErrorType.invalidGrant, ConnectionErrorType.invalidClient];

function attemptNumber(): number {
  try {
    return activityInfo().attempt;
  } catch {
    return 1;
  }
}

/**
 * Provider incidents in the refresh and sync activities (docs/architecture.md "Provider incidents"): each refresh
 * outcome is recorded for its provider; while the provider has an open incident, a failed refresh is held as
 * transient (PROVIDER_INCIDENT_ERROR: the workflow tries again at the probe rate, no reauthorization) and syncs are
 * skipped. The bookkeeping never decides a refresh on its own: when PostgreSQL cannot record, the failure keeps
 * its usual class.
 */
export function createIncidentGuard(deps: ActivityDeps) {
  const { orm, vault, env, logger } = deps;
  const policy = incidentPolicy(env);

  return {
    /**
     * A refresh failed at the provider with `failure` (as classify() made it). Records it, looks at the provider's
     * rate, and throws instead: the held failure during an incident, or — for a first refused grant of a provider
     * that can have an incident — a retryable one after the confirm delay, so that the failures of a grant storm
     * are counted before any of them turns an integration to "reauthorization required".
     */
    async refreshFailed(integration: Integration, def: ProviderDefinition, failure: unknown, reason: { code: string; status?: number }): Promise<void> {
      if (!(failure instanceof ApplicationFailure)) return;
      const scope = scopeOf(integration, def);
      const described = `${reason.code}${reason.status ? `, HTTP ${reason.status}` : ''}`;
      let held: { percent: number } | null = null;
      let confirm = false;
      try {
        const em = orm.em.fork();
        await recordFailure(em, { integrationId: integration.id, tenantId: integration.tenantId, scope }, 'refresh', described);
        // With an incident open, a failure changes nothing to decide now: the monitor updates its rate.
        const incident = (await openIncident(em, scope)) ?? (await evaluateScope(em, vault, policy, scope)).incident;
        // Past the maximum hold an open incident neither holds nor confirms: the failure keeps its class.
        if (incident && !incident.resolvedAt) held = incidentHolds(policy, incident.startedAt) ? { percent: incident.failurePercent } : null;
        else if (failure.nonRetryable && REAUTHORIZING.includes(failure.type ?? '') && attemptNumber() === 1 && policy.confirmDelayMs > 0)
          confirm = await canHaveIncident(em, scope, policy);
      } catch (error) {
        logger.warn(
          { integrationId: integration.id, err: (error as Error).message },
          'provider incident bookkeeping failed; the refresh failure keeps its class',
        );
        return;
      }
      if (held) {
        const retryAfterMs = probeDelayMs(policy, integration.tokenExpiresAt?.getTime() ?? null);
        throw ApplicationFailure.create({
          type: PROVIDER_INCIDENT_ERROR,
          nonRetryable: true,
          message: `${def.name} incident: ${held.percent}% of its integrations are failing (${described}); held, trying again in ${Math.round(retryAfterMs / 1000)} s`,
          details: [{ retryAfterMs }],
        });
      }
      if (confirm) {
        throw ApplicationFailure.create({
          type: 'ProviderUnavailable',
          message: `${def.name} refused the grant (${described}); confirming in ${Math.round(policy.confirmDelayMs / 1000)} s before asking for reauthorization`,
          nextRetryDelay: policy.confirmDelayMs,
        });
      }
    },

    /** A refresh succeeded: a provider recovering from an incident may now be below its threshold. */
    async refreshSucceeded(integrationId: string): Promise<void> {
      try {
        const em = orm.em.fork();
        const scope = await recordSuccess(em, integrationId);
        if (scope && (await openIncident(em, scope))) await evaluateScope(em, vault, policy, scope);
      } catch (error) {
        logger.warn({ integrationId, err: (error as Error).message }, 'provider incident bookkeeping failed');
      }
    },

    /** Why a sync should wait (its provider has an open incident), or null. */
    async syncHeld(em: EntityManager, integration: Integration, def: ProviderDefinition): Promise<string | null> {
      const incident = await openIncident(em, scopeOf(integration, def));
      return incident ? `${def.name} has an open incident (${incident.id}): syncs wait until it resolves` : null;
    },
  };
}
