/**
 * Replay guard (docs/conventions.md §6): workflow code must replay the histories it produced before. Live
 * histories from this run are replayed, and so is every history saved under test/fixtures/histories/
 * (from earlier versions; add one with `temporal workflow show -w <id> -r <runId> -o json > file.json`).
 * The connection-workflow fixtures named `connection-*.json` were recorded from the test files that drive each
 * path (connections, token-write-faults, push-subscriptions, webhooks, sync, connection-lock and this one) run
 * against one Temporal dev server (TEST_TEMPORAL_ADDRESS), before the workflow became a state class: record new
 * ones the same way before changing workflow code. `webhook-batch-*.json` and `event-endpoint-*.json` were recorded
 * the same way from test/webhooks.test.ts and test/tenant-events-flows.test.ts before the slow lane (a batch's
 * activity in the fast lane must be scheduled as it was).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WORKFLOWS_PATH } from '../workers/create-worker.ts';
import { connectionWorkflowId, flowStartedSignal, providerRevokedSignal } from '../workflows/connection.messages.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { startTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ worker: true });
});
afterAll(async () => {
  await api?.close();
});

describe('workflow replay', () => {
  it('replays a connection workflow that connected, refreshed, synced and disconnected', async () => {
    const { apiKey: key } = await api.newTenant();
    const id = (await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } })).body.data.id;
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
    await new ScriptedBrowser().connect(started.body.data.connectUrl);
    expect((await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key })).status).toBe(200);
    expect((await api.request('POST', `/api/v1/integrations/${id}/sync`, { key })).status).toBe(200);
    expect((await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key })).status).toBe(200);
    const history = await api.deps.temporal.client.workflow.getHandle(connectionWorkflowId(id)).fetchHistory();
    expect(history.events!.length).toBeGreaterThan(10);
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history);
    if (process.env.SAVE_HISTORY_FIXTURE) {
      // Refresh the fixture: SAVE_HISTORY_FIXTURE=test/fixtures/histories/<name>.json npx vitest run test/replay.test.ts
      const { stdout } = await promisify(execFile)(process.env.TEMPORAL_CLI!, [
        'workflow',
        'show',
        '-w',
        connectionWorkflowId(id),
        '--address',
        inject('temporalAddress'),
        '-o',
        'json',
      ]);
      writeFileSync(process.env.SAVE_HISTORY_FIXTURE, stdout);
    }
  }, 60_000);

  it('replays a connection workflow that continued as new after 100 wake-ups, and the run it continued into', async () => {
    const { apiKey: key } = await api.newTenant();
    const id = (await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } })).body.data.id;
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
    await new ScriptedBrowser().connect(started.body.data.connectUrl);
    const handle = api.deps.temporal.client.workflow.getHandle(connectionWorkflowId(id));
    const firstRunId = (await handle.describe()).runId;
    // Each signal wakes the main loop once (when it arrives in a workflow task of its own); the 100th continues as new.
    let runId = firstRunId;
    for (let i = 0; i < 400 && runId === firstRunId; i++) {
      await handle.signal(flowStartedSignal);
      if (i >= 99) runId = (await handle.describe()).runId;
    }
    expect(runId).not.toBe(firstRunId);
    expect((await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key })).status).toBe(200);
    const client = api.deps.temporal.client.workflow;
    const first = await client.getHandle(connectionWorkflowId(id), firstRunId).fetchHistory();
    expect(first.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, first);
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, await client.getHandle(connectionWorkflowId(id), runId).fetchHistory());
  }, 120_000);

  it('replays a connection workflow told of a settings change and a provider revocation, then reconnected and disconnected', async () => {
    const { apiKey: key } = await api.newTenant();
    const id = (await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } })).body.data.id;
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
    await new ScriptedBrowser().connect(started.body.data.connectUrl);
    expect((await api.request('GET', `/api/v1/integrations/${id}/token`, { key })).status).toBe(200);
    expect((await api.request('PATCH', `/api/v1/integrations/${id}`, { key, body: { settings: { syncIntervalMinutes: 30 } } })).status).toBe(200);
    const handle = api.deps.temporal.client.workflow.getHandle(connectionWorkflowId(id));
    await handle.signal(providerRevokedSignal, { reason: 'replay test' });
    await expect.poll(async () => (await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.status, { timeout: 20_000 }).toBe('error');
    const again = await api.request('POST', `/api/v1/integrations/${id}/reconnect`, { key, body: {} });
    await new ScriptedBrowser().connect(again.body.data.connectUrl);
    expect((await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.status).toBe('active');
    expect((await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key })).status).toBe(200);
    const history = await handle.fetchHistory();
    const signals = history.events!.flatMap((e) => (e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName] : []));
    expect(signals).toEqual(expect.arrayContaining(['settingsChanged', 'providerRevoked', 'flowStarted']));
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history);
  }, 120_000);

  it('replays every saved history fixture', async () => {
    const files = readdirSync('test/fixtures/histories').filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(10);
    // One bundle for all of them; the workflow id names the file, so a failure says which history broke.
    const histories = files.map((file) => ({ workflowId: file, history: JSON.parse(readFileSync(`test/fixtures/histories/${file}`, 'utf8')) }));
    const failed: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories)) {
      replayed++;
      if (result.error) failed.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failed).toEqual([]);
    expect(replayed).toBe(files.length);
  }, 120_000);
});
