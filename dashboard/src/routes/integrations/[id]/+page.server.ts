import { error, redirect } from '@sveltejs/kit';
import {
	ApiError,
	createForwardingSecret,
	revealWebhookVerification,
	deleteIntegration,
	getIntegration,
	getSyncStatus,
	listIntegrationLogs,
	listProviders,
	listWebhookEvents,
	retryWebhookEvent,
	sendTestEvent,
	settle,
	syncIntegration,
	updateIntegration,
} from '#lib/server/api.ts';
import { apiFailure, EVENT_ID, failWith, fieldErrorsFrom, flash, idField, INTEGRATION_ID, ok, text } from '#lib/server/forms.ts';
import { integrationActions } from '#lib/server/integration-actions.ts';
import { readPage } from '#lib/pagination.ts';
import { KNOWN_SECRETS } from '#lib/secrets.ts';
import type { WebhookEventStatus } from '#lib/types.ts';
import type { Actions, PageServerLoad } from './$types';

const EVENT_STATUSES: WebhookEventStatus[] = ['pending', 'processed', 'failed'];

export const load: PageServerLoad = async ({ locals, params, url }) => {
	if (!INTEGRATION_ID.test(params.id)) error(404, 'Integration not found');
	const now = Date.now();
	const eventStatus = EVENT_STATUSES.find((s) => s === url.searchParams.get('events_status')) ?? null;
	const eventsPage = readPage(url.searchParams, 'events_');
	const logsPage = readPage(url.searchParams, 'logs_');

	const [integration, providers, logs, events, sync] = await Promise.all([
		settle(getIntegration(locals.session, params.id)),
		settle(listProviders(locals.session)),
		settle(listIntegrationLogs(locals.session, params.id, { limit: 20, cursor: logsPage.cursor })),
		settle(listWebhookEvents(locals.session, { integrationId: params.id, status: eventStatus, cursor: eventsPage.cursor, limit: 20 })),
		settle(getSyncStatus(locals.session, params.id)),
	]);
	if (!integration.value) {
		// Another tenant's integration is "not found" too: the API scopes every query to the key's tenant.
		if (integration.error && /not found/i.test(integration.error)) error(404, 'Integration not found');
		error(503, integration.error ?? 'The integration could not be loaded.');
	}

	return {
		now,
		integration: integration.value.data,
		provider: providers.value?.data.find((p) => p.key === integration.value!.data.provider) ?? null,
		logs: { items: logs.value?.data ?? [], nextCursor: logs.value?.nextCursor ?? null, error: logs.error, page: logsPage },
		events: {
			items: events.value?.data ?? [],
			nextCursor: events.value?.nextCursor ?? null,
			error: events.error,
			missing: events.missing,
			status: eventStatus,
			page: eventsPage,
		},
		sync: { status: sync.value?.data ?? null, error: sync.error, missing: sync.missing },
		connect: { outcome: url.searchParams.get('connect'), reason: url.searchParams.get('reason') },
		created: url.searchParams.has('created'),
		/** For the redirect URI to register at a provider when the tenant brings its own app. */
		origin: url.origin,
	};
};

export const actions: Actions = {
	...integrationActions,

	settings: async ({ request, locals, params }) => {
		const form = await request.formData();
		const values = {
			displayName: text(form, 'displayName', 100),
			forwardUrl: text(form, 'forwardUrl'),
			syncIntervalMinutes: text(form, 'syncIntervalMinutes', 10),
		};
		const fieldErrors: Record<string, string> = {};
		let syncIntervalMinutes: number | null = null;
		if (values.syncIntervalMinutes) {
			syncIntervalMinutes = Number(values.syncIntervalMinutes);
			if (!Number.isInteger(syncIntervalMinutes) || syncIntervalMinutes < 1 || syncIntervalMinutes > 1440) {
				fieldErrors.syncIntervalMinutes = 'Enter whole minutes from 1 to 1440, or leave it empty.';
			}
		}
		if (values.forwardUrl && !/^https?:\/\/\S+$/i.test(values.forwardUrl)) fieldErrors.forwardUrl = 'Enter an http(s) URL, or leave it empty.';
		if (Object.keys(fieldErrors).length)
			return failWith(400, { form: 'settings', fieldErrors, values, flash: flash('error', 'Check the highlighted settings.') });
		try {
			await updateIntegration(locals.session, params.id, {
				displayName: values.displayName || null,
				settings: { forwardUrl: values.forwardUrl || null, syncIntervalMinutes },
			});
		} catch (e) {
			return apiFailure(e, { form: 'settings', values, fieldErrors: fieldErrorsFrom(e) });
		}
		return ok({ form: 'settings', flash: flash('success', 'Settings saved.') });
	},

	secrets: async ({ request, locals, params }) => {
		const form = await request.formData();
		const secrets: Record<string, string> = {};
		for (const { name } of KNOWN_SECRETS) {
			const value = form.get(name);
			// Blank means "keep as is": the page never knows the current values.
			if (typeof value === 'string' && value.trim()) secrets[name] = value.trim();
		}
		if (!Object.keys(secrets).length) return failWith(400, { form: 'secrets', flash: flash('error', 'Type a new value into at least one secret field.') });
		try {
			await updateIntegration(locals.session, params.id, { secrets });
		} catch (e) {
			return apiFailure(e, { form: 'secrets' });
		}
		const names = KNOWN_SECRETS.filter((s) => s.name in secrets).map((s) => s.label);
		return ok({ form: 'secrets', flash: flash('success', `Saved ${names.join(', ')}. The values are stored encrypted and never shown again.`) });
	},

	clearSecret: async ({ request, locals, params }) => {
		const form = await request.formData();
		const name = text(form, 'secret', 64);
		if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) return failWith(400, { form: 'secrets', flash: flash('error', 'Unknown secret.') });
		try {
			await updateIntegration(locals.session, params.id, { secrets: { [name]: null } });
		} catch (e) {
			return apiFailure(e, { form: 'secrets' });
		}
		const label = KNOWN_SECRETS.find((s) => s.name === name)?.label ?? name;
		return ok({ form: 'secrets', flash: flash('success', `Cleared ${label}.`) });
	},

	forwardingSecret: async ({ locals, params }) => {
		try {
			const { data } = await createForwardingSecret(locals.session, params.id);
			return ok({
				form: 'settings',
				revealedSecret: data.forwardSecret,
				flash: flash('success', 'New forwarding secret created. Copy it now: it is not shown again.'),
			});
		} catch (e) {
			return apiFailure(e, { form: 'settings' });
		}
	},

	webhookVerification: async ({ locals, params }) => {
		try {
			const { data } = await revealWebhookVerification(locals.session, params.id);
			return ok({
				form: 'secrets',
				revealedSecret: data.verificationToken,
				flash: flash('success', 'Verification token revealed. Copy it now: it is not shown again.'),
			});
		} catch (e) {
			return apiFailure(e, { form: 'secrets' });
		}
	},

	testEvent: async ({ locals, params }) => {
		try {
			const { data } = await sendTestEvent(locals.session, params.id);
			return ok({
				form: 'events',
				flash: flash('success', `Test event sent${data?.eventId ? ` (${data.eventId})` : ''}. It appears below as Pending, then Processed.`),
			});
		} catch (e) {
			return apiFailure(e, { form: 'events' }, (err) =>
				err.status === 404 && /^No route/.test(err.message) ? 'This API version cannot send test events yet.' : undefined,
			);
		}
	},

	sync: async ({ request, locals, params }) => {
		const form = await request.formData();
		const label = text(form, 'label', 100) || 'The integration';
		const provider = text(form, 'provider', 100) || 'This provider';
		try {
			const { data } = await syncIntegration(locals.session, params.id);
			if (data.skipped) return ok({ form: 'sync', flash: flash('info', `Nothing synced: ${data.skipped}.`) });
			const counts = `${data.created} created, ${data.updated} updated, ${data.deleted} deleted, ${data.unchanged} unchanged`;
			return ok({ form: 'sync', flash: flash('success', `Synced ${label}: ${counts}.`) });
		} catch (e) {
			return apiFailure(e, { form: 'sync' }, (err) => {
				if (err.code === 'not_connected' || err.status === 409) return `${label} is not connected, so there is nothing to sync. Connect it first.`;
				if (err.code === 'sync_not_supported' || err.status === 422) return `${provider} has no sync yet, so ${label} cannot sync.`;
				return undefined;
			});
		}
	},

	retryEvent: async ({ request, locals }) => {
		const eventId = idField(await request.formData(), 'eventId', EVENT_ID);
		if (!eventId) return failWith(400, { form: 'events', flash: flash('error', 'That event id is not valid.') });
		try {
			await retryWebhookEvent(locals.session, eventId);
		} catch (e) {
			return apiFailure(e, { form: 'events' });
		}
		return ok({ form: 'events', flash: flash('success', `Retrying event ${eventId}. Its status updates below.`) });
	},

	delete: async ({ request, locals, params }) => {
		const form = await request.formData();
		const label = text(form, 'label', 100) || 'The integration';
		if (text(form, 'confirmed') !== 'yes') return ok({ confirm: { action: 'delete', id: params.id } });
		try {
			await deleteIntegration(locals.session, params.id);
		} catch (e) {
			if (e instanceof ApiError && e.status === 404) redirect(303, '/');
			return apiFailure(e);
		}
		redirect(303, `/?deleted=${encodeURIComponent(label)}`);
	},
};
