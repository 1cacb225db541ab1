import {
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  condition,
  log,
  patched,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  CONNECTION_TERMINAL_ERRORS,
  ConnectionErrorType,
  IntegrationStatusAttr,
  PROVIDER_INCIDENT_ERROR,
  type ConnectionCarriedState,
  type ConnectionSnapshot,
  type ConnectionStatus,
  type ConnectionWorkflowInput,
  type RefreshPolicyInput,
  type TokenOutcome,
} from './connection.messages.ts';
import { INTERACTIVE_PRIORITY } from './task-queues.ts';

/*
 * The connection workflow's state and logic (docs/architecture.md): workflows/connection.workflow.ts only
 * registers these methods as handlers and runs the loop. Every command is issued in the order the closure this
 * replaced issued it (test/replay.test.ts replays histories recorded before), and each patch keeps its id.
 */

/** The authorization code is single-use: one attempt (REQ-8). A person waits on it: ahead of background refreshes. */
const { exchangeCode } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 }, priority: INTERACTIVE_PRIORITY });
/** Transient provider failures back off; terminal classes stop at once (REQ-14). */
export const REFRESH_ACTIVITY_OPTIONS: ActivityOptions = {
  // An attempt lost with a killed worker is retried once its heartbeats stop (10 s), and takes over its refresh
  // lease once that lapses (10 s after the last renewal). A second attempt that a late heartbeat starts beside a
  // live one waits for the lease, so one refresh token is never presented twice (db/refresh-lease.ts). Inside
  // an attempt: the token call ends before the lease could lapse, the write retries for 15 s.
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 8, nonRetryableErrorTypes: CONNECTION_TERMINAL_ERRORS },
};
const { refreshTokens } = proxyActivities<Activities>(REFRESH_ACTIVITY_OPTIONS);
/** The same, when a caller waits for it (the token API's on-demand refresh, a manual one): ahead of scheduled ones. */
const { refreshTokens: refreshTokensNow } = proxyActivities<Activities>({ ...REFRESH_ACTIVITY_OPTIONS, priority: INTERACTIVE_PRIORITY });
/**
 * A token set the provider returned that PostgreSQL would not take (sealed by the vault): stored before anything
 * else, with a bounded backoff, until PostgreSQL answers (issue 13: a returned token set is never dropped).
 */
const { storeReturnedTokens } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10 seconds', nonRetryableErrorTypes: CONNECTION_TERMINAL_ERRORS },
});
/** Our own bookkeeping and revocation: retried until Postgres answers. */
const BOOKKEEPING_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: [ConnectionErrorType.notFound] },
};
const { recordStatus } = proxyActivities<Activities>(BOOKKEEPING_ACTIVITY_OPTIONS);
/** A disconnect's caller waits for the revocation's result. */
const { revokeTokens } = proxyActivities<Activities>({ ...BOOKKEEPING_ACTIVITY_OPTIONS, priority: INTERACTIVE_PRIORITY });
/** The sync schedule follows the status; a failure here must never block a connection change. */
const SCHEDULE_ACTIVITY_OPTIONS: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 3 } };
const scheduleActivities = proxyActivities<Activities>(SCHEDULE_ACTIVITY_OPTIONS);
/** The schedule a connect creates, before the person's callback returns. */
const scheduleActivitiesNow = proxyActivities<Activities>({ ...SCHEDULE_ACTIVITY_OPTIONS, priority: INTERACTIVE_PRIORITY });
/** Push subscriptions (Calendar channels, Gmail watch): the activities catch provider errors themselves. */
const { ensurePushSubscription, stopPushSubscription } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: [ConnectionErrorType.notFound] },
});

/** Histories recorded before push subscriptions existed replay without them (docs/conventions.md §6). */
const PUSH_PATCH = 'push-subscriptions';
/** One holder at a time in the lock (and no continue-as-new after a disconnect); older histories replay as they ran. */
export const STRICT_LOCK_PATCH = 'strict-lock';
/** Token activities hand back a token set they could not store, sealed; older histories replay as they ran. */
const KEEP_RETURNED_PATCH = 'keep-returned-tokens';
/** A refresh failed during a provider incident is held (retried at the probe rate); older histories never saw one. */
const INCIDENT_HOLD_PATCH = 'provider-incident-hold';
const HELD_PREFIX = 'Held during a provider incident: ';
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

/** A patch asked once per run, on first use (where the closure asked it), then remembered. */
class Patch {
  private readonly id: string;
  private value: boolean | undefined;
  constructor(id: string) {
    this.id = id;
  }
  get on(): boolean {
    return (this.value ??= patched(this.id));
  }
}

/**
 * The workflow's mutex: one credential change at a time. Under `strict-lock` the waiter takes it inside the
 * condition's predicate: the SDK releases every waiter whose predicate is true in one pass, so
 * `await condition(() => !held); held = true` (older histories) let all waiters in at once when the holder let go.
 */
class Mutex {
  private held = false;
  private readonly strict: Patch;
  private readonly onRelease: () => void;
  constructor(strict: Patch, onRelease: () => void) {
    this.strict = strict;
    this.onRelease = onRelease;
  }

  get locked(): boolean {
    return this.held;
  }

  async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.strict.on) {
      await condition(() => (this.held ? false : (this.held = true)));
    } else {
      await condition(() => !this.held);
      this.held = true;
    }
    try {
      return await fn();
    } finally {
      this.held = false;
      this.onRelease();
    }
  }
}

/**
 * One integration's connection: its carried state, what only this run knows (last error, refresh in flight,
 * retry time, wake-ups), and a method per message. Only ids and non-secret facts live here (REQ-19).
 */
export class Connection {
  readonly state: ConnectionCarriedState;
  /** Set by anything that should make the main loop look again. */
  wake = false;
  /** The run is over (disconnected, or the authorization window passed). */
  ended = false;
  private readonly integrationId: string;
  private readonly provider: string;
  private readonly refreshPolicy: RefreshPolicyInput;
  private lastError: string | null = null;
  private inflight: Promise<TokenOutcome> | null = null;
  private retryAt: number | null = null;
  private pendingSince = Date.now();
  private cycles = 0;
  private readonly push = new Patch(PUSH_PATCH);
  readonly strictLock = new Patch(STRICT_LOCK_PATCH);
  private readonly keepReturned = new Patch(KEEP_RETURNED_PATCH);
  private readonly incidentHold = new Patch(INCIDENT_HOLD_PATCH);
  readonly lock = new Mutex(this.strictLock, () => {
    this.wake = true;
  });

  constructor(input: ConnectionWorkflowInput) {
    this.integrationId = input.integrationId;
    this.provider = input.provider;
    this.refreshPolicy = input.refreshPolicy;
    this.state = input.carried ?? { status: 'pending', tokenExpiresAt: null, tokenIssuedAt: null, lastRefreshStartedAt: null, reauthRequired: false };
  }

  // ── queries and validators ──

  snapshot(): ConnectionSnapshot {
    return {
      status: this.state.status,
      tokenExpiresAt: this.state.tokenExpiresAt,
      refreshAt: this.refreshAt(),
      reauthRequired: this.state.reauthRequired,
      lastError: this.lastError,
      refreshing: this.inflight !== null,
    };
  }

  assertRunning(): void {
    if (this.ended) throw new Error('this connection workflow has ended; start a new connect flow');
  }

  // ── updates ──

  /** The callback hands over a finished authorization response. */
  exchangeCode({ flowId }: { flowId: string }): Promise<TokenOutcome> {
    const { integrationId, state } = this;
    return this.lock.runExclusive(async () => {
      try {
        const facts = await exchangeCode({ integrationId, flowId, ...(this.keepReturned.on ? { keepReturned: true } : {}) });
        await this.storeSealed(facts);
        this.tokensStored(facts);
        state.reauthRequired = false;
        this.setStatus('active');
        await this.manageSyncSchedule('upsert', 'interactive');
        // Subscribed by the main loop, so the callback does not wait for it.
        if (this.push.on) state.pushRenewAt = Date.now();
        return this.outcome(true);
      } catch (error) {
        this.lastError = failureMessage(error);
        await recordStatus({
          integrationId,
          status: state.status,
          error: this.lastError,
          log: { kind: 'connect_failed', level: 'error', message: `Connecting failed: ${this.lastError}` },
          reason: 'connect_failed',
        });
        return this.outcome(false, this.lastError);
      }
    });
  }

  async refreshNow({ requestedAt }: { requestedAt: number }): Promise<TokenOutcome> {
    const { state } = this;
    if (this.inflight) return this.inflight;
    // Coalesce: a refresh that started shortly before this request already answers it.
    const recent = state.lastRefreshStartedAt !== null && state.lastRefreshStartedAt >= requestedAt - REFRESH_COALESCE_MS;
    if (recent && !state.reauthRequired && state.status === 'active') return this.outcome(true);
    return this.refresh('manual');
  }

  async ensureFresh(): Promise<TokenOutcome> {
    const { status } = this.state;
    const at = this.refreshAt();
    if (this.inflight) return this.inflight;
    if (status === 'active' && at !== null && Date.now() >= at) return this.refresh('on-demand');
    return this.outcome(status === 'active', status === 'active' ? undefined : (this.lastError ?? `the integration is ${status}`));
  }

  disconnect({ reason }: { reason: string }): Promise<{ revoked: boolean; detail: string }> {
    const { integrationId, state } = this;
    return this.lock.runExclusive(async () => {
      // Stopped while the tokens still work: the provider needs them to stop a channel.
      if (this.push.on) {
        if (state.pushRenewAt != null)
          await stopPushSubscription({ integrationId }).catch((error) =>
            log.warn('push subscription not stopped', { integrationId, error: failureMessage(error) }),
          );
        state.pushRenewAt = null;
      }
      const result = await revokeTokens({ integrationId, reason });
      await this.manageSyncSchedule('delete', 'interactive');
      state.tokenExpiresAt = null;
      state.reauthRequired = false;
      this.setStatus('disconnected');
      this.ended = true;
      return result;
    });
  }

  // ── signals ──

  providerRevoked({ reason }: { reason: string }): void {
    const { integrationId, state } = this;
    void this.lock.runExclusive(async () => {
      if (state.status === 'disconnected') return;
      state.reauthRequired = true;
      this.lastError = `${this.provider} revoked access (${reason}) — reconnect`;
      this.setStatus('error');
      await recordStatus({
        integrationId,
        status: 'error',
        error: this.lastError,
        clearCredentials: true,
        log: { kind: 'provider_revoked', level: 'error', message: this.lastError },
        reason: 'provider_revoked',
      });
      await this.manageSyncSchedule('pause');
    });
  }

  pushRenew({ reason }: { reason: string }): void {
    if (this.state.status !== 'active' || !this.push.on) return;
    log.info('push subscription to be replaced now', { integrationId: this.integrationId, reason });
    this.state.pushRenewAt = Date.now();
    this.wake = true;
  }

  flowStarted(): void {
    this.pendingSince = Date.now();
    this.wake = true;
  }

  settingsChanged(): void {
    // New client credentials may fix an invalid_client: try again.
    if (this.state.reauthRequired && this.lastError?.startsWith('Provider app misconfigured')) {
      this.state.reauthRequired = false;
      this.retryAt = Date.now();
    }
    // A new sync interval goes to the schedule.
    if (this.state.status === 'active') void this.lock.runExclusive(() => this.manageSyncSchedule('upsert'));
    this.wake = true;
  }

  // ── the main loop ──

  /**
   * Waits for the next thing due (authorization window, refresh, push renewal) or a message, does it, and says
   * whether the run should continue as new. Kept as one body: its awaits are those of the loop the recorded
   * histories ran, so commands interleave with the handlers' exactly as they did.
   */
  async run(): Promise<'ended' | 'continue-as-new'> {
    const { state } = this;
    upsertSearchAttributes([{ key: IntegrationStatusAttr, value: state.status }]);
    while (!this.ended) {
      const due = state.status === 'pending' ? this.pendingSince + AUTHORIZATION_WINDOW_MS : earliest(this.refreshAt(), this.pushDueAt());
      this.wake = false;
      let timedOut = false;
      if (due === null) await condition(() => this.wake || this.ended);
      else timedOut = !(await condition(() => this.wake || this.ended, Math.max(1, due - Date.now())));
      if (this.ended) break;
      if (timedOut && state.status === 'pending') {
        // Nobody completed the authorization in time: end; the next callback starts a new run.
        this.ended = true;
        break;
      }
      const at = this.refreshAt();
      if (at !== null && Date.now() >= at && !this.inflight) await this.refresh('scheduled');
      const pushAt = this.pushDueAt();
      if (pushAt !== null && Date.now() >= pushAt)
        await this.lock.runExclusive(async () => {
          const still = this.pushDueAt();
          if (still !== null && Date.now() >= still) await this.runPush();
        });
      // A disconnect may have finished while this iteration waited for the lock: end, never continue as new.
      if (this.ended && this.strictLock.on) break;
      if (++this.cycles >= MAX_CYCLES || workflowInfo().continueAsNewSuggested) return 'continue-as-new';
    }
    return 'ended';
  }

  // ── refresh ──

  /** Joins a refresh in flight instead of starting a second one. */
  private refresh(reason: string): Promise<TokenOutcome> {
    this.inflight ??= this.lock
      .runExclusive(() => this.runRefresh(reason))
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  private async runRefresh(reason: string): Promise<TokenOutcome> {
    const { integrationId, state } = this;
    if (state.status === 'pending' || state.status === 'disconnected') return this.outcome(false, 'the integration is not connected');
    if (state.reauthRequired) return this.outcome(false, this.lastError ?? 'reauthorization required');
    state.lastRefreshStartedAt = Date.now();
    try {
      const refresh = reason === 'scheduled' ? refreshTokens : refreshTokensNow;
      const facts = await refresh({ integrationId, ...(this.keepReturned.on ? { keepReturned: true } : {}) });
      await this.storeSealed(facts);
      this.tokensStored(facts);
      const recovered = state.status === 'error';
      this.setStatus('active');
      if (recovered) await this.manageSyncSchedule('upsert');
      return this.outcome(true);
    } catch (error) {
      if (failureType(error) === PROVIDER_INCIDENT_ERROR && this.incidentHold.on) return this.refreshHeld(error, reason);
      const failed = this.refreshFailed(failureType(error), failureMessage(error));
      this.lastError = failed.message;
      this.setStatus('error');
      // An activity input field, not a command: histories recorded before it replay unchanged.
      await recordStatus({
        integrationId,
        status: 'error',
        error: this.lastError,
        log: { kind: 'refresh_failed', level: 'error', message: `${reason} refresh failed: ${this.lastError}` },
        reason: failed.reason,
      });
      await this.manageSyncSchedule('pause');
      return this.outcome(false, this.lastError);
    }
  }

  /**
   * What a failed refresh means: reauthorization for a dead grant or a bad app, a retry later for the rest; the
   * reason tells recordStatus which tenant event the status sends.
   */
  private refreshFailed(
    type: string | undefined,
    message: string,
  ): { message: string; reason: 'reauthorization_required' | 'app_misconfigured' | 'refresh_failing' } {
    if (type === ConnectionErrorType.invalidGrant || type === ConnectionErrorType.noRefreshToken) {
      this.state.reauthRequired = true;
      return { message: `Reauthorization required: ${message}. Reconnect the integration.`, reason: 'reauthorization_required' };
    }
    if (type === ConnectionErrorType.invalidClient) {
      this.state.reauthRequired = true;
      return { message: `Provider app misconfigured: ${message}`, reason: 'app_misconfigured' };
    }
    this.retryAt = Date.now() + TRANSIENT_RETRY_MS;
    return { message: `Refresh failed after retries (${message}); retrying automatically in 5 minutes`, reason: 'refresh_failing' };
  }

  /**
   * A refresh failed while its provider has an open incident (activities/incidents.ts): held as transient, never
   * reauthorization; tried again when the activity says (the probe rate). The status and log are written once per
   * hold, not on every probe.
   */
  private async refreshHeld(error: unknown, reason: string): Promise<TokenOutcome> {
    const { integrationId, state } = this;
    const details = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause.details : undefined;
    const asked = Number((details?.[0] as { retryAfterMs?: unknown } | undefined)?.retryAfterMs);
    this.retryAt = Date.now() + Math.min(Math.max(Number.isFinite(asked) ? asked : TRANSIENT_RETRY_MS, 1_000), TRANSIENT_RETRY_MS);
    const already = state.status === 'error' && this.lastError?.startsWith(HELD_PREFIX) === true;
    this.lastError = `${HELD_PREFIX}${failureMessage(error)}`;
    if (already) return this.outcome(false, this.lastError);
    this.setStatus('error');
    await recordStatus({
      integrationId,
      status: 'error',
      error: this.lastError,
      log: { kind: 'refresh_held', level: 'warn', message: `${reason} refresh held: ${this.lastError}` },
    });
    await this.manageSyncSchedule('pause');
    return this.outcome(false, this.lastError);
  }

  /** When the next scheduled refresh is due: remaining lifetime ≤ min(maxLead, fraction × lifetime). */
  private refreshAt(): number | null {
    const { state, refreshPolicy } = this;
    if (state.status === 'pending' || state.status === 'disconnected' || state.reauthRequired) return null;
    if (this.retryAt !== null) return this.retryAt;
    if (!refreshPolicy.supported || state.tokenExpiresAt === null) return null;
    const lifetime = Math.max(0, state.tokenExpiresAt - (state.tokenIssuedAt ?? state.tokenExpiresAt));
    return state.tokenExpiresAt - Math.min(refreshPolicy.maxLeadSeconds * 1000, refreshPolicy.leadFraction * lifetime);
  }

  // ── push subscriptions ──

  /**
   * When the push subscription must be created or renewed: `undefined` means it was never looked at (the
   * integration connected before push subscriptions existed), `null` that there is nothing to renew.
   */
  private pushDueAt(): number | null {
    const { state } = this;
    if (state.status !== 'active' || state.reauthRequired || !this.push.on) return null;
    return state.pushRenewAt === undefined ? Date.now() : state.pushRenewAt;
  }

  private async runPush(): Promise<void> {
    const { integrationId } = this;
    try {
      const { renewAt } = await ensurePushSubscription({ integrationId });
      this.state.pushRenewAt = renewAt;
    } catch (error) {
      this.state.pushRenewAt = Date.now() + PUSH_RETRY_MS;
      log.warn('push subscription not updated', { integrationId, error: failureMessage(error) });
    }
  }

  // ── small helpers ──

  /**
   * Stores a token set an activity returned sealed, inside the lock, before any further refresh: the next one
   * must present the refresh token this set holds. The ciphertext lives only in this run's history: the lock
   * is held until it is stored, and continue-as-new waits for the lock, so it is never carried over.
   */
  private async storeSealed(facts: { sealedTokens?: string }): Promise<void> {
    if (facts.sealedTokens) await storeReturnedTokens({ integrationId: this.integrationId, sealedTokens: facts.sealedTokens });
  }

  /** A token set is stored: its times, and no error or retry pending. */
  private tokensStored(facts: { tokenExpiresAt: number | null; tokenIssuedAt: number }): void {
    this.state.tokenExpiresAt = facts.tokenExpiresAt;
    this.state.tokenIssuedAt = facts.tokenIssuedAt;
    this.retryAt = null;
    this.lastError = null;
  }

  private async manageSyncSchedule(action: 'upsert' | 'pause' | 'delete', priority: 'interactive' | 'background' = 'background'): Promise<void> {
    const { integrationId } = this;
    try {
      await (priority === 'interactive' ? scheduleActivitiesNow : scheduleActivities).manageSyncSchedule({ integrationId, action });
    } catch (error) {
      log.warn('sync schedule not updated', { integrationId, action, error: failureMessage(error) });
    }
  }

  private outcome(ok: boolean, error?: string): TokenOutcome {
    return { ok, status: this.state.status, tokenExpiresAt: this.state.tokenExpiresAt, ...(error ? { error } : {}) };
  }

  private setStatus(status: ConnectionStatus): void {
    this.state.status = status;
    upsertSearchAttributes([{ key: IntegrationStatusAttr, value: status }]);
  }
}
