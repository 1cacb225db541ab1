import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  disconnectUpdate,
  ensureFreshUpdate,
  exchangeCodeUpdate,
  flowStartedSignal,
  IntegrationStatusAttr,
  providerRevokedSignal,
  pushRenewSignal,
  refreshNowUpdate,
  settingsChangedSignal,
  statusQuery,
  type ConnectionCarriedState,
  type ConnectionStatus,
  type ConnectionWorkflowInput,
  type TokenOutcome,
} from './connection.messages.ts';
import { connectionsQueueFrom } from './task-queues.ts';

export * from './connection.messages.ts';

const TERMINAL = ['InvalidGrant', 'InvalidClient', 'NoRefreshToken', 'IntegrationNotFound', 'AuthorizationFailed'];
/** The authorization code is single-use: one attempt (REQ-8). */
const { exchangeCode } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });
/** Transient provider failures back off; terminal classes stop at once (REQ-14). */
const { refreshTokens } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 8, nonRetryableErrorTypes: TERMINAL },
});
/**
 * A token set the provider returned that PostgreSQL would not take (sealed by the vault): stored before anything
 * else, with a bounded backoff, until PostgreSQL answers (issue 13: a returned token set is never dropped).
 */
const { storeReturnedTokens } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10 seconds', nonRetryableErrorTypes: TERMINAL },
});
/** Our own bookkeeping and revocation: retried until Postgres answers. */
const { revokeTokens, recordStatus } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: ['IntegrationNotFound'] },
});

/** The sync schedule follows the status; a failure here must never block a connection change. */
const scheduleActivities = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 3 } });
async function manageSyncSchedule(input: { integrationId: string; action: 'upsert' | 'pause' | 'delete' }): Promise<void> {
  try {
    await scheduleActivities.manageSyncSchedule(input);
  } catch (error) {
    log.warn('sync schedule not updated', { integrationId: input.integrationId, action: input.action, error: failureMessage(error) });
  }
}

/** Push subscriptions (Calendar channels, Gmail watch): the activities catch provider errors themselves. */
const { ensurePushSubscription, stopPushSubscription } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['IntegrationNotFound'] },
});
/** Histories recorded before push subscriptions existed replay without them (CONVENTIONS.md §6). */
const PUSH_PATCH = 'push-subscriptions';
/** One holder at a time in `exclusive` (and no continue-as-new after a disconnect); older histories replay as they ran. */
const STRICT_LOCK_PATCH = 'strict-lock';
/** Continue-as-new moves a run to the connections task queue (runs from before the split used one queue). */
const WORKLOAD_QUEUES_PATCH = 'workload-queues';
/** Token activities hand back a token set they could not store, sealed; older histories replay as they ran. */
const KEEP_RETURNED_PATCH = 'keep-returned-tokens';
/** After an unexpected failure of the push activity itself (not a provider error, which it handles). */
const PUSH_RETRY_MS = 60 * 60_000;

const AUTHORIZATION_WINDOW_MS = 10 * 60_000;
const TRANSIENT_RETRY_MS = 5 * 60_000;
/** Continue-as-new after this many wake-ups: keeps the history short, so a replay after cache eviction is cheap. */
const MAX_CYCLES = 100;
/** Refresh-now requests within this long after a refresh started share its result (no refresh storms). */
const REFRESH_COALESCE_MS = 5_000;

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

function failureType(error: unknown): string | undefined {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause.type ?? undefined;
  return undefined;
}
function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * One perpetual workflow per integration (`integration:<id>`, docs/architecture.md). It owns every change to the
 * integration's credentials, so refresh is single-flight by construction (REQ-12). Only ids and
 * non-secret facts cross into it: activities load and decrypt tokens by id (REQ-19).
 */
export async function connectionWorkflow(input: ConnectionWorkflowInput): Promise<ConnectionStatus> {
  const { integrationId, provider, refreshPolicy } = input;
  const state: ConnectionCarriedState = input.carried ?? {
    status: 'pending',
    tokenExpiresAt: null,
    tokenIssuedAt: null,
    lastRefreshStartedAt: null,
    reauthRequired: false,
  };
  let lastError: string | null = null;
  let inflight: Promise<TokenOutcome> | null = null;
  let busy = false;
  let wake = false;
  let ended = false;
  let retryAt: number | null = null;
  let pendingSince = Date.now();
  let cycles = 0;
  let pushPatched: boolean | undefined;
  const pushEnabled = () => (pushPatched ??= patched(PUSH_PATCH));
  let strictLockPatched: boolean | undefined;
  const strictLock = () => (strictLockPatched ??= patched(STRICT_LOCK_PATCH));
  let keepReturnedPatched: boolean | undefined;
  const keepReturned = () => (keepReturnedPatched ??= patched(KEEP_RETURNED_PATCH));

  /**
   * Stores a token set an activity returned sealed, inside the lock, before any further refresh: the next one
   * must present the refresh token this set holds. The ciphertext lives only in this run's history: the lock
   * is held until it is stored, and continue-as-new waits for the lock, so it is never carried over.
   */
  async function storeSealed(facts: { sealedTokens?: string }): Promise<void> {
    if (facts.sealedTokens) await storeReturnedTokens({ integrationId, sealedTokens: facts.sealedTokens });
  }

  const outcome = (ok: boolean, error?: string): TokenOutcome => ({
    ok,
    status: state.status,
    tokenExpiresAt: state.tokenExpiresAt,
    ...(error ? { error } : {}),
  });
  const setStatus = (status: ConnectionStatus) => {
    state.status = status;
    upsertSearchAttributes([{ key: IntegrationStatusAttr, value: status }]);
  };

  async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (strictLock()) {
      // Taken inside the predicate: the SDK releases every waiter whose predicate is true in one pass, so
      // `await condition(() => !busy); busy = true` let all waiters in at once when the holder let go.
      await condition(() => (busy ? false : (busy = true)));
    } else {
      await condition(() => !busy);
      busy = true;
    }
    try {
      return await fn();
    } finally {
      busy = false;
      wake = true;
    }
  }

  /** When the next scheduled refresh is due: remaining lifetime ≤ min(maxLead, fraction × lifetime). */
  function refreshAt(): number | null {
    if (state.status === 'pending' || state.status === 'disconnected' || state.reauthRequired) return null;
    if (retryAt !== null) return retryAt;
    if (!refreshPolicy.supported || state.tokenExpiresAt === null) return null;
    const lifetime = Math.max(0, state.tokenExpiresAt - (state.tokenIssuedAt ?? state.tokenExpiresAt));
    return state.tokenExpiresAt - Math.min(refreshPolicy.maxLeadSeconds * 1000, refreshPolicy.leadFraction * lifetime);
  }

  /**
   * When the push subscription must be created or renewed: `undefined` means it was never looked at (the
   * integration connected before push subscriptions existed), `null` that there is nothing to renew.
   */
  function pushDueAt(): number | null {
    if (state.status !== 'active' || state.reauthRequired || !pushEnabled()) return null;
    return state.pushRenewAt === undefined ? Date.now() : state.pushRenewAt;
  }

  async function runPush(): Promise<void> {
    try {
      const { renewAt } = await ensurePushSubscription({ integrationId });
      state.pushRenewAt = renewAt;
    } catch (error) {
      state.pushRenewAt = Date.now() + PUSH_RETRY_MS;
      log.warn('push subscription not updated', { integrationId, error: failureMessage(error) });
    }
  }

  async function runRefresh(reason: string): Promise<TokenOutcome> {
    if (state.status === 'pending' || state.status === 'disconnected') return outcome(false, 'the integration is not connected');
    if (state.reauthRequired) return outcome(false, lastError ?? 'reauthorization required');
    state.lastRefreshStartedAt = Date.now();
    try {
      const facts = await refreshTokens({ integrationId, ...(keepReturned() ? { keepReturned: true } : {}) });
      await storeSealed(facts);
      state.tokenExpiresAt = facts.tokenExpiresAt;
      state.tokenIssuedAt = facts.tokenIssuedAt;
      retryAt = null;
      lastError = null;
      const recovered = state.status === 'error';
      setStatus('active');
      if (recovered) await manageSyncSchedule({ integrationId, action: 'upsert' });
      return outcome(true);
    } catch (error) {
      const type = failureType(error);
      const message = failureMessage(error);
      if (type === 'InvalidGrant' || type === 'NoRefreshToken') {
        state.reauthRequired = true;
        lastError = `Reauthorization required: ${message}. Reconnect the integration.`;
      } else if (type === 'InvalidClient') {
        state.reauthRequired = true;
        lastError = `Provider app misconfigured: ${message}`;
      } else {
        retryAt = Date.now() + TRANSIENT_RETRY_MS;
        lastError = `Refresh failed after retries (${message}); retrying automatically in 5 minutes`;
      }
      setStatus('error');
      await recordStatus({
        integrationId,
        status: 'error',
        error: lastError,
        log: { kind: 'refresh_failed', level: 'error', message: `${reason} refresh failed: ${lastError}` },
      });
      await manageSyncSchedule({ integrationId, action: 'pause' });
      return outcome(false, lastError);
    }
  }

  /** Joins a refresh in flight instead of starting a second one. */
  function refresh(reason: string): Promise<TokenOutcome> {
    inflight ??= exclusive(() => runRefresh(reason)).finally(() => {
      inflight = null;
    });
    return inflight;
  }

  setHandler(
    exchangeCodeUpdate,
    ({ flowId }) =>
      exclusive(async () => {
        try {
          const facts = await exchangeCode({ integrationId, flowId, ...(keepReturned() ? { keepReturned: true } : {}) });
          await storeSealed(facts);
          state.tokenExpiresAt = facts.tokenExpiresAt;
          state.tokenIssuedAt = facts.tokenIssuedAt;
          state.reauthRequired = false;
          retryAt = null;
          lastError = null;
          setStatus('active');
          await manageSyncSchedule({ integrationId, action: 'upsert' });
          // Subscribed by the main loop, so the callback does not wait for it.
          if (pushEnabled()) state.pushRenewAt = Date.now();
          return outcome(true);
        } catch (error) {
          lastError = failureMessage(error);
          await recordStatus({
            integrationId,
            status: state.status,
            error: lastError,
            log: { kind: 'connect_failed', level: 'error', message: `Connecting failed: ${lastError}` },
          });
          return outcome(false, lastError);
        }
      }),
    { validator: (_input) => assertRunning() },
  );

  setHandler(
    refreshNowUpdate,
    async ({ requestedAt }) => {
      if (inflight) return inflight;
      // Coalesce: a refresh that started shortly before this request already answers it.
      const recent = state.lastRefreshStartedAt !== null && state.lastRefreshStartedAt >= requestedAt - REFRESH_COALESCE_MS;
      if (recent && !state.reauthRequired && state.status === 'active') return outcome(true);
      return refresh('manual');
    },
    { validator: (_input) => assertRunning() },
  );

  setHandler(
    ensureFreshUpdate,
    async () => {
      const at = refreshAt();
      if (inflight) return inflight;
      if (state.status === 'active' && at !== null && Date.now() >= at) return refresh('on-demand');
      return outcome(state.status === 'active', state.status === 'active' ? undefined : (lastError ?? `the integration is ${state.status}`));
    },
    { validator: () => assertRunning() },
  );

  setHandler(
    disconnectUpdate,
    ({ reason }) =>
      exclusive(async () => {
        // Stopped while the tokens still work: the provider needs them to stop a channel.
        if (pushEnabled()) {
          if (state.pushRenewAt != null)
            await stopPushSubscription({ integrationId }).catch((error) =>
              log.warn('push subscription not stopped', { integrationId, error: failureMessage(error) }),
            );
          state.pushRenewAt = null;
        }
        const result = await revokeTokens({ integrationId, reason });
        await manageSyncSchedule({ integrationId, action: 'delete' });
        state.tokenExpiresAt = null;
        state.reauthRequired = false;
        setStatus('disconnected');
        ended = true;
        return result;
      }),
    { validator: (_input) => assertRunning() },
  );

  setHandler(providerRevokedSignal, ({ reason }) => {
    void exclusive(async () => {
      if (state.status === 'disconnected') return;
      state.reauthRequired = true;
      lastError = `${provider} revoked access (${reason}) — reconnect`;
      setStatus('error');
      await recordStatus({
        integrationId,
        status: 'error',
        error: lastError,
        clearCredentials: true,
        log: { kind: 'provider_revoked', level: 'error', message: lastError },
      });
      await manageSyncSchedule({ integrationId, action: 'pause' });
    });
  });

  setHandler(pushRenewSignal, ({ reason }) => {
    if (state.status !== 'active' || !pushEnabled()) return;
    log.info('push subscription to be replaced now', { integrationId, reason });
    state.pushRenewAt = Date.now();
    wake = true;
  });

  setHandler(flowStartedSignal, () => {
    pendingSince = Date.now();
    wake = true;
  });

  setHandler(settingsChangedSignal, () => {
    // New client credentials may fix an invalid_client: try again.
    if (state.reauthRequired && lastError?.startsWith('Provider app misconfigured')) {
      state.reauthRequired = false;
      retryAt = Date.now();
    }
    // A new sync interval goes to the schedule.
    if (state.status === 'active') void exclusive(() => manageSyncSchedule({ integrationId, action: 'upsert' }));
    wake = true;
  });

  setHandler(statusQuery, () => ({
    status: state.status,
    tokenExpiresAt: state.tokenExpiresAt,
    refreshAt: refreshAt(),
    reauthRequired: state.reauthRequired,
    lastError,
    refreshing: inflight !== null,
  }));

  function assertRunning(): void {
    if (ended) throw new Error('this connection workflow has ended; start a new connect flow');
  }

  upsertSearchAttributes([{ key: IntegrationStatusAttr, value: state.status }]);
  while (!ended) {
    const due = state.status === 'pending' ? pendingSince + AUTHORIZATION_WINDOW_MS : earliest(refreshAt(), pushDueAt());
    wake = false;
    let timedOut = false;
    if (due === null) await condition(() => wake || ended);
    else timedOut = !(await condition(() => wake || ended, Math.max(1, due - Date.now())));
    if (ended) break;
    if (timedOut && state.status === 'pending') {
      // Nobody completed the authorization in time: end; the next callback starts a new run.
      ended = true;
      break;
    }
    const at = refreshAt();
    if (at !== null && Date.now() >= at && !inflight) await refresh('scheduled');
    const pushAt = pushDueAt();
    if (pushAt !== null && Date.now() >= pushAt)
      await exclusive(async () => {
        const still = pushDueAt();
        if (still !== null && Date.now() >= still) await runPush();
      });
    // A disconnect may have finished while this iteration waited for the lock: end, never continue as new.
    if (ended && strictLock()) break;
    if (++cycles >= MAX_CYCLES || workflowInfo().continueAsNewSuggested) {
      await condition(() => !busy && allHandlersFinished());
      // Runs started before the workload queues continue on the connections queue (workflows/task-queues.ts).
      if (patched(WORKLOAD_QUEUES_PATCH)) {
        const taskQueue = connectionsQueueFrom(workflowInfo().taskQueue);
        return makeContinueAsNewFunc<typeof connectionWorkflow>({ taskQueue })({ ...input, carried: state });
      }
      return continueAsNew<typeof connectionWorkflow>({ ...input, carried: state });
    }
  }
  await condition(allHandlersFinished);
  return state.status;
}
