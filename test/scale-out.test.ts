/**
 * Scale-out as docker compose runs it (issue 13 item 3): two API processes (`api/server.ts`) behind one origin (a
 * round-robin proxy here, your load balancer in production), two worker processes (`workers/main.ts`, every
 * queue, each with its webhook dispatcher), the standalone sandbox (`api/sandbox/main.ts`), one PostgreSQL and one
 * Temporal server. Integrations are created and connected through alternating APIs and webhook deliveries go
 * through both. The load is shared (both workers run activities), nothing is done twice (no refresh token
 * presented twice at the sandbox, no event forwarded twice), and after `kill -9` of one worker mid-run no refresh
 * is missed (no active integration holds an expired token, sampled every second) and no acked event is lost. A
 * refresh the killed worker was running is retried after its 10 s heartbeat timeout and takes over the refresh
 * lease the dead attempt left behind once that lapses (db/refresh-lease.ts), well inside the 15 s lead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WEBHOOK_CHUNK } from '../activities/webhook-batch.activities.ts';
import { Integration, WebhookEvent } from '../db/entities/index.ts';
import { openOrm } from '../db/orm.ts';
import { createApiKey } from '../db/repositories/api-keys.repository.ts';
import { createTenant } from '../db/repositories/tenants.repository.ts';
import { signStandardWebhook } from '../lib/webhooks/signatures.ts';
import { freePort, stopChild } from '../scripts/services.ts';
import { connectionWorkflowId } from '../workflows/connection.messages.ts';
import { webhookBatchWorkflowId } from '../workflows/webhook.messages.ts';
import { WORKER_NODE_ENV, WORKER_NODE_FLAGS } from '../workers/node-flags.ts';
import { freshDatabase } from './helpers.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { reserveSandbox, startSandboxProcess, type SandboxProcess } from './sandbox-process.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const INTEGRATIONS = 40;
/**
 * Access-token lifetime. Refreshes start at 75 % of it (the sandbox's leadFraction), so 15 s before expiry: more
 * than the 10 s a workflow task waits on the killed worker's sticky queue before Temporal hands it to the other.
 */
const TTL_SECONDS = 60;
/** Each forward takes this long at the receiver, so batches are in flight when the worker is killed. */
const RECEIVER_DELAY_MS = 100;

type Orm = Awaited<ReturnType<typeof openOrm>>;

interface Proc {
  name: string;
  child: ChildProcess;
  lines: string[];
}

let orm: Orm;
let sandbox: SandboxProcess;
let balancer: Server;
let receiver: Server;
let temporal: Connection;
const procs: Proc[] = [];
const apis: string[] = [];
let publicUrl = '';
let receiverUrl = '';
/** Forwarded deliveries by webhook-id, with when each arrived. */
const received = new Map<string, number[]>();
/** What happened when, printed at the end (also when the test fails). */
const timeline: string[] = [];

function startProcess(name: string, script: string, env: Record<string, string>): Proc {
  const lines: string[] = [];
  // Workers with the flags and environment every shipped command gives them (workers/node-flags.ts).
  const worker = script === 'workers/main.ts';
  const child = spawn(process.execPath, [...(worker ? WORKER_NODE_FLAGS : []), script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...(worker ? WORKER_NODE_ENV : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 300) lines.splice(0, lines.length - 300);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const proc = { name, child, lines };
  procs.push(proc);
  return proc;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check()); await new Promise((r) => setTimeout(r, everyMs))) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${procs.map((p) => `[${p.name}] ${p.lines.slice(-5).join('\n')}`).join('\n')}`);
  }
}

async function call(base: string, method: string, route: string, key: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + route, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  const databaseUrl = await freshDatabase('scaleout');
  orm = await openOrm(databaseUrl);
  temporal = await Connection.connect({ address: inject('temporalAddress') });

  receiver = createServer((req, res) => {
    const id = String(req.headers['webhook-id']);
    received.set(id, [...(received.get(id) ?? []), Date.now()]);
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(204).end(), RECEIVER_DELAY_MS));
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

  // The one public origin: a round-robin proxy over both APIs, so the connect page, its POST and the OAuth
  // callback of one connection land on different API processes.
  const apiPorts = [await freePort(), await freePort()];
  apis.push(...apiPorts.map((p) => `http://127.0.0.1:${p}`));
  let turn = 0;
  balancer = createServer((req, res) => {
    const port = apiPorts[turn++ % apiPorts.length]!;
    const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => balancer.listen(0, '127.0.0.1', r));
  publicUrl = `http://127.0.0.1:${(balancer.address() as { port: number }).port}`;

  const at = await reserveSandbox();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `scale-${randomBytes(4).toString('hex')}`,
    PLUGBOARD_ENCRYPTION_KEYS: inject('encryptionKeys'),
    PLUGBOARD_DATA_DIR: inject('dataDir'),
    PUBLIC_URL: publicUrl,
    HOST: '127.0.0.1',
    PLUGBOARD_SANDBOX_URL: at.url,
    PLUGBOARD_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
    PLUGBOARD_API_KEY_CACHE_MS: '0',
    // Events a killed worker's dispatcher claimed but never handed over are woken again by the survivor's sweep.
    PLUGBOARD_SWEEP_INTERVAL_MS: '2000',
    PLUGBOARD_SWEEP_MIN_AGE_MS: '5000',
    LOG_LEVEL: 'info',
  };
  sandbox = await startSandboxProcess(at, {
    publicUrl,
    encryptionKeys: env.PLUGBOARD_ENCRYPTION_KEYS!,
    env: { PLUGBOARD_SANDBOX_ACCESS_TOKEN_TTL: String(TTL_SECONDS) },
  });
  apiPorts.forEach((port, i) => startProcess(`api-${i + 1}`, 'api/server.ts', { ...env, PORT: String(port) }));
  // At the default niceness the workers would lose the cores to the rest of the suite running beside this test.
  startProcess('worker-a', 'workers/main.ts', { ...env, PLUGBOARD_WORKER_NICE: '0' });
  startProcess('worker-b', 'workers/main.ts', { ...env, PLUGBOARD_WORKER_NICE: '0' });
  for (const base of apis)
    await until(
      `${base}/readyz`,
      () =>
        fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      60_000,
    );
  await until(
    'both workers polling',
    () => procs.filter((p) => p.name.startsWith('worker') && p.lines.some((l) => l.includes('worker running'))).length === 2,
    60_000,
  );
}, 120_000);

afterAll(async () => {
  process.stdout.write(`scale-out timeline:\n  ${timeline.join('\n  ')}\n`);
  await Promise.all(procs.map((p) => stopChild(p.child, 10_000)));
  await sandbox?.stop();
  balancer?.closeAllConnections();
  receiver?.closeAllConnections();
  await Promise.all([balancer, receiver].map((s) => s && new Promise((r) => s.close(r))));
  await temporal?.close();
  await orm?.close();
});

describe('two APIs and two workers against one Temporal and one PostgreSQL, with the standalone sandbox', () => {
  it('share the load with no double refresh and no event processed twice, and lose no refresh and no event when one worker is killed -9', async () => {
    const t0 = Date.now();
    const mark = (what: string) => void timeline.push(`${((Date.now() - t0) / 1000).toFixed(1)} s ${what}`);
    // 1. Integrations (one per tenant: a tenant has at most one sandbox integration), each created, configured
    // and connected through alternating APIs.
    const em = orm.em.fork();
    const tenantIds: string[] = [];
    const integrations: { id: string; key: string; api: string; secret: string }[] = [];
    for (let i = 0; i < INTEGRATIONS; i++) {
      const tenant = await createTenant(em, `Scale-out ${i}`);
      const { plaintext: key } = await createApiKey(em, tenant.id, 'scale-out');
      tenantIds.push(tenant.id);
      const api = apis[i % 2]!;
      const secret = `whsec_${randomBytes(32).toString('base64')}`;
      const created = await call(api, 'POST', '/api/v1/integrations', key, {
        provider: 'sandbox',
        settings: { forwardUrl: receiverUrl },
        secrets: { webhookSecret: secret },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect((await call(apis[(i + 1) % 2]!, 'POST', `/api/v1/integrations/${created.body.data.id}/forwarding-secret`, key)).status).toBe(201);
      integrations.push({ id: created.body.data.id, key, api, secret });
    }
    const connectOne = async ({ id, key, api }: (typeof integrations)[number]) => {
      const started = await call(api, 'POST', `/api/v1/integrations/${id}/connect`, key, {});
      const callback = await new ScriptedBrowser().connect(started.body.data.connectUrl, `user-${id}`);
      expect(callback.status).toBe(303);
    };
    for (let i = 0; i < INTEGRATIONS; i += 5) await Promise.all(integrations.slice(i, i + 5).map(connectOne));
    await until(
      'every integration active',
      async () => (await orm.em.fork().count(Integration, { tenantId: tenantIds, status: 'active' })) === INTEGRATIONS,
      60_000,
    );
    expect((await sandbox.stats()).authorizationCodeGrants).toBe(INTEGRATIONS);
    mark('every integration connected');

    // 2. From now on: every second, no active integration may hold an expired token; deliveries go to both APIs.
    const expiredSightings: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const expired = await orm.em.fork().find(Integration, { tenantId: tenantIds, status: 'active', tokenExpiresAt: { $lt: new Date() } });
        for (const row of expired) expiredSightings.push(`${row.id} expired at ${row.tokenExpiresAt?.toISOString()}, seen ${new Date().toISOString()}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    const acked: string[] = [];
    let sent = 0;
    const deliver = async (n: number) => {
      const target = integrations[n % INTEGRATIONS]!;
      const body = JSON.stringify({ type: 'scale.event', timestamp: new Date().toISOString(), data: { n } });
      const id = `msg_${n}_${randomBytes(4).toString('hex')}`;
      const timestamp = Math.floor(Date.now() / 1000);
      // Alternate the API per delivery, and per round, so each integration gets deliveries through both.
      const res = await fetch(`${apis[(n + Math.floor(n / INTEGRATIONS)) % 2]}/webhooks/sandbox/${target.id}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signStandardWebhook(body, target.secret, id, timestamp),
        },
        body,
      });
      const answer = (await res.json()) as { eventId?: string; duplicate?: boolean };
      expect([res.status, answer.duplicate, typeof answer.eventId]).toEqual([200, false, 'string']);
      acked.push(answer.eventId!);
    };
    const burst = async (count: number) => {
      const start = sent;
      sent += count;
      for (let i = 0; i < count; i += 20) await Promise.all(Array.from({ length: Math.min(20, count - i) }, (_, j) => deliver(start + i + j)));
    };
    await burst(200);
    await until('the first events forwarded', () => received.size >= 100, 30_000);
    // Past the first refreshes (due at 45 s of 60): both workers have been refreshing.
    const refreshesBeforeKill = async () => (await sandbox.stats()).refreshGrants;
    await until('refreshes before the kill', async () => (await refreshesBeforeKill()) >= INTEGRATIONS / 2, 90_000, 1000);
    mark(`${await refreshesBeforeKill()} refreshes before the kill`);
    const duplicatesBeforeKill = [...received.values()].filter((times) => times.length > 1).length;

    // 3. kill -9 one worker while a batch of events is in flight (and refreshes keep coming due), at a moment when no
    // refresh holds its lease: a kill between the provider's rotation and the token write (a few ms, measured by
    // test/refresh-lease.test.ts) loses the grant whatever the design, since only the dead process saw the new
    // refresh token (docs/architecture.md, "Refresh lease"). A kill during the rest of a refresh — before the
    // provider call, or while it waits on the lease — is what the lease recovers; test/refresh-lease.test.ts
    // covers a holder that vanished with its lease.
    await burst(400);
    const refreshing = () => orm.em.fork().count(Integration, { tenantId: tenantIds, refreshLeaseHolder: { $ne: null } });
    await until(
      'a batch in flight, no refresh at the provider',
      async () => received.size >= 300 && received.size < 600 && (await refreshing()) === 0,
      30_000,
      20,
    );
    const victim = procs.find((p) => p.name === 'worker-b')!;
    const killedAt = Date.now();
    mark(`kill -9 worker-b (${received.size} of ${sent} events forwarded)`);
    victim.child.kill('SIGKILL');
    await new Promise((r) => victim.child.once('exit', r));
    const exitedAt = Date.now();
    const refreshesAtKill = (await sandbox.stats()).refreshGrants;
    await burst(200);

    // 4. A full refresh cycle after the kill (every integration refreshes at least once more, on the survivor),
    // and every acked event ends processed.
    const events = async () =>
      orm.em
        .fork()
        .find(WebhookEvent, { tenantId: tenantIds, eventType: 'scale.event' }, { fields: ['id', 'status', 'attempts', 'deliveryId', 'integrationId'] });
    const processed = async () => (await events()).filter((e) => e.status === 'processed').length;
    await Promise.all([
      until(
        'every grant refreshed after the kill',
        async () => (await sandbox.stats()).refreshGrants - refreshesAtKill >= INTEGRATIONS,
        TTL_SECONDS * 1000 + 30_000,
        1000,
      ).then(() => mark('every grant refreshed after the kill')),
      until('every acked event processed', async () => (await processed()) >= sent, 90_000, 1000).then(
        () => mark('every event processed'),
        async (error: Error) => {
          const left = (await events()).filter((e) => e.status !== 'processed');
          throw new Error(
            `${error.message.split('\n')[0]}: ${left.length} of ${sent} not processed, e.g. ${JSON.stringify(left.slice(0, 5).map((e) => [e.integrationId, e.status, e.attempts]))}`,
          );
        },
      ),
    ]);
    sampling = false;
    await sampler;

    // Shared load: both workers ran activities (Temporal records each attempt's worker identity, `<pid>@<host>`).
    const client = new Client({ connection: temporal });
    const identities = new Set<string>();
    for (const { id } of integrations) {
      for (const workflowId of [connectionWorkflowId(id), webhookBatchWorkflowId(id)]) {
        const history = await client.workflow.getHandle(workflowId).fetchHistory();
        for (const e of history.events ?? []) if (e.activityTaskStartedEventAttributes?.identity) identities.add(e.activityTaskStartedEventAttributes.identity);
      }
    }
    const workerPids = procs.filter((p) => p.name.startsWith('worker')).map((p) => String(p.child.pid));
    expect(
      [...identities]
        .map((i) => i.split('@')[0])
        .filter((pid) => workerPids.includes(pid!))
        .sort(),
    ).toEqual(expect.arrayContaining(workerPids.sort()));

    // No double refresh: no refresh token presented twice (reuse detection would have revoked the grant). On
    // failure: the refresh attempts that did not simply complete, and the integrations no longer active.
    const stats = await sandbox.stats();
    const trails = async () => {
      const lines: string[] = [];
      for (const { id } of integrations) {
        const events = (await client.workflow.getHandle(connectionWorkflowId(id)).fetchHistory()).events ?? [];
        const at = (e: (typeof events)[number]) =>
          `${((Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6 - killedAt) / 1000).toFixed(1)} s`;
        const odd = events.filter(
          (e) =>
            (e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1) ||
            e.activityTaskTimedOutEventAttributes ||
            e.activityTaskFailedEventAttributes ||
            e.workflowTaskTimedOutEventAttributes,
        );
        if (!odd.length) continue;
        lines.push(
          `${id}: ` +
            odd
              .map((e) =>
                e.activityTaskStartedEventAttributes
                  ? `started attempt ${e.activityTaskStartedEventAttributes.attempt} by ${e.activityTaskStartedEventAttributes.identity} at ${at(e)} after ${e.activityTaskStartedEventAttributes.lastFailure?.applicationFailureInfo?.type ?? e.activityTaskStartedEventAttributes.lastFailure?.message}`
                  : e.activityTaskTimedOutEventAttributes
                    ? `activity timed out at ${at(e)}`
                    : e.activityTaskFailedEventAttributes
                      ? `activity failed at ${at(e)}: ${e.activityTaskFailedEventAttributes.failure?.message}`
                      : `workflow task timed out at ${at(e)}`,
              )
              .join('; '),
        );
      }
      const inactive = await orm.em.fork().find(Integration, { tenantId: tenantIds, status: { $ne: 'active' } });
      for (const row of inactive) lines.push(`${row.id} ${row.status}: ${row.lastError}`);
      return `killed pid ${victim.child.pid}; errors ${JSON.stringify(stats.refreshErrorsByReason)}\n${lines.join('\n')}`;
    };
    if (stats.refreshTokenReuses || stats.refreshErrors) process.stdout.write(`scale-out refresh trails: ${await trails()}\n`);
    expect(stats.refreshTokenReuses, 'refresh tokens presented twice').toBe(0);
    expect(stats.refreshErrors, `failed refresh grants: ${JSON.stringify(stats.refreshErrorsByReason)}`).toBe(0);
    expect(Object.keys(stats.refreshesByGrant).length).toBe(INTEGRATIONS);
    expect((await orm.em.fork().count(Integration, { tenantId: tenantIds, status: 'active' })) === INTEGRATIONS, 'every integration still active').toBe(true);

    // No refresh missed. (On failure: what the connection workflows of the late ones were waiting for.)
    const late = [...new Set(expiredSightings.map((line) => line.split(' ')[0]!))];
    const waits = await Promise.all(
      late.slice(0, 5).map(async (id) => {
        const history = await client.workflow.getHandle(connectionWorkflowId(id)).fetchHistory();
        const pending = (history.events ?? [])
          .filter((e) => e.activityTaskTimedOutEventAttributes || e.workflowTaskTimedOutEventAttributes)
          .map(
            (e) =>
              `${e.activityTaskTimedOutEventAttributes ? 'activity' : 'workflow task'} timed out at ${new Date(Number(e.eventTime?.seconds ?? 0) * 1000).toISOString()}`,
          );
        return `${id}: ${JSON.stringify(pending)}`;
      }),
    );
    expect(expiredSightings, `active integrations seen holding an expired token (killed at ${new Date(killedAt).toISOString()}):\n${waits.join('\n')}`).toEqual(
      [],
    );

    // No event lost, none processed twice: every acked event processed and forwarded; before the kill no
    // webhook-id arrived twice; after it, only an event whose batch was in flight on the killed worker may arrive
    // again (same webhook-id), at most once, and at most one per integration.
    const rows = await events();
    expect(rows.length).toBe(sent);
    expect(new Set(acked).size).toBe(sent);
    expect(rows.filter((e) => e.status !== 'processed').map((e) => `${e.id}: ${e.status}`)).toEqual([]);
    expect(
      rows.filter((e) => !received.has(e.id)).map((e) => e.id),
      'processed events never forwarded',
    ).toEqual([]);
    expect(duplicatesBeforeKill, 'events forwarded twice before the kill').toBe(0);
    const redelivered = [...received.entries()].filter(([, times]) => times.length > 1);
    for (const [id, times] of redelivered) {
      expect(times.length, `${id} forwarded ${times.length} times`).toBe(2);
      // The receiver stamps a delivery when this process handles it, which may be just after the kill for one the
      // killed worker sent before it died: the first may arrive up to a second after the exit, the second after the kill.
      expect(
        times[0]! < exitedAt + 1_000 && times[1]! > killedAt,
        `${id} forwarded twice, not across the kill (at ${times.map((t) => t - killedAt).join(' and ')} ms from the kill, exit seen at ${exitedAt - killedAt} ms)`,
      ).toBe(true);
    }
    // A batch marks its events per chunk, so what the killed worker had forwarded but not yet marked — at most one
    // chunk per integration — goes out again with the same webhook-id.
    const integrationOf = new Map(rows.map((e) => [e.id, e.integrationId]));
    const perIntegration = new Map<string, number>();
    for (const [id] of redelivered) perIntegration.set(integrationOf.get(id)!, (perIntegration.get(integrationOf.get(id)!) ?? 0) + 1);
    expect(Math.max(0, ...perIntegration.values()), 'events redelivered for one integration').toBeLessThanOrEqual(WEBHOOK_CHUNK);
    // A chunk's attempts are counted before its deliveries, so the chunk in flight on the killed worker is counted
    // again by its retry even where nothing had been forwarded yet: at most one chunk per integration.
    const attemptedAgain = new Map<string, number>();
    for (const e of rows.filter((r) => r.attempts > 1)) attemptedAgain.set(e.integrationId, (attemptedAgain.get(e.integrationId) ?? 0) + 1);
    expect(Math.max(0, ...attemptedAgain.values()), 'events of one integration attempted more than once').toBeLessThanOrEqual(WEBHOOK_CHUNK);

    process.stdout.write(
      `scale-out: ${INTEGRATIONS} integrations, ${sent} events (${redelivered.length} redelivered across the kill), ` +
        `${stats.refreshGrants} refreshes (${stats.refreshGrants - refreshesAtKill} after the kill), ` +
        `worker identities ${[...identities].join(', ')}; killed worker-b (pid ${victim.child.pid})\n`,
    );
  }, 240_000);
});
