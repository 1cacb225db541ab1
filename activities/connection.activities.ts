import { activityInfo, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { openReturnedTokens, readCredentials, readSecrets, sealReturnedTokens, writeCredentials } from '../db/credentials.ts';
import { OAuthFlow, type Integration, type IntegrationStatus } from '../db/entities/index.ts';
import { takeRefreshLease } from '../db/refresh-lease.ts';
import { appendLog, type LogLevel } from '../db/repositories/integration-logs.repository.ts';
import type { ErrorReason } from '../lib/events/types.ts';
import { clientConfiguration, oidc } from '../lib/oauth/client.ts';
import {
  connectFailureMessage,
  isStaticMode,
  mintToken,
  ModeError,
  ownGithubApp,
  verifyStatic,
  type GithubAppConfig,
  type ModeCredentials,
} from '../lib/oauth/modes.ts';
import { revokeAtProvider, revokeInstallationToken } from '../lib/oauth/revoke.ts';
import { readConnectedApp, type ConnectedApp } from '../lib/webhooks/app-identity.ts';
import { normalizeTokenResponse, type NormalizedTokens } from '../lib/oauth/tokens.ts';
import { connectMetadataFromAnswers, missingConnectMetadata, needsUserinfo, requestConnectMetadata } from '../providers/catalog/connect-metadata.ts';
import type { ProviderDefinition } from '../providers/types.ts';
import { ConnectionErrorType } from '../workflows/connection.messages.ts';
import type { ActivityDeps } from './deps.ts';
import { createIncidentGuard } from './incidents.ts';
import { createTenantEventEmitters } from './tenant-events.ts';
import { loadIntegration } from './load.ts';

/**
 * Activities of the connection workflow. They load and decrypt credentials by integration id and return
 * only non-secret facts (REQ-19): expiry times, statuses, error classes.
 */

export interface TokenFacts {
  tokenExpiresAt: number | null;
  tokenIssuedAt: number;
  /**
   * The token set the provider returned, sealed by the vault (ciphertext only, REQ-19), when PostgreSQL would
   * not take it within WRITE_RETRY_MS: the workflow stores it with `storeReturnedTokens` before anything else.
   */
  sealedTokens?: string;
}

/** Whether the workflow takes a sealed token set back (runs from before `keep-returned-tokens` do not). */
export interface KeepReturned {
  keepReturned?: boolean;
}

/** How long an activity keeps retrying the write of a token set the provider has returned (issue 13). */
export const WRITE_RETRY_MS = 15_000;

/** A refresh attempt found the integration's refresh lease held by another (retried once it lapses or is freed). */
export const REFRESH_LEASE_HELD = 'RefreshLeaseHeld';
/** The token call must end this long before the refresh lease could lapse (db/refresh-lease.ts). */
const REFRESH_CALL_MARGIN_MS = 1_500;
/** Below this budget for the token call, an attempt presents nothing and is retried. */
const REFRESH_CALL_MIN_MS = 5_000;

/** A token set the provider returned, with what its write needs; only ever leaves an activity sealed. */
type ReturnedTokens =
  | { kind: 'refresh'; providerName: string; normalized: NormalizedTokens; rotated: boolean; leaseHolder?: string }
  | { kind: 'exchange'; providerName: string; flowId: string; normalized: NormalizedTokens; app: ConnectedApp };

const CLIENT_ERRORS = new Set([
  'invalid_client',
  'unauthorized_client',
  'incorrect_client_credentials',
  'bad_client_secret',
  'invalid_client_id',
  'BAD_CLIENT_ID',
]);
const GRANT_ERRORS = new Set([
  'invalid_grant',
  'bad_refresh_token',
  'bad_verification_code',
  'invalid_code',
  'invalid_refresh_token',
  'BAD_REFRESH_TOKEN',
  'token_revoked',
  'token_expired',
]);

function describeProviderError(error: unknown): { code: string; status?: number } {
  if (error instanceof ModeError) return { code: error.code, status: error.status };
  if (error instanceof oidc.ResponseBodyError) return { code: error.error, status: error.status };
  if (error instanceof oidc.AuthorizationResponseError) return { code: error.error };
  if (error instanceof oidc.ClientError) return { code: error.code ?? 'client_error' };
  return { code: (error as Error)?.name ?? 'error' };
}

/** Maps a token-endpoint failure to a terminal ApplicationFailure or rethrows it as transient (retried). */
function classify(error: unknown, def: ProviderDefinition): never {
  const { code, status } = describeProviderError(error);
  if (error instanceof ModeError) {
    // A minted mode (lib/oauth/modes.ts) mints with what the connection supplied (client credentials, service-account
    // key, its own GitHub App): a refusal is the tenant's to fix by connecting again, not the operator's.
    if (status === 401 || CLIENT_ERRORS.has(code) || ['invalid_private_key', 'app_not_configured'].includes(code)) {
      throw ApplicationFailure.nonRetryable(
        `${def.name} refused this connection's credentials (${code}${status ? `, HTTP ${status}` : ''}): connect it again with valid ones`,
        ConnectionErrorType.invalidGrant,
      );
    }
    // No status and not a network failure (wrong_mode, invalid_response, no_api_base): the same answer every time.
    if (status === undefined && code !== 'provider_unreachable') throw ApplicationFailure.nonRetryable(error.message, ConnectionErrorType.authorizationFailed);
  }
  if (CLIENT_ERRORS.has(code)) {
    throw ApplicationFailure.nonRetryable(
      `${def.name} rejected the OAuth app credentials (${code}): the operator must fix the ${def.name} client id/secret`,
      ConnectionErrorType.invalidClient,
    );
  }
  if (GRANT_ERRORS.has(code)) throw ApplicationFailure.nonRetryable(`${def.name} refused the grant (${code})`, ConnectionErrorType.invalidGrant);
  if (status !== undefined && status >= 400 && status < 500 && status !== 429 && status !== 408) {
    throw ApplicationFailure.nonRetryable(`${def.name} rejected the token request (${code}, HTTP ${status})`, ConnectionErrorType.invalidGrant);
  }
  // 5xx, 429, timeouts, network errors: transient; the activity retry policy backs off.
  throw ApplicationFailure.retryable(`${def.name} token endpoint unavailable (${code}${status ? `, HTTP ${status}` : ''})`, 'ProviderUnavailable');
}

export function createConnectionActivities(deps: ActivityDeps) {
  const { orm, vault, providers } = deps;
  const events = createTenantEventEmitters(deps);
  const incidents = createIncidentGuard(deps);

  async function configFor(em: EntityManager, integration: Integration, purpose: 'code' | 'refresh' = 'code') {
    const def = await providers.resolveFor(em, integration);
    const credentials = await providers.clientCredentials(em, integration).catch((error: Error) => {
      throw ApplicationFailure.nonRetryable(error.message, ConnectionErrorType.invalidClient);
    });
    return { def, config: clientConfiguration(def, credentials, purpose), clientId: credentials.clientId };
  }

  /** Writes a returned token set: the integration row, its log and (for a code exchange) the flow, in one transaction. */
  async function write(integrationId: string, returned: ReturnedTokens): Promise<void> {
    const { normalized } = returned;
    await orm.em.fork().transactional(async (tem) => {
      const row = await loadIntegration(tem, integrationId, { lock: true });
      if (returned.kind === 'refresh') {
        writeCredentials(vault, row, normalized.credentials);
        row.tokenExpiresAt = normalized.credentials.expiresAt ? new Date(normalized.credentials.expiresAt) : null;
        row.refreshTokenExpiresAt = normalized.credentials.refreshTokenExpiresAt ? new Date(normalized.credentials.refreshTokenExpiresAt) : null;
        if (normalized.scopes.length) row.scopes = normalized.scopes;
        if (row.status !== 'disconnected') row.status = 'active';
        row.lastError = null;
        row.errorCount = 0;
        // The refresh lease ends with the write of what its holder presented for (db/refresh-lease.ts).
        row.refreshedAt = new Date();
        if (returned.leaseHolder !== undefined && row.refreshLeaseHolder === returned.leaseHolder) {
          row.refreshLeaseHolder = null;
          row.refreshLeaseExpiresAt = null;
        }
        appendLog(tem, {
          tenantId: row.tenantId,
          integrationId: row.id,
          kind: 'refreshed',
          message: `Access token refreshed${returned.rotated ? ' (refresh token rotated)' : ''}`,
        });
        return;
      }
      const { app, providerName: name } = returned;
      if (row.externalAccountId && normalized.accountId && row.externalAccountId !== normalized.accountId) {
        throw ApplicationFailure.nonRetryable(
          `this integration is connected to ${name} account ${row.externalAccountId}, but the authorization was for ${normalized.accountId}; delete the integration to connect another account (REQ-9)`,
          ConnectionErrorType.authorizationFailed,
        );
      }
      writeCredentials(vault, row, normalized.credentials);
      row.status = 'active';
      row.tokenExpiresAt = normalized.credentials.expiresAt ? new Date(normalized.credentials.expiresAt) : null;
      row.refreshTokenExpiresAt = normalized.credentials.refreshTokenExpiresAt ? new Date(normalized.credentials.refreshTokenExpiresAt) : null;
      row.scopes = normalized.scopes;
      row.externalAccountId = normalized.accountId ?? row.externalAccountId;
      row.oauthAppId = app.oauthAppId;
      row.externalInstallationId = app.installationId;
      if (app.error) {
        appendLog(tem, {
          tenantId: row.tenantId,
          integrationId: row.id,
          kind: 'webhook_routing',
          level: 'warn',
          message: `${name} app installation unknown (${app.error}): app-level webhooks will not reach this integration until it reconnects`,
        });
      }
      row.settings = { ...row.settings, ...(Object.keys(normalized.metadata).length ? { providerMetadata: normalized.metadata } : {}) };
      row.lastError = null;
      row.errorCount = 0;
      appendLog(tem, {
        tenantId: row.tenantId,
        integrationId: row.id,
        kind: 'connected',
        message: `Connected to ${name}${normalized.accountId ? ` as ${normalized.accountId}` : ''}`,
      });
      const current = await tem.findOne(OAuthFlow, { id: returned.flowId });
      if (current) current.outcome = 'connected';
      await events.connected(tem, row);
    });
  }

  /**
   * Writes the token set the provider just returned, retrying for WRITE_RETRY_MS: the provider may have rotated
   * the refresh token or consumed the code, so a retry of the grant would present a dead one and, at providers
   * with reuse detection, revoke the whole grant. When PostgreSQL is still down, returns the set sealed for the
   * workflow to store (if it takes it back); it is never dropped while the workflow runs.
   */
  async function keep(integration: Integration, returned: ReturnedTokens, keepReturned = false): Promise<string | undefined> {
    const deadline = Date.now() + WRITE_RETRY_MS;
    for (let delay = 250; ; delay = Math.min(delay * 2, 4_000)) {
      try {
        await write(integration.id, returned);
        return undefined;
      } catch (error) {
        if (error instanceof ApplicationFailure) throw error;
        if (Date.now() >= deadline) {
          if (keepReturned) return sealReturnedTokens(vault, integration, returned);
          throw error;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
    }
  }

  /**
   * After a code exchange's tokens are saved: reads the connectMetadata values that need a request of their own and
   * adds them to `settings.providerMetadata`; a value still missing is said in the integration's log. Best effort: it
   * never throws (the code is spent, and a failure here must not undo or retry a saved connection); the proxy falls
   * back to `apiBaseUrl` while a value is missing.
   */
  async function completeConnectMetadata(integrationId: string, def: ProviderDefinition, normalized: NormalizedTokens): Promise<void> {
    if (!def.connectMetadata?.length) return;
    try {
      const requested = await requestConnectMetadata(def, { accessToken: normalized.credentials.accessToken });
      const values = { ...normalized.metadata, ...requested };
      const missing = missingConnectMetadata(def, values);
      if (!Object.keys(requested).length && !missing.length) return;
      await orm.em.fork().transactional(async (tem) => {
        const row = await loadIntegration(tem, integrationId, { lock: true });
        if (Object.keys(requested).length) {
          const current = (row.settings.providerMetadata ?? {}) as Record<string, unknown>;
          row.settings = { ...row.settings, providerMetadata: { ...current, ...requested } };
        }
        if (missing.length) {
          appendLog(tem, {
            tenantId: row.tenantId,
            integrationId: row.id,
            kind: 'connected',
            level: 'warn',
            message: `${def.name} did not provide ${missing.join(', ')} at connect: calls through the proxy use the default API base until it reconnects`,
          });
        }
      });
    } catch (error) {
      deps.logger.warn({ integrationId, err: (error as Error).message }, 'connect metadata not saved');
    }
  }

  /** The App id and private key of a `github_app` integration: its own secrets only (ownGithubApp: no operator App). */
  function githubAppConfig(integration: Integration): GithubAppConfig | undefined {
    return ownGithubApp(readSecrets(vault, integration));
  }

  /**
   * Connects with supplied credentials (every mode but the authorization-code grant): a static credential is
   * checked with the entry's verify request, a minted mode fetches its first token. A refusal is terminal and its
   * message names the status, never the credential.
   */
  async function connectWithCredentials(
    integration: Integration,
    def: ProviderDefinition,
    flow: OAuthFlow,
    params: URLSearchParams,
    keepReturned: boolean | undefined,
  ): Promise<TokenFacts & { accountId: string | null }> {
    const raw = params.get('credentials');
    const cred = raw ? (JSON.parse(raw) as ModeCredentials) : undefined;
    if (!cred || cred.type !== def.auth?.mode) {
      throw ApplicationFailure.nonRetryable(
        `no ${def.auth?.mode ?? 'oauth2'} credentials were supplied for ${def.name}`,
        ConnectionErrorType.authorizationFailed,
      );
    }
    let normalized: NormalizedTokens;
    try {
      if (isStaticMode(def.auth)) {
        await verifyStatic(def, cred);
        normalized = { credentials: { accessToken: '', mode: cred }, scopes: [], accountId: null, metadata: {} };
      } else {
        const token = await mintToken(def, cred, { githubApp: githubAppConfig(integration) });
        normalized = {
          credentials: { accessToken: token.accessToken, tokenType: 'Bearer', expiresAt: token.expiresAt, issuedAt: token.issuedAt, mode: cred },
          scopes: token.scopes,
          accountId: null,
          metadata: {},
        };
      }
    } catch (error) {
      // Only this message crosses the workflow: it says (connectRefusal) whether the provider refused or was down.
      throw ApplicationFailure.nonRetryable(connectFailureMessage(def, error), ConnectionErrorType.authorizationFailed);
    }
    const app = {
      oauthAppId: cred.type === 'github_app' ? (githubAppConfig(integration)?.appId ?? def.key) : def.key,
      installationId: cred.type === 'github_app' ? cred.installationId : null,
    };
    const sealedTokens = await keep(integration, { kind: 'exchange', providerName: def.name, flowId: flow.id, normalized, app }, keepReturned);
    return {
      tokenExpiresAt: normalized.credentials.expiresAt ?? null,
      tokenIssuedAt: Date.now(),
      accountId: null,
      ...(sealedTokens ? { sealedTokens } : {}),
    };
  }

  return {
    /** Exchanges the authorization code stored (encrypted) on the flow, exactly once (REQ-8); or connects with supplied credentials. */
    async exchangeCode(input: { integrationId: string; flowId: string } & KeepReturned): Promise<TokenFacts & { accountId: string | null }> {
      const em = orm.em.fork();
      const integration = await loadIntegration(em, input.integrationId);
      const flow = await em.findOne(OAuthFlow, { id: input.flowId, integrationId: integration.id, tenantId: integration.tenantId });
      if (!flow?.callbackParams)
        throw ApplicationFailure.nonRetryable('the authorization flow has no pending response', ConnectionErrorType.authorizationFailed);
      const params = new URLSearchParams(
        vault.decrypt(flow.callbackParams, { tenantId: flow.tenantId, entity: 'oauth_flow', id: flow.id, field: 'callbackParams' }),
      );
      const verifier = flow.pkceVerifier
        ? vault.decrypt(flow.pkceVerifier, { tenantId: flow.tenantId, entity: 'oauth_flow', id: flow.id, field: 'pkceVerifier' })
        : undefined;
      // The code is consumed now whatever happens next.
      flow.callbackParams = null;
      flow.pkceVerifier = null;
      await em.flush();

      const modeDef = await providers.resolveFor(em, integration);
      if (modeDef.auth) return connectWithCredentials(integration, modeDef, flow, params, input.keepReturned);
      const { def, config, clientId } = await configFor(em, integration);
      const callbackUrl = new URL(flow.redirectUri);
      callbackUrl.search = params.toString();
      let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
      try {
        tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: verifier,
          expectedState: params.get('state') ?? undefined,
          idTokenExpected: flow.scopes.includes('openid') && Boolean(def.jwksUri),
        });
      } catch (error) {
        const { code, status } = describeProviderError(error);
        if (CLIENT_ERRORS.has(code)) classify(error, def);
        throw ApplicationFailure.nonRetryable(
          `${def.name} did not complete the authorization (${code}${status ? `, HTTP ${status}` : ''})`,
          ConnectionErrorType.authorizationFailed,
        );
      }
      const { userinfo, ...normalized } = await normalizeTokenResponse(def, tokens, {
        requestedScopes: flow.scopes,
        previous: undefined,
        settings: integration.settings,
        wantUserinfo: needsUserinfo(def),
      });
      // Non-secret values the provider's API needs that these answers carry (QuickBooks realmId, Mailchimp dc): saved
      // with the tokens. A value that needs a request of its own (Xero tenant) is read once the tokens are saved.
      Object.assign(normalized.metadata, connectMetadataFromAnswers(def, { callbackParams: params, userinfo }));
      // Which app this connection belongs to, as the provider's webhooks name it: app-level deliveries route by it.
      const app = await readConnectedApp(def, {
        clientId,
        accessToken: normalized.credentials.accessToken,
        accountId: normalized.accountId,
        tokenResponse: tokens,
      });
      const sealedTokens = await keep(integration, { kind: 'exchange', providerName: def.name, flowId: flow.id, normalized, app }, input.keepReturned);
      // Saved (or, with PostgreSQL down, handed to the workflow sealed: then nothing more can be written here).
      if (!sealedTokens) await completeConnectMetadata(integration.id, def, normalized);
      return {
        tokenExpiresAt: normalized.credentials.expiresAt ?? null,
        tokenIssuedAt: Date.now(),
        accountId: normalized.accountId,
        ...(sealedTokens ? { sealedTokens } : {}),
      };
    },

    /**
     * Refreshes with the stored refresh token; a rotated refresh token is stored in the same transaction as
     * the access token (REQ-11). Only the holder of the integration's refresh lease presents it (REQ-12,
     * db/refresh-lease.ts): an attempt that finds the lease held waits for it, and a refresh stored meanwhile is its
     * result. On invalid_grant, re-reads first: a token rotated meanwhile is a success (REQ-12). The returned set is
     * never dropped: see `keep`.
     */
    async refreshTokens(input: { integrationId: string } & KeepReturned): Promise<TokenFacts> {
      const info = activityInfo();
      // Unique per attempt (activity ids restart with each run of a workflow): the lease tells attempts apart.
      const run = info.workflowExecution;
      const holder = `${run ? `${run.workflowId}/${run.runId}` : info.activityType}/${info.activityId}/${info.attempt}`;
      // Taken before the refresh token is read: what this attempt reads is what no other attempt is presenting.
      const take = await takeRefreshLease(orm.em.fork(), input.integrationId, holder);
      if (!take.taken) {
        if ('missing' in take) throw ApplicationFailure.nonRetryable(`integration ${input.integrationId} no longer exists`, ConnectionErrorType.notFound);
        throw ApplicationFailure.create({
          message: `another refresh of this integration holds its refresh lease for ${take.remainingMs} ms more`,
          type: REFRESH_LEASE_HELD,
          nextRetryDelay: Math.max(take.remainingMs, 100) + 100,
        });
      }
      const { lease } = take;
      lease.keepAlive(() => {
        if (info.heartbeatTimeoutMs) heartbeat();
      });
      // Once the provider has answered, the stored refresh token may be spent: the lease is never handed back then.
      // The write of the new set releases it (here, or storeReturnedTokens for a set returned sealed); until then it
      // lapses only after its term, and no other attempt presents the old token meanwhile (REQ-11).
      let answered = false;
      try {
        const em = orm.em.fork();
        const integration = await loadIntegration(em, input.integrationId);
        // REQ-12: a refresh stored after this one was requested (by an earlier attempt whose completion Temporal
        // no longer takes, or a parallel one) already did the work: re-read, present nothing.
        const refreshedAt = take.refreshedAt ? new Date(take.refreshedAt).getTime() : 0;
        if (refreshedAt >= info.scheduledTimestampMs && integration.status === 'active') {
          return { tokenExpiresAt: integration.tokenExpiresAt?.getTime() ?? null, tokenIssuedAt: refreshedAt };
        }
        const current = readCredentials(vault, integration);
        // A static credential (API key, Basic) has nothing to refresh: a refresh-now leaves it as it is.
        if (isStaticMode(current?.mode)) return { tokenExpiresAt: null, tokenIssuedAt: Date.now() };
        if (current?.mode) {
          // A minted mode: no refresh token exists; a new token is minted from what the connection supplied.
          const def = await providers.resolveFor(em, integration);
          let token;
          try {
            // `answered` stays false: minting spends nothing, so a failure after it frees the lease at once.
            token = await mintToken(def, current.mode, { githubApp: githubAppConfig(integration) });
          } catch (error) {
            try {
              classify(error, def);
            } catch (failure) {
              await incidents.refreshFailed(integration, def, failure, describeProviderError(error));
              throw failure;
            }
          }
          const normalized: NormalizedTokens = {
            credentials: { ...current, accessToken: token.accessToken, expiresAt: token.expiresAt, issuedAt: token.issuedAt },
            scopes: token.scopes,
            accountId: null,
            metadata: {},
          };
          const sealedTokens = await keep(
            integration,
            { kind: 'refresh', providerName: def.name, normalized, rotated: false, leaseHolder: holder },
            input.keepReturned,
          );
          await incidents.refreshSucceeded(integration.id);
          return { tokenExpiresAt: token.expiresAt, tokenIssuedAt: Date.now(), ...(sealedTokens ? { sealedTokens } : {}) };
        }
        if (!current?.refreshToken) {
          throw ApplicationFailure.nonRetryable(`no refresh token is stored for this integration`, ConnectionErrorType.noRefreshToken);
        }
        const { def, config } = await configFor(em, integration, 'refresh');
        // Present only under a lease that outlasts the whole token call: if renewals stop (PostgreSQL down), no
        // other attempt can take the lease and present the same token before this call has ended.
        await lease.renew();
        const budgetMs = lease.remainingMs() - REFRESH_CALL_MARGIN_MS;
        if (budgetMs < REFRESH_CALL_MIN_MS) {
          throw ApplicationFailure.retryable(`the refresh lease could not be renewed (PostgreSQL unavailable); nothing was presented`, REFRESH_LEASE_HELD);
        }
        config.timeout = Math.min(config.timeout ?? 15, Math.floor(budgetMs / 1000));
        let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
        try {
          tokens = await oidc.refreshTokenGrant(config, current.refreshToken);
          answered = true;
        } catch (error) {
          const reread = readCredentials(vault, await loadIntegration(orm.em.fork(), input.integrationId));
          if (reread && reread.refreshToken !== current.refreshToken && (reread.expiresAt ?? Infinity) > Date.now()) {
            return { tokenExpiresAt: reread.expiresAt ?? null, tokenIssuedAt: Date.now() };
          }
          try {
            classify(error, def);
          } catch (failure) {
            // During a provider incident the failure is held as transient (activities/incidents.ts).
            await incidents.refreshFailed(integration, def, failure, describeProviderError(error));
            throw failure;
          }
        }
        const normalized = await normalizeTokenResponse(def, tokens, {
          requestedScopes: integration.scopes ?? def.defaultScopes,
          previous: current,
          settings: integration.settings,
        });
        const sealedTokens = await keep(
          integration,
          { kind: 'refresh', providerName: def.name, normalized, rotated: Boolean(tokens.refresh_token), leaseHolder: holder },
          input.keepReturned,
        );
        await incidents.refreshSucceeded(integration.id);
        return { tokenExpiresAt: normalized.credentials.expiresAt ?? null, tokenIssuedAt: Date.now(), ...(sealedTokens ? { sealedTokens } : {}) };
      } finally {
        // Nothing presented, or refused: free it now, so that the next attempt need not wait for it to lapse.
        await lease.stop({ release: !answered });
      }
    },

    /** Stores a token set an activity returned sealed; the workflow retries this until PostgreSQL answers. */
    async storeReturnedTokens(input: { integrationId: string; sealedTokens: string }): Promise<void> {
      const integration = await loadIntegration(orm.em.fork(), input.integrationId);
      await write(integration.id, openReturnedTokens<ReturnedTokens>(vault, integration, input.sealedTokens));
    },

    /** Revokes at the provider (RFC 7009 or its own endpoint), then clears local credentials even if that failed (REQ-16). */
    async revokeTokens(input: { integrationId: string; reason: string }): Promise<{ revoked: boolean; detail: string }> {
      const em = orm.em.fork();
      const integration = await loadIntegration(em, input.integrationId);
      const credentials = readCredentials(vault, integration);
      let outcome = { revoked: false, detail: 'nothing to revoke' };
      if (credentials?.mode?.type === 'github_app' && credentials.accessToken) {
        // The installation token minted last is revoked (DELETE /installation/token); best effort, as every revocation.
        try {
          outcome = await revokeInstallationToken(await providers.resolveFor(em, integration), credentials.accessToken);
        } catch (error) {
          outcome = { revoked: false, detail: `revocation failed: ${describeProviderError(error).code}` };
        }
      } else if (credentials?.mode) {
        // API key, Basic, client credentials, JWT bearer: no remote revocation; deleting the credential is the disconnect.
        outcome = { revoked: false, detail: 'credentials deleted (this auth mode has no remote revocation)' };
      } else if (credentials) {
        try {
          const def = await providers.resolveFor(em, integration);
          const client = await providers.clientCredentials(em, integration);
          outcome = await revokeAtProvider(def, client, credentials);
        } catch (error) {
          outcome = { revoked: false, detail: `revocation failed: ${describeProviderError(error).code}` };
        }
      }
      await em.transactional(async (tem) => {
        const row = await loadIntegration(tem, integration.id, { lock: true });
        writeCredentials(vault, row, undefined);
        row.status = 'disconnected';
        row.tokenExpiresAt = null;
        row.refreshTokenExpiresAt = null;
        appendLog(tem, {
          tenantId: row.tenantId,
          integrationId: row.id,
          kind: outcome.revoked ? 'revoked' : credentials?.mode ? 'credentials_deleted' : 'revoke_failed',
          level: outcome.revoked || !credentials || credentials.mode ? 'info' : 'warn',
          message: `Disconnected (${input.reason}): ${outcome.detail}`,
        });
        await events.disconnected(tem, row, input.reason);
      });
      return outcome;
    },

    /** Records a status change decided by the workflow (errors, provider revocation). */
    async recordStatus(input: {
      integrationId: string;
      status: IntegrationStatus;
      error?: string | null;
      log: { kind: string; level: LogLevel; message: string };
      clearCredentials?: boolean;
      /** What the error means (which tenant event it sends); absent in histories recorded before the field. */
      reason?: ErrorReason;
    }): Promise<void> {
      const em = orm.em.fork();
      await em.transactional(async (tem) => {
        const row = await loadIntegration(tem, input.integrationId, { lock: true });
        row.status = input.status;
        if (input.error !== undefined) row.lastError = input.error;
        if (input.status === 'error') row.errorCount += 1;
        if (input.clearCredentials) {
          writeCredentials(vault, row, undefined);
          row.tokenExpiresAt = null;
          row.refreshTokenExpiresAt = null;
        }
        appendLog(tem, { tenantId: row.tenantId, integrationId: row.id, ...input.log });
        if (input.status === 'error') await events.errorRecorded(tem, row, input.log.kind, row.lastError ?? input.log.message, input.reason);
      });
    },
  };
}

export type ConnectionActivities = ReturnType<typeof createConnectionActivities>;
