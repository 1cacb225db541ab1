import { ConnectionService } from '../lib/connection-service.ts';
import { taskQueueOf } from '../workflows/task-queues.ts';
import type { ActivityDeps } from './deps.ts';

const services = new WeakMap<ActivityDeps, ConnectionService>();

/**
 * The activities' connection service (lib/connection-service.ts), one per worker's dependencies. Activities
 * address connections by id: only a running workflow is told, none is started from an activity.
 */
export function connectionServiceOf(deps: ActivityDeps): ConnectionService {
  let service = services.get(deps);
  if (!service) {
    service = new ConnectionService({
      client: deps.temporal,
      connectionsQueue: taskQueueOf(deps.env.TEMPORAL_TASK_QUEUE, 'connections'),
      providers: deps.providers,
    });
    services.set(deps, service);
  }
  return service;
}
