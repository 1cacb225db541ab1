import { Client, Connection } from '@temporalio/client';
import { taskQueuesOf, type TaskQueues } from '../workflows/task-queues.ts';
import type { Env } from './env.ts';

/**
 * The API's and CLI's handle on Temporal. The connection is lazy so the API starts (and /readyz says
 * why it is not ready) while Temporal is still coming up or down.
 */
export class TemporalGateway {
  readonly connection: Connection;
  readonly client: Client;
  /** One task queue per workload (workflows/task-queues.ts). */
  readonly queues: TaskQueues;
  readonly namespace: string;

  constructor(env: Pick<Env, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE'>) {
    this.connection = Connection.lazy({ address: env.TEMPORAL_ADDRESS, connectTimeout: '3s' });
    this.health = Connection.lazy({ address: env.TEMPORAL_ADDRESS, connectTimeout: '2s', interceptors: [] });
    this.client = new Client({ connection: this.connection, namespace: env.TEMPORAL_NAMESPACE });
    this.queues = taskQueuesOf(env.TEMPORAL_TASK_QUEUE);
    this.namespace = env.TEMPORAL_NAMESPACE;
  }

  /**
   * Health checks use their own connection without the SDK's gRPC retry interceptor: a retry it schedules
   * against an unreachable server would otherwise fire after close() and throw from a timer.
   */
  private readonly health: Connection;

  async checkHealth(timeoutMs = 2000): Promise<void> {
    await this.health.withDeadline(Date.now() + timeoutMs, () => this.health.workflowService.getSystemInfo({}));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.health.close(), this.connection.close()]);
  }
}
