import type { MikroORM } from '@mikro-orm/postgresql';
import { evaluateScope, openIncidents, pruneIncidentData } from '../db/incidents.ts';
import { RECENT_INCIDENTS_MS, type IncidentPolicy } from '../lib/incidents.ts';
import type { Logger } from '../lib/logger.ts';
import type { Vault } from '../lib/vault.ts';

export interface IncidentMonitorOptions {
  orm: MikroORM;
  vault: Vault;
  policy: IncidentPolicy;
  logger: Logger;
}

/**
 * Resolves provider incidents without waiting for traffic (docs/architecture.md "Provider incidents"): every
 * PLUGBOARD_INCIDENT_CHECK_INTERVAL it evaluates each open incident (one whose rate stayed below the threshold for
 * the quiet period resolves, and its events go out) and prunes old outcome rows. Every worker runs one; the
 * per-scope advisory lock in db/incidents.ts makes concurrent monitors harmless.
 */
export function startIncidentMonitor(options: IncidentMonitorOptions): { stop: () => Promise<void> } {
  const { orm, vault, policy, logger } = options;
  let running: Promise<void> | undefined;
  const tick = async () => {
    try {
      for (const incident of await openIncidents(orm.em.fork())) {
        const { resolved } = await evaluateScope(orm.em, vault, policy, incident.scope);
        if (resolved) logger.info({ incidentId: incident.id, provider: incident.provider }, 'provider incident resolved');
      }
      await pruneIncidentData(orm.em.fork(), policy, RECENT_INCIDENTS_MS);
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'provider incident check failed; the next one tries again');
    }
  };
  const timer = setInterval(() => {
    running ??= tick().finally(() => (running = undefined));
  }, policy.checkIntervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
