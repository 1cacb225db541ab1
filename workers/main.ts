/**
 * Temporal worker: builds the activity dependencies once and serves one task queue per workload
 * (`connections`, `webhooks`, `sync`; all by default, or `--queues connections,sync`), each with its own
 * slots. The process that serves `webhooks` also runs the webhook outbox dispatcher. Drains gracefully on
 * SIGINT/SIGTERM (the SDK's Runtime handles the signals; in-flight activities get shutdownGraceTime).
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parseArgs } from 'node:util';
import { NativeConnection } from '@temporalio/worker';
import { openDatabase } from '../db/index.ts';
import { ProviderRegistry } from '../db/repositories/providers.repository.ts';
import { env as loadEnv } from '../lib/env.ts';
import { incidentPolicy } from '../lib/incidents.ts';
import { createLogger } from '../lib/logger.ts';
import { TemporalGateway } from '../lib/temporal.ts';
import { taskQueueOf, WORKLOADS, type Workload } from '../workflows/task-queues.ts';
import { createWorkers, installTemporalRuntime } from './create-worker.ts';
import { startEventDispatcher } from './event-dispatcher.ts';
import { startIncidentMonitor } from './incident-monitor.ts';
import { startWebhookDispatcher } from './webhook-dispatcher.ts';
import { startReauthorizationSweep } from './reauthorization-sweep.ts';
import { startRetention } from './retention.ts';

const env = loadEnv();
const logger = createLogger({ name: 'worker' });
const workloads = parseWorkloads();

// Before the Temporal runtime starts its threads, which inherit the niceness (PLUGBOARD_WORKER_NICE, lib/env.ts).
lowerPriority(env.PLUGBOARD_WORKER_NICE);
installTemporalRuntime(logger);

try {
  const { orm, vault } = await openDatabase(env, logger);
  const temporal = new TemporalGateway(env);
  const connection = await connectWithRetry(env.TEMPORAL_ADDRESS);
  const worker = await createWorkers(
    connection,
    {
      env,
      orm,
      vault,
      logger,
      temporal: temporal.client,
      providers: new ProviderRegistry({ publicUrl: env.PUBLIC_URL, sandboxEnabled: env.sandboxEnabled, vault, env: env.raw }),
    },
    { workloads },
  );
  // The outbox relays of the webhooks queue: provider webhook events, and tenant events beside them.
  const relay = {
    orm,
    databaseUrl: env.DATABASE_URL!,
    client: temporal.client,
    taskQueue: taskQueueOf(env.TEMPORAL_TASK_QUEUE, 'webhooks'),
    logger,
    sweepIntervalMs: env.PLUGBOARD_SWEEP_INTERVAL_MS,
    leaseMs: env.PLUGBOARD_SWEEP_MIN_AGE_MS,
  };
  const dispatcher = workloads.includes('webhooks') ? startWebhookDispatcher(relay) : undefined;
  const eventDispatcher = workloads.includes('webhooks') ? startEventDispatcher(relay) : undefined;
  const incidentMonitor = startIncidentMonitor({ orm, vault, policy: incidentPolicy(env), logger });
  // The integration.reauthorization_due sweep runs on the connections queue, from its Temporal Schedule.
  if (workloads.includes('connections')) await startReauthorizationSweep(temporal.client, env, logger);
  // So does the daily retention run (docs/operations.md "Retention").
  if (workloads.includes('connections')) await startRetention(temporal.client, env, logger);
  logger.info(
    { queues: worker.queues, cache: worker.cache, legacy: worker.legacy, namespace: env.TEMPORAL_NAMESPACE, dispatcher: Boolean(dispatcher) },
    'worker running',
  );
  try {
    await worker.run();
  } finally {
    await dispatcher?.stop();
    await eventDispatcher?.stop();
    await incidentMonitor.stop();
    await connection.close();
    await temporal.close().catch(() => undefined);
    await orm.close();
    logger.info('worker stopped');
  }
} catch (error) {
  logger.fatal({ err: error }, `worker failed: ${(error as Error).message}`);
  process.exit(1);
}

function parseWorkloads(): Workload[] {
  const { values } = parseArgs({ options: { queues: { type: 'string' } }, allowPositionals: false });
  if (values.queues === undefined) return [...WORKLOADS];
  const names = values.queues
    .split(',')
    .map((q) => q.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(WORKLOADS as readonly string[]).includes(n));
  if (unknown.length || !names.length) {
    logger.fatal(`--queues takes a comma-separated list of ${WORKLOADS.join(', ')}; got "${values.queues}"`);
    process.exit(2);
  }
  return names as Workload[];
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

/**
 * Lowers this process's CPU priority to `nice` for every thread it already has (Linux niceness is per thread:
 * V8's and libuv's threads exist before this line) and, through inheritance, the ones it starts later.
 */
function lowerPriority(nice: number): void {
  if (nice <= 0) return;
  let tids: number[] = [0];
  try {
    tids = readdirSync('/proc/self/task').map(Number);
  } catch {
    // not Linux: the process priority is all there is
  }
  for (const tid of tids) {
    try {
      setPriority(tid, Math.max(getPriority(tid), nice));
    } catch (error) {
      logger.warn({ err: (error as Error).message, nice }, 'could not lower the worker priority; running at the default');
      return;
    }
  }
}
