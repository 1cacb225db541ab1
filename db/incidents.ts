import type { EntityManager } from '@mikro-orm/postgresql';
import { breachesThreshold, failurePercent, providerScope, type IncidentPolicy } from '../lib/incidents.ts';
import type { Vault } from '../lib/vault.ts';
import { customCallbackPath, type ProviderDefinition } from '../providers/types.ts';
import { ProviderIncident } from './entities/index.ts';
import { emitTenantEvent } from './tenant-events.ts';

/**
 * Provider incidents in PostgreSQL (docs/architecture.md "Provider incidents"), so every API and worker process
 * sees one picture: `provider_health` keeps the last failure of each integration that failed within the window
 * (one row per integration, pruned), `provider_incident` the incidents, one open per scope.
 */

/** Where an outcome comes from: the scope is the provider as incidents count it (lib/incidents.ts providerScope). */
export interface OutcomeSource {
  integrationId: string;
  tenantId: string;
  scope: string;
}

/** The scope of an integration's provider: custom providers have their own callback path (providers/types.ts). */
export function scopeOf(integration: { tenantId: string; provider: string }, def: Pick<ProviderDefinition, 'callbackPath'>): string {
  return providerScope({ ...integration, custom: def.callbackPath?.startsWith(customCallbackPath('')) ?? false });
}

/**
 * Records one proxy call's outcome (`failure` null for a success) and, when it may change the incident picture,
 * evaluates the scope. For callers off the request path: errors are the caller's to log.
 */
export async function recordProxyOutcome(
  em: EntityManager,
  vault: Vault,
  policy: IncidentPolicy,
  source: OutcomeSource,
  failure: string | null,
): Promise<IncidentChange | null> {
  if (failure === null) {
    const scope = await recordSuccess(em, source.integrationId);
    return scope && (await openIncident(em, scope)) ? evaluateScope(em, vault, policy, scope) : null;
  }
  await recordFailure(em, source, 'proxy', failure);
  // An open incident is not re-evaluated on every failure (a provider outage is many of them at once).
  return (await openIncident(em, source.scope)) ? null : evaluateScope(em, vault, policy, source.scope);
}

/** Records a failed refresh or proxy call (the integration's one row, overwritten). */
export async function recordFailure(em: EntityManager, source: OutcomeSource, kind: 'refresh' | 'proxy', reason: string): Promise<void> {
  await em.execute(
    `insert into provider_health (integration_id, tenant_id, scope, last_failure_at, last_failure_kind, last_failure_reason, last_success_at)
     values (?, ?, ?, now(), ?, ?, null)
     on conflict (integration_id) do update set scope = excluded.scope, last_failure_at = now(),
       last_failure_kind = excluded.last_failure_kind, last_failure_reason = excluded.last_failure_reason`,
    [source.integrationId, source.tenantId, source.scope, kind, reason.slice(0, 200)],
    'run',
  );
}

/**
 * Records a success: only an integration that failed lately has a row to update, so a healthy one costs one index
 * lookup and no write. Returns the scope when the integration had failed (its provider may be recovering).
 */
export async function recordSuccess(em: EntityManager, integrationId: string): Promise<string | null> {
  const rows = await em.execute<{ scope: string }[]>(
    `update provider_health set last_success_at = now() where integration_id = ? and (last_success_at is null or last_success_at < last_failure_at) returning scope`,
    [integrationId],
    'all',
  );
  return rows[0]?.scope ?? null;
}

/** The open incident of a scope, if any (the partial unique index makes it one at most). */
export async function openIncident(em: EntityManager, scope: string): Promise<ProviderIncident | null> {
  return em.findOne(ProviderIncident, { scope, resolvedAt: null });
}

/** Every open incident (the workers' monitor looks at each one). */
export async function openIncidents(em: EntityManager): Promise<ProviderIncident[]> {
  return em.find(ProviderIncident, { resolvedAt: null }, { orderBy: { startedAt: 'asc' } });
}

/** The scope's provider key and, for a custom provider, its tenant (`custom:<tenantId>:<key>`). */
export function parseScope(scope: string): { provider: string; tenantId: string | null } {
  const custom = /^custom:([^:]+):(.+)$/.exec(scope);
  return custom ? { provider: custom[2]!, tenantId: custom[1]! } : { provider: scope, tenantId: null };
}

interface ScopeCounts {
  failing: number;
  total: number;
  reason: string;
}

async function countScope(em: EntityManager, scope: string, windowMs: number): Promise<ScopeCounts> {
  const { provider, tenantId } = parseScope(scope);
  const [failed] = await em.execute<{ failing: string; reason: string | null }[]>(
    `select count(*) as failing, mode() within group (order by last_failure_reason) as reason from provider_health
     where scope = ? and last_failure_at > now() - make_interval(secs => ?) and (last_success_at is null or last_success_at < last_failure_at)`,
    [scope, windowMs / 1000],
    'all',
  );
  const [connected] = await em.execute<{ total: string }[]>(
    `select count(*) as total from integration where provider = ? and status in ('active', 'error')${tenantId ? ' and tenant_id = ?' : ''}`,
    tenantId ? [provider, tenantId] : [provider],
    'all',
  );
  return { failing: Number(failed?.failing ?? 0), total: Number(connected?.total ?? 0), reason: failed?.reason ?? 'failures' };
}

/** Whether the scope has at least the policy's minimum of connected integrations (an incident is possible at all). */
export async function canHaveIncident(em: EntityManager, scope: string, policy: IncidentPolicy): Promise<boolean> {
  const { provider, tenantId } = parseScope(scope);
  const [row] = await em.execute<{ enough: boolean }[]>(
    `select count(*) >= ? as enough from (select 1 from integration where provider = ? and status in ('active', 'error')${tenantId ? ' and tenant_id = ?' : ''} limit ?) c`,
    tenantId ? [policy.minIntegrations, provider, tenantId, policy.minIntegrations] : [policy.minIntegrations, provider, policy.minIntegrations],
    'all',
  );
  return Boolean(row?.enough);
}

/** Each tenant with a connected integration of the scope's provider, with those integrations' ids. */
async function tenantsOf(em: EntityManager, scope: string): Promise<{ tenantId: string; integrationIds: string[] }[]> {
  const { provider, tenantId } = parseScope(scope);
  const rows = await em.execute<{ tenant_id: string; ids: string[] }[]>(
    `select tenant_id, array_agg(id order by id) as ids from integration where provider = ? and status in ('active', 'error')${tenantId ? ' and tenant_id = ?' : ''} group by tenant_id`,
    tenantId ? [provider, tenantId] : [provider],
    'all',
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, integrationIds: r.ids }));
}

export interface IncidentChange {
  incident: ProviderIncident | null;
  opened: boolean;
  resolved: boolean;
}

/**
 * Looks at one scope's failure rate and opens, updates or resolves its incident; the events go to every tenant
 * with integrations of the provider in the same transaction as the incident row (db/tenant-events.ts). Serialized
 * per scope across processes by a transaction-scoped advisory lock; the partial unique index backs it.
 */
export async function evaluateScope(em: EntityManager, vault: Vault, policy: IncidentPolicy, scope: string): Promise<IncidentChange> {
  return em.fork().transactional(async (tem) => {
    await tem.execute(`select pg_advisory_xact_lock(hashtext(?))`, [`provider_incident:${scope}`], 'all');
    const counts = await countScope(tem, scope, policy.windowMs);
    const percent = failurePercent(counts.failing, counts.total);
    const breach = breachesThreshold(policy, counts.failing, counts.total);
    const now = new Date();
    let incident = await openIncident(tem, scope);
    if (!incident) {
      if (!breach) return { incident: null, opened: false, resolved: false };
      const { provider, tenantId } = parseScope(scope);
      incident = tem.create(ProviderIncident, {
        scope,
        provider,
        tenantId,
        reason: counts.reason,
        failingIntegrations: counts.failing,
        totalIntegrations: counts.total,
        peakFailurePercent: percent,
        failurePercent: percent,
        belowSince: null,
        startedAt: now,
        resolvedAt: null,
        updatedAt: now,
      });
      await notify(tem, vault, incident, 'provider.incident_started', policy);
      await tem.flush();
      return { incident, opened: true, resolved: false };
    }
    incident.failurePercent = percent;
    incident.peakFailurePercent = Math.max(incident.peakFailurePercent, percent);
    incident.updatedAt = now;
    if (breach) {
      incident.belowSince = null;
      incident.failingIntegrations = Math.max(incident.failingIntegrations, counts.failing);
      incident.totalIntegrations = counts.total;
    } else {
      incident.belowSince ??= now;
      if (now.getTime() - incident.belowSince.getTime() >= policy.quietPeriodMs) {
        incident.resolvedAt = now;
        await notify(tem, vault, incident, 'provider.incident_resolved', policy);
        await tem.flush();
        return { incident, opened: false, resolved: true };
      }
    }
    await tem.flush();
    return { incident, opened: false, resolved: false };
  });
}

async function notify(
  em: EntityManager,
  vault: Vault,
  incident: ProviderIncident,
  type: 'provider.incident_started' | 'provider.incident_resolved',
  policy: IncidentPolicy,
): Promise<void> {
  for (const { tenantId, integrationIds } of await tenantsOf(em, incident.scope)) {
    await emitTenantEvent(em, vault, {
      tenantId,
      type,
      data: {
        ...incidentFacts(incident),
        integrationIds,
        thresholdPercent: policy.failurePercent,
        windowSeconds: Math.round(policy.windowMs / 1000),
      },
    });
  }
}

/** What a tenant sees of an incident (API and events): the provider, times, rates and the failure class. */
export function incidentFacts(incident: ProviderIncident): Record<string, unknown> {
  return {
    incidentId: incident.id,
    provider: incident.provider,
    status: incident.resolvedAt ? 'resolved' : 'open',
    reason: incident.reason,
    failurePercent: incident.failurePercent,
    peakFailurePercent: incident.peakFailurePercent,
    startedAt: incident.startedAt.toISOString(),
    resolvedAt: incident.resolvedAt?.toISOString() ?? null,
  };
}

/**
 * The incidents a tenant should see: open or resolved within `recentMs`, of the catalog providers it has
 * integrations of and of its own custom providers. Newest first, at most 50.
 */
export async function incidentsForTenant(
  em: EntityManager,
  tenantId: string,
  recentMs: number,
  options: { openOnly?: boolean } = {},
): Promise<ProviderIncident[]> {
  const since = new Date(Date.now() - recentMs);
  const rows = await em.execute<{ provider: string }[]>(`select distinct provider from integration where tenant_id = ?`, [tenantId], 'all');
  const providers = rows.map((r) => r.provider);
  return em.find(
    ProviderIncident,
    {
      $and: [
        // Filtered here, not after the limit: 50 recently resolved incidents never hide an open one.
        options.openOnly ? { resolvedAt: null } : { $or: [{ resolvedAt: null }, { resolvedAt: { $gte: since } }] },
        { $or: [{ tenantId }, ...(providers.length ? [{ tenantId: null, provider: { $in: providers } }] : [])] },
      ],
    },
    { orderBy: { startedAt: 'desc' }, limit: 50 },
  );
}

/** Drops failures older than the window and incidents resolved more than `keepMs` ago: both tables stay small. */
export async function pruneIncidentData(em: EntityManager, policy: IncidentPolicy, keepMs: number): Promise<void> {
  await em.execute(`delete from provider_health where last_failure_at < now() - make_interval(secs => ?)`, [policy.windowMs / 1000], 'run');
  await em.execute(`delete from provider_incident where resolved_at < now() - make_interval(secs => ?)`, [keepMs / 1000], 'run');
}
