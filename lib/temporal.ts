import { Client, Connection } from '@temporalio/client';
import type { Env } from './env.ts';

/**
 * The API's and CLI's handle on Temporal. The connection is lazy so the API starts (and /readyz says
 * why it is not ready) while Temporal is still coming up or down.
 */
export class TemporalGateway {
  readonly connection: Connection;
  readonly client: Client;
  readonly taskQueue: string;
  readonly namespace: string;

  constructor(env: Pick<Env, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE'>) {
    this.connection = Connection.lazy({ address: env.TEMPORAL_ADDRESS, connectTimeout: '3s' });
    this.client = new Client({ connection: this.connection, namespace: env.TEMPORAL_NAMESPACE });
    this.taskQueue = env.TEMPORAL_TASK_QUEUE;
    this.namespace = env.TEMPORAL_NAMESPACE;
  }

  async checkHealth(): Promise<void> {
    await this.connection.workflowService.getSystemInfo({});
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
