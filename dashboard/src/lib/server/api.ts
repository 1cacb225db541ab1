import { redirect } from '@sveltejs/kit';
import { getRequestEvent } from '$app/server';
import type { CatalogEntry, Integration } from '../types.ts';
import { clearSession } from './auth.ts';
import { config } from './config.ts';
import { relativeUrl, signinPath } from './redirect.ts';
import type { Session } from './session.ts';

/**
 * The one server-side wrapper around the Plugboard REST API (DESIGN.md §8): Bearer auth with the session's
 * API key, the `{ data }` / `{ error: { code, message } }` envelope, typed errors. Browsers never see the key.
 */

export class ApiError extends Error {
	override readonly name = 'ApiError';
	readonly status: number;
	readonly code: string;

	constructor(status: number, code: string, message: string) {
		super(message);
		this.status = status;
		this.code = code;
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

	const error = isObject(body) && isObject(body.error) ? body.error : undefined;
	const apiError = new ApiError(
		response.ok ? 502 : response.status,
		typeof error?.code === 'string' ? error.code : response.ok ? 'bad_response' : `http_${response.status}`,
		typeof error?.message === 'string' ? error.message : `The Plugboard API answered ${response.status} without the expected JSON body.`,
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

// Typed endpoints (DESIGN.md §8). Route files call these, never fetch directly.

export function listIntegrations(session: Session | null, query: { limit?: number; cursor?: string } = {}) {
	const params = new URLSearchParams();
	if (query.limit !== undefined) params.set('limit', String(query.limit));
	if (query.cursor) params.set('cursor', query.cursor);
	const qs = params.size ? `?${params}` : '';
	return apiFetch<Integration[]>(session, `/integrations${qs}`);
}

export function listProviders(session: Session | null) {
	return apiFetch<CatalogEntry[]>(session, '/providers');
}

/** Whether an API key is accepted: resolves, or throws ApiError (401 = invalid or revoked). */
export async function verifyApiKey(apiKey: string): Promise<void> {
	await apiFetch<Integration[]>({ apiKey }, '/integrations?limit=1', { onUnauthorized: 'throw' });
}
