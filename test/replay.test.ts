/**
 * Replay guard (CONVENTIONS.md §6): workflow code must replay the histories it produced before. Live
 * histories from this run are replayed, and so is every history saved under test/fixtures/histories/
 * (from earlier versions; add one with `temporal workflow show -w <id> -o json > file.json`).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WORKFLOWS_PATH } from '../workers/create-worker.ts';
import { connectionWorkflowId } from '../workflows/connection.messages.ts';
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

  it('replays every saved history fixture', async () => {
    const files = readdirSync('test/fixtures/histories').filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, JSON.parse(readFileSync(`test/fixtures/histories/${file}`, 'utf8')), file);
    }
  }, 60_000);
});
