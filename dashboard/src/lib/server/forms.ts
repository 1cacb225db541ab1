import { fail, type ActionFailure } from '@sveltejs/kit';
import type { ActionData, Flash } from '../flash.ts';
import { ApiError, describeApiError } from './api.ts';

/** Helpers for form actions: typed results and safe reading of form fields. */

export const INTEGRATION_ID = /^int_[0-9a-z]{26}$/;
export const EVENT_ID = /^evt_[0-9a-z]{26}$/;
export const API_KEY_ID = /^key_[0-9a-z]{26}$/;

export function ok(data: ActionData): ActionData {
	return data;
}

export function failWith(status: number, data: ActionData): ActionFailure<ActionData> {
	return fail(status, data);
}

export function flash(kind: Flash['kind'], message: string): Flash {
	return { kind, message };
}

/** A trimmed text field ('' when missing or not text), capped in length. */
export function text(form: FormData, name: string, max = 2000): string {
	const value = form.get(name);
	return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

/** An id field that must match `pattern`, or null. */
export function idField(form: FormData, name: string, pattern: RegExp): string | null {
	const value = text(form, name, 100);
	return pattern.test(value) ? value : null;
}

/**
 * Turns an ApiError into a failed action with a readable flash; anything else (including SvelteKit's
 * redirects, such as the sign-out on 401) is rethrown.
 */
export function apiFailure(error: unknown, data: Omit<ActionData, 'flash'> = {}, say?: (error: ApiError) => string | undefined): ActionFailure<ActionData> {
	if (!(error instanceof ApiError)) throw error;
	const status = error.status >= 400 && error.status < 600 ? error.status : 502;
	return failWith(status, { ...data, flash: flash('error', say?.(error) ?? describeApiError(error)) });
}

/** Field errors from the API's validation details (`settings.forwardUrl` → `forwardUrl`). */
export function fieldErrorsFrom(error: unknown): Record<string, string> {
	if (!(error instanceof ApiError)) return {};
	const out: Record<string, string> = {};
	for (const d of error.details) {
		const field = d.path.split('.').pop();
		if (field && !out[field]) out[field] = d.message;
	}
	return out;
}
