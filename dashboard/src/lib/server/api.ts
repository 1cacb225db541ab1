import { redirect } from '@sveltejs/kit';
import { getRequestEvent } from '$app/server';
import type {
	ApiKeyInfo,
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
import type { Session } from './session.ts';

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

	constructor(status: number, code: string, message: string, details: { path: string; message: string }[] = []) {
		super(message);
		this.status = status;
		this.code = code;
		this.details = details;
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
	const { json, onUnauthorized = 'signout', timeoutMs = DEFAULT_TIMEOUT_MS, headers, ...rest } = init;
	if (!session) return unauthorized(onUnauthorized, new ApiError(401, 'unauthorized', 'Not signed in.'));
	if (!path.startsWith('/') || path.startsWith('//') || path.includes('..')) throw new Error(`apiFetch: bad path ${path}`);

	const requestHeaders = new Headers(headers);
	requestHeaders.set('authorization', `Bearer ${session.apiKey}`);
	requestHeaders.set('accept', 'application/json');
	if (json !== undefined) requestHeaders.set('content-type', 'application/json');

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
	);
	if (apiError.status === 401) return unauthorized(onUnauthorized, apiError);
	throw apiError;
}

function unauthorized(mode: 'signout' | 'throw', error: ApiError): never {
	if (mode === 'throw') throw error;
	const event = getRequestEvent();
	clearSession(event.cookies, event.url);
	event.locals.session = null;
	redirect(303, signinPath(relativeUrl(event.url)));
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
export function startConnect(session: Session | null, integrationId: string, mode: 'connect' | 'reconnect', returnTo: string) {
	return apiFetch<ConnectStarted>(session, `/integrations/${id(integrationId)}/${mode}`, { method: 'POST', json: { returnTo } });
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

export function createApiKey(session: Session | null, name: string) {
	return apiFetch<ApiKeyInfo & { apiKey: string }>(session, '/api-keys', { method: 'POST', json: { name } });
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

/** The tenant an API key belongs to; throws ApiError (401 = invalid or revoked) instead of signing out. */
export async function verifyApiKey(apiKey: string): Promise<Me> {
	return (await apiFetch<Me>({ apiKey }, '/me', { onUnauthorized: 'throw' })).data;
}
