import { redirect } from '@sveltejs/kit';
import {
	ApiError,
	createIntegration,
	createProvider,
	deleteIntegration,
	describeApiError,
	listIntegrations,
	listProviders,
	settle,
	startConnect,
} from '#lib/server/api.ts';
import { connectRefusedValues } from '#lib/server/connect-outcome.ts';
import { connectTarget } from '#lib/server/integration-actions.ts';
import { apiFailure, failWith, fieldErrorsFrom, flash, text } from '#lib/server/forms.ts';
import type { CustomProviderInput } from '#lib/types.ts';
import type { Actions, PageServerLoad } from './$types';

const PROVIDER_KEY = /^[a-z][a-z0-9-]{1,39}$/;
/** A connect parameter's form field: `param.<name>` (the catalog's template parameter names). */
const PARAM_FIELD = /^param\.([A-Za-z][A-Za-z0-9]{0,31})$/;

/** The connect parameters the card posted; the API checks them against the provider's entry. */
function connectParams(form: FormData): Record<string, string> {
	const params: Record<string, string> = {};
	for (const name of form.keys()) {
		const match = PARAM_FIELD.exec(name);
		if (match && Object.keys(params).length < 5) params[match[1]!] = text(form, name, 100);
	}
	return params;
}

export const load: PageServerLoad = async ({ locals, url }) => {
	const [providers, integrations] = await Promise.all([
		settle(listProviders(locals.session)),
		// One integration per provider and tenant: the first page is enough to mark most added providers; a
		// create for one beyond it answers 409, which the page explains.
		settle(listIntegrations(locals.session, { limit: 200 })),
	]);
	const added: Record<string, string> = {};
	for (const i of integrations.value?.data ?? []) added[i.provider] = i.id;
	return { providers: providers.value?.data ?? [], loadError: providers.error, added, origin: url.origin };
};

export const actions: Actions = {
	add: async ({ request, locals, url }) => {
		const form = await request.formData();
		const provider = text(form, 'provider', 40);
		if (!PROVIDER_KEY.test(provider)) return failWith(400, { form: provider, flash: flash('error', 'Choose a provider.') });
		const params = connectParams(form);
		const paramValues = Object.fromEntries(Object.entries(params).map(([name, value]) => [`param.${name}`, value]));
		const clientId = text(form, 'clientId', 500);
		const clientSecret = text(form, 'clientSecret', 4000);
		const needsApp = text(form, 'needsApp') === 'yes';
		const fieldErrors: Record<string, string> = {};
		if (needsApp && !clientId) fieldErrors.clientId = 'Enter the client ID of your OAuth app.';
		if (needsApp && !clientSecret) fieldErrors.clientSecret = 'Enter the client secret of your OAuth app.';
		if (Object.keys(fieldErrors).length) return failWith(400, { form: provider, fieldErrors, values: { clientId, ...paramValues } });

		let id: string;
		try {
			const secrets = clientId && clientSecret ? { clientId, clientSecret } : undefined;
			({ id } = (await createIntegration(locals.session, { provider, ...(secrets ? { secrets } : {}) })).data);
		} catch (e) {
			return apiFailure(e, { form: provider, values: { clientId, ...paramValues } }, (err) =>
				err.code === 'integration_exists' ? 'You already have this integration: find it in the list of integrations.' : undefined,
			);
		}
		if (!Object.keys(params).length) redirect(303, `/integrations/${id}?created`);

		// A provider whose host is per account: the API validates the values when the connection starts. When it
		// refuses them (4xx), the integration just created is removed again, so the corrected values can be added; on
		// a 5xx or a timeout it stays (the values may be fine) and the form keeps what was typed.
		let connectUrl: string;
		try {
			({ connectUrl } = (await startConnect(locals.session, id, 'connect', `/integrations/${id}`, params)).data);
		} catch (e) {
			if (!(e instanceof ApiError)) throw e;
			const refused = connectRefusedValues(e);
			if (refused) await settle(deleteIntegration(locals.session, id));
			return failWith(e.status >= 400 && e.status < 600 ? e.status : 502, {
				form: provider,
				values: { clientId, ...paramValues },
				fieldErrors: fieldErrorsFrom(e),
				flash: flash(
					'error',
					refused
						? describeApiError(e)
						: `${describeApiError(e)} The integration was added: connect it from its page (Integrations) when the API answers again.`,
				),
			});
		}
		const target = connectTarget(connectUrl, url);
		if (!target) redirect(303, `/integrations/${id}?created`);
		// A top-level navigation: the connect URL sets the flow cookie, then redirects to the provider.
		redirect(303, target.href, { external: [target.origin] });
	},

	custom: async ({ request, locals }) => {
		const form = await request.formData();
		const values = {
			key: text(form, 'key', 40).toLowerCase(),
			name: text(form, 'name', 100),
			issuer: text(form, 'issuer'),
			authorizationUrl: text(form, 'authorizationUrl'),
			tokenUrl: text(form, 'tokenUrl'),
			revocationUrl: text(form, 'revocationUrl'),
			scopes: text(form, 'scopes', 2000),
			pkce: text(form, 'pkce', 10) === 'none' ? 'none' : 'S256',
			clientAuth: text(form, 'clientAuth', 30) === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic',
			clientId: text(form, 'clientId', 500),
		};
		const clientSecret = text(form, 'clientSecret', 4000);
		const fieldErrors: Record<string, string> = {};
		if (!PROVIDER_KEY.test(values.key)) fieldErrors.key = 'Lower-case letters, digits and dashes, 2–40 characters, starting with a letter.';
		if (!values.name) fieldErrors.name = 'Enter a name.';
		if (!values.issuer && !(values.authorizationUrl && values.tokenUrl)) {
			fieldErrors.issuer = 'Enter an issuer (for discovery), or both the authorization and token URLs below.';
		}
		if (!values.clientId) fieldErrors.clientId = 'Enter the client ID of your OAuth app.';
		if (!clientSecret) fieldErrors.clientSecret = 'Enter the client secret of your OAuth app.';
		if (Object.keys(fieldErrors).length) return failWith(400, { form: 'custom', fieldErrors, values, flash: flash('error', 'Check the highlighted fields.') });

		const input: CustomProviderInput = {
			key: values.key,
			name: values.name,
			...(values.issuer ? { issuer: values.issuer } : {}),
			...(values.authorizationUrl ? { authorizationUrl: values.authorizationUrl } : {}),
			...(values.tokenUrl ? { tokenUrl: values.tokenUrl } : {}),
			...(values.revocationUrl ? { revocationUrl: values.revocationUrl } : {}),
			scopes: values.scopes.split(/[\s,]+/).filter(Boolean),
			pkce: values.pkce as 'S256' | 'none',
			clientAuth: values.clientAuth as 'client_secret_basic' | 'client_secret_post',
			clientId: values.clientId,
			clientSecret,
		};
		try {
			await createProvider(locals.session, input);
		} catch (e) {
			return apiFailure(e, { form: 'custom', values, fieldErrors: fieldErrorsFrom(e) });
		}
		let id: string;
		try {
			({ id } = (await createIntegration(locals.session, { provider: values.key })).data);
		} catch (e) {
			if (!(e instanceof ApiError)) throw e;
			return failWith(e.status, {
				form: 'custom',
				values,
				flash: flash('error', `The provider ${values.name} was saved, but adding its integration failed: ${e.message} Add it from its card above.`),
			});
		}
		redirect(303, `/integrations/${id}?created`);
	},
};
