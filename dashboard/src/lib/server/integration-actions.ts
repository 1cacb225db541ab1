import { redirect, type RequestEvent } from '@sveltejs/kit';
import { formatAbsolute } from '../format.ts';
import { describeLastError } from '../messages.ts';
import { ApiError, disconnectIntegration, refreshIntegration, startConnect } from './api.ts';
import { config } from './config.ts';
import { apiFailure, failWith, flash, idField, INTEGRATION_ID, ok, text } from './forms.ts';

/**
 * The per-integration buttons (Connect, Reconnect, Refresh now, Disconnect), shared by the list and the
 * integration page. Each form posts `id` and `label` (the name shown in messages).
 */

async function read(event: RequestEvent) {
	const form = await event.request.formData();
	return { form, id: idField(form, 'id', INTEGRATION_ID), label: text(form, 'label', 100) || 'The integration' };
}

const badId = () => failWith(400, { flash: flash('error', 'That integration id is not valid. Reload the page and try again.') });

function connectAction(mode: 'connect' | 'reconnect') {
	return async (event: RequestEvent) => {
		const { id, label } = await read(event);
		if (!id) return badId();
		let connectUrl: string;
		try {
			// The provider sends the browser back to the integration page with ?connect=connected|error.
			({ connectUrl } = (await startConnect(event.locals.session, id, mode, `/integrations/${id}`)).data);
		} catch (error) {
			return apiFailure(error, {}, (e) =>
				e.code === 'missing_client_credentials'
					? `${label} needs the client ID and secret of your own OAuth app: enter them under Secrets on the integration page, then connect.`
					: undefined,
			);
		}
		// A top-level navigation: the connect URL sets the flow cookie, then redirects to the provider.
		const target = connectTarget(connectUrl, event.url);
		if (!target) return failWith(502, { flash: flash('error', 'The API returned a connect link this dashboard does not trust. Check PUBLIC_URL on both.') });
		redirect(303, target.href, { external: [target.origin] });
	};
}

/** The API's connect URL must be its own `/oauth/connect/…` on the public origin (this request's, or PUBLIC_URL). */
export function connectTarget(connectUrl: string, requestUrl: URL): URL | null {
	let url: URL;
	try {
		url = new URL(connectUrl, requestUrl);
	} catch {
		return null;
	}
	const publicOrigin = config().publicUrl ? new URL(config().publicUrl!).origin : null;
	const trusted = url.origin === requestUrl.origin || url.origin === publicOrigin;
	return trusted && (url.protocol === 'https:' || url.protocol === 'http:') && url.pathname.startsWith('/oauth/connect/') ? url : null;
}

export const integrationActions = {
	connect: connectAction('connect'),
	reconnect: connectAction('reconnect'),

	refresh: async (event: RequestEvent) => {
		const { id, label } = await read(event);
		if (!id) return badId();
		try {
			const { data } = await refreshIntegration(event.locals.session, id);
			const until = data.tokenExpiresAt ? ` The new token expires ${formatAbsolute(data.tokenExpiresAt)}.` : '';
			return ok({ flash: flash('success', `Refreshed ${label}.${until}`) });
		} catch (error) {
			if (error instanceof ApiError && error.code === 'refresh_failed') {
				return failWith(409, { flash: flash('error', `Refreshing failed: ${describeLastError(error.message, label)}`) });
			}
			return apiFailure(error, {}, (e) => (e.code === 'not_connected' ? `${label} is not connected. Connect it first.` : undefined));
		}
	},

	disconnect: async (event: RequestEvent) => {
		const { form, id, label } = await read(event);
		if (!id) return badId();
		// First click: ask. The confirmation posts again with confirmed=yes.
		if (text(form, 'confirmed') !== 'yes') return ok({ confirm: { action: 'disconnect', id } });
		try {
			const { data } = await disconnectIntegration(event.locals.session, id);
			return ok({
				flash: data.revoked
					? flash('success', `Disconnected ${label}. Its tokens were revoked at the provider and deleted here.`)
					: flash(
							'info',
							`Disconnected ${label} and deleted its tokens here. The provider did not confirm the revocation${data.detail ? `: ${data.detail}` : ''}.`,
						),
			});
		} catch (error) {
			return apiFailure(error);
		}
	},
};
