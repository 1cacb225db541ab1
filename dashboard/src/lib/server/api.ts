import { redirect } from '@sveltejs/kit';
import { getRequestEvent } from '$app/server';
import type {
	AccountUser,
	ApiKeyInfo,
	AuditEntry,
	AuthSessionInfo,
	InvitationCreated,
	InvitationInfo,
	LoginAnswer,
	Member,
	MemberRole,
	PendingInvitation,
	SsoInfo,
	Branding,
	CatalogEntry,
	ConnectStarted,
	CustomProviderCreated,
	CustomProviderInput,
	DisconnectResult,
	Integration,
	IntegrationLog,
	IntegrationPatch,
	IntegrationStatus,
	Me,
	Stats,
	SyncResult,
	SyncStatus,
	WebhookEvent,
	WebhookEventDetail,
	WebhookEventStatus,
} from '../types.ts';
import { clearSession } from './auth.ts';
import { config } from './config.ts';
import { relativeUrl, signinPath } from './redirect.ts';
import { authHeaders, endsSession } from './credentials.ts';
import { isUserSession, type Session } from './session.ts';

/**
 * The one server-side wrapper around the Plugboard REST API (README "Using the API"): Bearer auth with the session's
 * API key, the `{ data }` / `{ error: { code, message } }` envelope, typed errors. Browsers never see the key.
 */

export class ApiError extends Error {
	override readonly name = 'ApiError';
	readonly status: number;
	readonly code: string;
	/** Field-level validation details, when the API sent them (`[{ path, message }]`). */
	readonly details: { path: string; message: string }[];
	/** How long to wait before trying again (429 rate_limited, 423 account_locked), when the API said. */
	readonly retryAfterSeconds: number | null;

	constructor(status: number, code: string, message: string, details: { path: string; message: string }[] = [], retryAfterSeconds: number | null = null) {
		super(message);
		this.status = status;
		this.code = code;
		this.details = details;
		this.retryAfterSeconds = retryAfterSeconds;
	}
}

export interface ApiEnvelope<T> {
	data: T;
	/** Present on list endpoints: pass back as `cursor` for the next page. */
	nextCursor?: string | null;
}

export interface ApiFetchInit extends Omit<RequestInit, 'body'> {
	/** Serialised as JSON. */
	json?: unknown;
	/**
	 * What a 401 does. `'signout'` (default): the session's key was revoked, so clear the cookie and redirect to
	 * /signin. `'throw'`: raise ApiError(401) — for validating a key that is not a session yet.
	 */
	onUnauthorized?: 'signout' | 'throw';
	timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export async function apiFetch<T>(session: Session | null, path: string, init: ApiFetchInit = {}): Promise<ApiEnvelope<T>> {
	if (!session) return unauthorized(init.onUnauthorized ?? 'signout', new ApiError(401, 'unauthorized', 'Not signed in.'));
	return request<T>(path, init, authHeaders(session), isUserSession(session));
}

/** A call without credentials (sign-in, SSO, invitation lookup): a 401 is an answer to show, never a sign-out. */
export function publicApiFetch<T>(path: string, init: Omit<ApiFetchInit, 'onUnauthorized'> = {}): Promise<ApiEnvelope<T>> {
	return request<T>(path, { ...init, onUnauthorized: 'throw' }, {}, false);
}

async function request<T>(path: string, init: ApiFetchInit, auth: Record<string, string>, userSession: boolean): Promise<ApiEnvelope<T>> {
	const { json, onUnauthorized = 'signout', timeoutMs = DEFAULT_TIMEOUT_MS, headers, ...rest } = init;
	if (!path.startsWith('/') || path.startsWith('//') || path.includes('..')) throw new Error(`apiFetch: bad path ${path}`);

	const requestHeaders = new Headers(headers);
	for (const [name, value] of Object.entries(auth)) requestHeaders.set(name, value);
	requestHeaders.set('accept', 'application/json');
	if (json !== undefined) requestHeaders.set('content-type', 'application/json');
	// Sign-in and audit records name where a person acted from: pass the browser's address and user agent on.
	forwardClient(requestHeaders);

	let response: Response;
	try {
		response = await fetch(`${config().apiUrl}/api/v1${path}`, {
			...rest,
			headers: requestHeaders,
			body: json === undefined ? undefined : JSON.stringify(json),
			signal: rest.signal ?? AbortSignal.timeout(timeoutMs),
			redirect: 'manual',
		});
	} catch (error) {
		const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
		throw new ApiError(
			503,
			timedOut ? 'api_timeout' : 'api_unreachable',
			timedOut ? 'The Plugboard API did not answer in time.' : 'The Plugboard API could not be reached.',
		);
	}

	const body = await readJson(response);
	if (response.ok && isObject(body) && 'data' in body) return body as unknown as ApiEnvelope<T>;
	// 204 No Content (DELETE) and a bodiless 202 Accepted are successes without data.
	if (response.status === 204 || (response.status === 202 && body === undefined)) return { data: undefined as T };

	const error = isObject(body) && isObject(body.error) ? body.error : undefined;
	const apiError = new ApiError(
		response.ok ? 502 : response.status,
		typeof error?.code === 'string' ? error.code : response.ok ? 'bad_response' : `http_${response.status}`,
		typeof error?.message === 'string' ? error.message : `The Plugboard API answered ${response.status} without the expected JSON body.`,
		Array.isArray(error?.details) ? error.details.filter(isObject).map((d) => ({ path: String(d.path ?? ''), message: String(d.message ?? '') })) : [],
		isObject(error) && typeof error.retryAfterSeconds === 'number'
			? error.retryAfterSeconds
			: (retryAfterHeader(response.headers.get('retry-after')) ??
					(isObject(body) && typeof body.retryAfterSeconds === 'number' ? body.retryAfterSeconds : null)),
	);
	if (endsSession(apiError, userSession)) return unauthorized(onUnauthorized, apiError);
	throw apiError;
}

function retryAfterHeader(value: string | null): number | null {
	if (!value || !/^\d{1,7}$/.test(value.trim())) return null;
	return Number(value.trim());
}

/** X-Forwarded-For / User-Agent of the browser behind this request, when there is one. */
function forwardClient(headers: Headers): void {
	let event;
	try {
		event = getRequestEvent();
	} catch {
		return; // outside a request (tests, startup)
	}
	try {
		headers.set('x-forwarded-for', event.getClientAddress());
	} catch {
		// the adapter cannot tell (prerendering)
	}
	const agent = event.request.headers.get('user-agent');
	if (agent) headers.set('user-agent', agent.slice(0, 500));
}

function unauthorized(mode: 'signout' | 'throw', error: ApiError): never {
	if (mode === 'throw') throw error;
	const event = getRequestEvent();
	clearSession(event.cookies, event.url);
	event.locals.session = null;
	// A form post's URL is the page it was posted from; the query (`?/action`) would post again after sign-in.
	redirect(303, signinPath(event.request.method === 'GET' ? relativeUrl(event.url) : event.url.pathname, 'ended'));
}

async function readJson(response: Response): Promise<unknown> {
	if (!(response.headers.get('content-type') ?? '').includes('json')) {
		await response.body?.cancel();
		return undefined;
	}
	try {
		return await response.json();
	} catch {
		return undefined;
	}
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A message for people, for an API failure a page shows instead of crashing. */
export function describeApiError(error: ApiError): string {
	if (error.code === 'api_unreachable' || error.code === 'api_timeout') {
		return 'The Plugboard API is not reachable right now. Check that it is running, then reload this page.';
	}
	if (error.status >= 500) return 'The Plugboard API had a problem answering. Try again in a moment.';
	return error.message;
}

/**
 * The API does not have this endpoint (yet): an unknown route answers 404 "No route for …" or 405. Pages
 * show a "not available" state instead of an error for these.
 */
export function isMissingEndpoint(error: unknown): boolean {
	return error instanceof ApiError && ((error.status === 404 && /^No route for /.test(error.message)) || error.status === 405 || error.status === 501);
}

/** Runs an API call for a page section; an API failure becomes `{ error }` for the page to show in place. */
export async function settle<T>(call: Promise<T>): Promise<{ value: T; error: null; missing: false } | { value: null; error: string; missing: boolean }> {
	try {
		return { value: await call, error: null, missing: false };
	} catch (error) {
		if (!(error instanceof ApiError)) throw error;
		return { value: null, error: describeApiError(error), missing: isMissingEndpoint(error) };
	}
}

// Typed endpoints (README "Using the API"). Route files call these, never fetch directly.

function query(params: Record<string, string | number | null | undefined>): string {
	const search = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
	return search.size ? `?${search}` : '';
}

const id = (value: string) => encodeURIComponent(value);

export interface IntegrationListQuery {
	limit?: number;
	cursor?: string | null;
	status?: IntegrationStatus | null;
	provider?: string | null;
}

export function listIntegrations(session: Session | null, q: IntegrationListQuery = {}) {
	return apiFetch<Integration[]>(session, `/integrations${query({ limit: q.limit, cursor: q.cursor, status: q.status, provider: q.provider })}`);
}

export function getIntegration(session: Session | null, integrationId: string) {
	return apiFetch<Integration>(session, `/integrations/${id(integrationId)}`);
}

export function createIntegration(session: Session | null, input: { provider: string; displayName?: string; secrets?: Record<string, string> }) {
	return apiFetch<Integration>(session, '/integrations', { method: 'POST', json: input });
}

export function updateIntegration(session: Session | null, integrationId: string, patch: IntegrationPatch) {
	return apiFetch<Integration>(session, `/integrations/${id(integrationId)}`, { method: 'PATCH', json: patch });
}

export function deleteIntegration(session: Session | null, integrationId: string) {
	// Deleting revokes at the provider first: allow it more time than a read.
	return apiFetch<undefined>(session, `/integrations/${id(integrationId)}`, { method: 'DELETE', timeoutMs: 30_000 });
}

/** Starts a connect (or reconnect) flow; the browser must then open `connectUrl` itself. */
/** Starts a connect; `params` are a templated provider's connect parameters (`{ shop }`), checked by the API. */
export function startConnect(session: Session | null, integrationId: string, mode: 'connect' | 'reconnect', returnTo: string, params?: Record<string, string>) {
	return apiFetch<ConnectStarted>(session, `/integrations/${id(integrationId)}/${mode}`, {
		method: 'POST',
		json: { returnTo, ...(params && Object.keys(params).length ? { params } : {}) },
	});
}

export function refreshIntegration(session: Session | null, integrationId: string) {
	return apiFetch<{ status: IntegrationStatus; tokenExpiresAt: string | null }>(session, `/integrations/${id(integrationId)}/refresh`, {
		method: 'POST',
		timeoutMs: 30_000,
	});
}

export function disconnectIntegration(session: Session | null, integrationId: string) {
	return apiFetch<DisconnectResult>(session, `/integrations/${id(integrationId)}/disconnect`, { method: 'POST', timeoutMs: 30_000 });
}

export function listIntegrationLogs(session: Session | null, integrationId: string, q: { cursor?: string | null; limit?: number } = {}) {
	return apiFetch<IntegrationLog[]>(session, `/integrations/${id(integrationId)}/logs${query(q)}`);
}

export function sendTestEvent(session: Session | null, integrationId: string) {
	return apiFetch<{ eventId: string } | undefined>(session, `/integrations/${id(integrationId)}/test-event`, { method: 'POST' });
}

export function listApiKeys(session: Session | null) {
	return apiFetch<ApiKeyInfo[]>(session, '/api-keys');
}

export function createApiKey(session: Session | null, name: string, scope: 'full' | 'read_only' = 'full') {
	return apiFetch<ApiKeyInfo & { apiKey: string }>(session, '/api-keys', { method: 'POST', json: { name, scope } });
}

export function revokeApiKey(session: Session | null, keyId: string) {
	return apiFetch<ApiKeyInfo>(session, `/api-keys/${encodeURIComponent(keyId)}`, { method: 'DELETE' });
}

export function getBranding(session: Session | null) {
	return apiFetch<Branding>(session, '/branding');
}

/** null clears a field (the display name then falls back to the tenant's name). */
export function updateBranding(session: Session | null, patch: { displayName?: string | null; logoUrl?: string | null; accentColor?: string | null }) {
	return apiFetch<Branding>(session, '/branding', { method: 'PATCH', json: patch });
}

/** Creates or rotates the secret that signs events forwarded to the tenant; the API shows it this once. */
export function createForwardingSecret(session: Session | null, integrationId: string) {
	return apiFetch<{ forwardSecret: string }>(session, `/integrations/${id(integrationId)}/forwarding-secret`, { method: 'POST' });
}

/** The pending webhook verification token (Notion's handshake): returned once, then removed. */
export function revealWebhookVerification(session: Session | null, integrationId: string) {
	return apiFetch<{ verificationToken: string }>(session, `/integrations/${id(integrationId)}/webhook-verification`, { method: 'POST' });
}

export function getSyncStatus(session: Session | null, integrationId: string) {
	return apiFetch<SyncStatus>(session, `/integrations/${id(integrationId)}/sync-status`);
}

/** Runs one sync and waits for its counts: a first full listing can take a while. */
export function syncIntegration(session: Session | null, integrationId: string) {
	return apiFetch<SyncResult>(session, `/integrations/${id(integrationId)}/sync`, { method: 'POST', timeoutMs: 120_000 });
}

export function listWebhookEvents(
	session: Session | null,
	q: { integrationId?: string; status?: WebhookEventStatus | null; cursor?: string | null; limit?: number } = {},
) {
	return apiFetch<WebhookEvent[]>(session, `/webhook-events${query(q)}`);
}

export function getWebhookEvent(session: Session | null, eventId: string) {
	return apiFetch<WebhookEventDetail>(session, `/webhook-events/${id(eventId)}`);
}

export function retryWebhookEvent(session: Session | null, eventId: string) {
	return apiFetch<unknown>(session, `/webhook-events/${id(eventId)}/retry`, { method: 'POST' });
}

export function getStats(session: Session | null) {
	return apiFetch<Stats>(session, '/stats');
}

export function listProviders(session: Session | null) {
	return apiFetch<CatalogEntry[]>(session, '/providers');
}

export function createProvider(session: Session | null, input: CustomProviderInput) {
	// With an issuer the API runs discovery against it: allow for a slow authorization server.
	return apiFetch<CustomProviderCreated>(session, '/providers', { method: 'POST', json: input, timeoutMs: 20_000 });
}

/** The tenant an API key belongs to, and the key's scope (GET /me says it); throws ApiError (401 = invalid or revoked) instead of signing out. */
export async function verifyApiKey(apiKey: string): Promise<Me> {
	return (await apiFetch<Me>({ apiKey }, '/me', { onUnauthorized: 'throw' })).data;
}

// Team accounts (issue 16): sign-in, sessions, members, invitations, the audit trail.

export function login(email: string, password: string) {
	return publicApiFetch<LoginAnswer>('/auth/login', { method: 'POST', json: { email, password } });
}

export function getSsoInfo() {
	return publicApiFetch<SsoInfo>('/auth/sso', { timeoutMs: 3_000 });
}

export function startSso() {
	return publicApiFetch<{ authorizationUrl: string; flowId: string }>('/auth/sso/start', { method: 'POST', json: {}, timeoutMs: 20_000 });
}

/** Finishes SSO: the API checks state, PKCE and the ID token against the flow it stored under `flowId`. */
export function finishSso(flowId: string, callbackUrl: string) {
	return publicApiFetch<LoginAnswer>('/auth/sso/callback', { method: 'POST', json: { flowId, callbackUrl }, timeoutMs: 20_000 });
}

/** The person, their tenants and their role in the session's tenant. */
export function getAuthSession(session: Session | null) {
	return apiFetch<AuthSessionInfo>(session, '/auth/session', { timeoutMs: 5_000 });
}

/** Ends this session at the API; a session that is already gone is not an error. */
export function logout(session: Session) {
	return apiFetch<unknown>(session, '/auth/logout', { method: 'POST', onUnauthorized: 'throw' });
}

/** Revokes every session of the person, this one included. */
export function logoutAll(session: Session) {
	return apiFetch<unknown>(session, '/auth/logout-all', { method: 'POST', onUnauthorized: 'throw' });
}

export function getInvitation(token: string) {
	return publicApiFetch<InvitationInfo>(`/invitations/${id(token)}`);
}

/** Accepts as a new person (name + password), or, with `session`, as the person signed in. */
export function acceptInvitation(token: string, input: { name: string; password: string } | { session: Session }) {
	if ('session' in input) {
		return apiFetch<LoginAnswer>(input.session, `/invitations/${id(token)}/accept`, { method: 'POST', json: {}, onUnauthorized: 'throw' });
	}
	return publicApiFetch<LoginAnswer>(`/invitations/${id(token)}/accept`, { method: 'POST', json: input });
}

export function listMembers(session: Session | null) {
	return apiFetch<Member[]>(session, '/members');
}

export function listInvitations(session: Session | null) {
	return apiFetch<PendingInvitation[]>(session, '/invitations');
}

export function createInvitation(session: Session | null, input: { email: string; role: MemberRole }) {
	// Sending the mail may take a moment.
	return apiFetch<InvitationCreated>(session, '/invitations', { method: 'POST', json: input, timeoutMs: 30_000 });
}

export function revokeInvitation(session: Session | null, invitationId: string) {
	return apiFetch<unknown>(session, `/invitations/${id(invitationId)}`, { method: 'DELETE' });
}

export function updateMemberRole(session: Session | null, userId: string, role: MemberRole) {
	return apiFetch<Member>(session, `/members/${id(userId)}`, { method: 'PATCH', json: { role } });
}

export function removeMember(session: Session | null, userId: string) {
	return apiFetch<unknown>(session, `/members/${id(userId)}`, { method: 'DELETE' });
}

export interface AuditQuery {
	actor?: string | null;
	action?: string | null;
	targetType?: string | null;
	targetId?: string | null;
	since?: string | null;
	until?: string | null;
	cursor?: string | null;
	limit?: number;
}

export function listAuditLog(session: Session | null, q: AuditQuery = {}) {
	return apiFetch<AuditEntry[]>(session, `/audit-log${query({ ...q })}`);
}

/** The export as a raw response (NDJSON or CSV), for the dashboard to stream on to the browser. */
export async function fetchAuditExport(session: Session, format: 'ndjson' | 'csv', q: AuditQuery = {}): Promise<Response> {
	const headers = new Headers(authHeaders(session));
	forwardClient(headers);
	try {
		return await fetch(`${config().apiUrl}/api/v1/audit-log/export${query({ ...q, format })}`, {
			headers,
			redirect: 'manual',
			signal: AbortSignal.timeout(120_000),
		});
	} catch {
		throw new ApiError(503, 'api_unreachable', 'The Plugboard API could not be reached.');
	}
}
