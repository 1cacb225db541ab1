import { redirect } from '@sveltejs/kit';
import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit/hooks';
import { building } from '$app/env';
import { readSession } from '#lib/server/auth.ts';
import { config } from '#lib/server/config.ts';
import { isPublicPath, relativeUrl, signinPath } from '#lib/server/redirect.ts';

/** Fail at start, not at the first sign-in: production without PLUGBOARD_SESSION_SECRET refuses to run. */
export const init: ServerInit = () => {
	if (!building) config();
};

export const handle: Handle = async ({ event, resolve }) => {
	event.locals.session = readSession(event.cookies, event.url);

	if (!event.locals.session && !isPublicPath(event.url.pathname)) {
		redirect(303, signinPath(relativeUrl(event.url)));
	}

	const response = await resolve(event);
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('referrer-policy', 'same-origin');
	response.headers.set('x-frame-options', 'DENY');
	// Pages carry tenant data: never cache them in shared or browser caches.
	if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'no-store');
	return response;
};

/** Unexpected errors are logged here and shown without details; expected ones (404s, `error()`) keep their message. */
export const handleError: HandleServerError = ({ kind, error, event }) => {
	if (kind !== 'unknown') return;
	console.error(`[dashboard] ${event.request.method} ${event.url.pathname} failed:`, error);
	return { message: 'Something went wrong on our side. Try again in a moment.' };
};
