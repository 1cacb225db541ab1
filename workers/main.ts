/**
 * Temporal worker: builds the activity dependencies once, registers every workflow in workflows/ and the
 * activities from createActivities(deps), and drains gracefully on SIGINT/SIGTERM (the SDK's Runtime
 * handles the signals; in-flight activities get shutdownGraceTime to finish).
 */
import { NativeConnection } from '@temporalio/worker';
import { openDatabase } from '../db/index.ts';
import { ProviderRegistry } from '../db/repositories/providers.repository.ts';
import { env as loadEnv } from '../lib/env.ts';
import { createLogger } from '../lib/logger.ts';
import { TemporalGateway } from '../lib/temporal.ts';
import { createWorker, installTemporalRuntime } from './create-worker.ts';
import { startWebhookDispatcher } from './webhook-dispatcher.ts';

const env = loadEnv();
const logger = createLogger({ name: 'worker' });

installTemporalRuntime(logger);

try {
  const { orm, vault } = await openDatabase(env, logger);
  const temporal = new TemporalGateway(env);
  const connection = await connectWithRetry(env.TEMPORAL_ADDRESS);
  const worker = await createWorker(connection, {
    env,
    orm,
    vault,
    logger,
    temporal: temporal.client,
    providers: new ProviderRegistry({ publicUrl: env.PUBLIC_URL, sandboxEnabled: env.sandboxEnabled, vault, env: env.raw }),
  });
  const dispatcher = startWebhookDispatcher({
    orm,
    databaseUrl: env.DATABASE_URL!,
    client: temporal.client,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    logger,
    sweepIntervalMs: env.PLUGBOARD_SWEEP_INTERVAL_MS,
    leaseMs: env.PLUGBOARD_SWEEP_MIN_AGE_MS,
  });
  logger.info({ taskQueue: env.TEMPORAL_TASK_QUEUE, namespace: env.TEMPORAL_NAMESPACE }, 'worker running');
  try {
    await worker.run();
  } finally {
    await dispatcher.stop();
    await connection.close();
    await temporal.close().catch(() => undefined);
    await orm.close();
    logger.info('worker stopped');
  }
} catch (error) {
  logger.fatal({ err: error }, `worker failed: ${(error as Error).message}`);
  process.exit(1);
}

async function connectWithRetry(address: string): Promise<NativeConnection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect({ address });
    } catch (error) {
      if (attempt >= 30) throw new Error(`cannot reach Temporal at ${address}: ${(error as Error).message}`, { cause: error });
      logger.warn({ attempt }, `waiting for Temporal at ${address}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}
