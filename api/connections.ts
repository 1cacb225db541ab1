import type { ProviderRegistry } from '../db/repositories/providers.repository.ts';
import { ConnectionService } from '../lib/connection-service.ts';
import type { TemporalGateway } from '../lib/temporal.ts';

export { workflowInput, type ConnectionRow } from '../lib/connection-service.ts';

const services = new WeakMap<object, ConnectionService>();

/**
 * The API's connection service (lib/connection-service.ts), one per set of app dependencies: every handler that
 * messages a connection workflow goes through it. Given a row (`{ em, integration }`), a message starts the
 * workflow from the row's state when none runs (update-with-start / signal-with-start).
 */
export function connectionsOf(deps: { temporal: TemporalGateway; providers: ProviderRegistry }): ConnectionService {
  let service = services.get(deps);
  if (!service) {
    service = new ConnectionService({ client: deps.temporal.client, connectionsQueue: deps.temporal.queues.connections, providers: deps.providers });
    services.set(deps, service);
  }
  return service;
}
