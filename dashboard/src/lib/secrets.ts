/** The write-only secrets the integration page offers (the API accepts any name; these are the ones it uses). */
export const KNOWN_SECRETS = [
	{ name: 'clientId', label: 'Client ID', help: 'Of your own OAuth app at the provider, when this server has none configured.' },
	{ name: 'clientSecret', label: 'Client secret', help: 'Of the same OAuth app.' },
	{ name: 'webhookSecret', label: 'Webhook signing secret', help: 'The provider signs webhooks with it; Plugboard verifies every delivery.' },
] as const;

export type KnownSecret = (typeof KNOWN_SECRETS)[number]['name'];
