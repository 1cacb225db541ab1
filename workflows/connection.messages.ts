import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Messages of the connection workflow, imported by the API and tests (docs/conventions.md §2). Ids and facts only. */

export type ConnectionStatus = 'pending' | 'active' | 'error' | 'disconnected';

export interface RefreshPolicyInput {
  supported: boolean;
  leadFraction: number;
  maxLeadSeconds: number;
}

export interface ConnectionWorkflowInput {
  integrationId: string;
  tenantId: string;
  provider: string;
  refreshPolicy: RefreshPolicyInput;
  /** Carried across continue-as-new. */
  carried?: ConnectionCarriedState;
}

export interface ConnectionCarriedState {
  status: ConnectionStatus;
  tokenExpiresAt: number | null;
  tokenIssuedAt: number | null;
  lastRefreshStartedAt: number | null;
  reauthRequired: boolean;
  /** When the push subscription is renewed next; null: none to renew; absent: not looked at yet. */
  pushRenewAt?: number | null;
}

export interface ConnectionSnapshot {
  status: ConnectionStatus;
  tokenExpiresAt: number | null;
  refreshAt: number | null;
  reauthRequired: boolean;
  lastError: string | null;
  refreshing: boolean;
}

export interface TokenOutcome {
  ok: boolean;
  status: ConnectionStatus;
  tokenExpiresAt: number | null;
  error?: string;
}

/**
 * Failure types of the connection activities the workflow branches on, named once here for both sides: the
 * activities throw them (non-retryable, REQ-14), the workflow's retry policies and error handling read them.
 */
export const ConnectionErrorType = {
  invalidGrant: 'InvalidGrant',
  invalidClient: 'InvalidClient',
  noRefreshToken: 'NoRefreshToken',
  notFound: 'IntegrationNotFound',
  authorizationFailed: 'AuthorizationFailed',
} as const;
export type ConnectionErrorType = (typeof ConnectionErrorType)[keyof typeof ConnectionErrorType];
/** Every one of them is terminal: the token activities' `nonRetryableErrorTypes`. */
export const CONNECTION_TERMINAL_ERRORS: string[] = Object.values(ConnectionErrorType);
/**
 * A refresh that failed while its provider has an open incident (docs/architecture.md "Provider incidents"): not
 * the grant's fault, so no reauthorization; the workflow tries again after `details[0].retryAfterMs`.
 */
export const PROVIDER_INCIDENT_ERROR = 'ProviderIncident';

export const TenantIdAttr = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const ProviderAttr = defineSearchAttributeKey('Provider', SearchAttributeType.KEYWORD);
export const IntegrationStatusAttr = defineSearchAttributeKey('IntegrationStatus', SearchAttributeType.KEYWORD);

/** The callback hands over a finished authorization response (stored encrypted in the flow row). */
export const exchangeCodeUpdate = defineUpdate<TokenOutcome, [{ flowId: string }]>('exchangeCode');
/** Refresh now, unless one is in flight or started within 5 s before `requestedAt` (single-flight, REQ-12). */
export const refreshNowUpdate = defineUpdate<TokenOutcome, [{ requestedAt: number }]>('refreshNow');
/** Refresh only when the token is inside its refresh window (token API). */
export const ensureFreshUpdate = defineUpdate<TokenOutcome, []>('ensureFresh');
export const disconnectUpdate = defineUpdate<{ revoked: boolean; detail: string }, [{ reason: string }]>('disconnect');
/** A connect flow began: the authorization window restarts. */
export const flowStartedSignal = defineSignal<[]>('flowStarted');
export const providerRevokedSignal = defineSignal<[{ reason: string }]>('providerRevoked');
export const settingsChangedSignal = defineSignal<[]>('settingsChanged');
/** The provider asked for a new push subscription (Graph lifecycle notification): replace it now. */
export const pushRenewSignal = defineSignal<[{ reason: string }]>('pushRenew');
export const statusQuery = defineQuery<ConnectionSnapshot>('status');

export function connectionWorkflowId(integrationId: string): string {
  return `integration:${integrationId}`;
}
