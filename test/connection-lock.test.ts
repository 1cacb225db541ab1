/**
 * The connection workflow's lock (`exclusive`) on the real Temporal dev server: while one credential change
 * runs, others wait, and when it ends they run one at a time. The activities here are stand-ins that only
 * record when they run: this is a test of the workflow's own scheduling, not of the activities.
 */
import { Client, Connection, WorkflowUpdateStage } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Activities } from '../activities/index.ts';
import { WORKFLOWS_PATH } from '../workers/create-worker.ts';
import { connectionWorkflow, disconnectUpdate, exchangeCodeUpdate, refreshNowUpdate } from '../workflows/connection.workflow.ts';

const taskQueue = `lock-${Math.random().toString(36).slice(2, 10)}`;
let connection: Connection;
let client: Client;
let nativeConnection: NativeConnection;
let worker: Worker;
let running: Promise<void>;

/** Which stand-in activities ran, and the most that ran at the same time. */
const trace = { active: 0, maxActive: 0, calls: [] as string[] };
let releaseRefresh: () => void = () => undefined;

async function tracked<T>(name: string, ms: number, value: T, gate?: Promise<void>): Promise<T> {
  trace.calls.push(name);
  trace.active++;
  trace.maxActive = Math.max(trace.maxActive, trace.active);
  try {
    await (gate ?? new Promise((r) => setTimeout(r, ms)));
    return value;
  } finally {
    trace.active--;
  }
}

const facts = { tokenExpiresAt: Date.now() + 3_600_000, tokenIssuedAt: Date.now() };
const standIns: Partial<Activities> = {
  refreshTokens: () => tracked('refreshTokens', 0, facts, new Promise<void>((r) => (releaseRefresh = r))),
  exchangeCode: () => tracked('exchangeCode', 300, { ...facts, accountId: null }),
  revokeTokens: () => tracked('revokeTokens', 300, { revoked: true, detail: 'revoked' }),
  stopPushSubscription: () => tracked('stopPushSubscription', 0, { stopped: false, detail: 'none' }),
  ensurePushSubscription: async () => ({ renewAt: null }),
  manageSyncSchedule: async () => 'updated',
  recordStatus: async () => undefined,
};

beforeAll(async () => {
  const address = inject('temporalAddress');
  connection = await Connection.connect({ address });
  client = new Client({ connection });
  nativeConnection = await NativeConnection.connect({ address });
  worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH, activities: standIns });
  running = worker.run();
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await nativeConnection?.close();
  await connection?.close();
});

describe('connection workflow lock', () => {
  it('lets the credential changes waiting on a refresh run one after another, never together', async () => {
    const handle = await client.workflow.start(connectionWorkflow, {
      taskQueue,
      workflowId: `integration:lock-${Date.now()}`,
      args: [
        {
          integrationId: 'int_lock',
          tenantId: 'ten_lock',
          provider: 'sandbox',
          refreshPolicy: { supported: true, leadFraction: 0.25, maxLeadSeconds: 900 },
          carried: {
            status: 'active',
            tokenExpiresAt: facts.tokenExpiresAt,
            tokenIssuedAt: facts.tokenIssuedAt,
            lastRefreshStartedAt: null,
            reauthRequired: false,
            pushRenewAt: null,
          },
        },
      ],
    });
    // A refresh holds the lock (its activity waits for the test).
    const refresh = handle.executeUpdate(refreshNowUpdate, { args: [{ requestedAt: Date.now() }] });
    await expect.poll(() => trace.calls.includes('refreshTokens'), { timeout: 10_000 }).toBe(true);
    // Two more changes queue behind it.
    const exchange = await handle.startUpdate(exchangeCodeUpdate, { args: [{ flowId: 'flow_lock' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
    const disconnect = await handle.startUpdate(disconnectUpdate, { args: [{ reason: 'test' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
    expect(trace.calls).toEqual(['refreshTokens']);

    releaseRefresh();
    expect((await refresh).ok).toBe(true);
    expect((await exchange.result()).ok).toBe(true);
    expect((await disconnect.result()).revoked).toBe(true);
    // Before the fix, both waiters were let in together when the refresh ended: maxActive was 2.
    expect(trace.maxActive).toBe(1);
    expect(trace.calls.slice(0, 2)).toEqual(['refreshTokens', 'exchangeCode']);
    expect(trace.calls).toContain('revokeTokens');
    expect(await handle.result()).toBe('disconnected');
  }, 60_000);
});
