import { defineEnvVars } from '@sveltejs/kit/env';

/**
 * The dashboard's configuration (SvelteKit 3: declared here, read through `$app/env/private`, validated when the
 * server starts). All are private and read at run time. Secret handling lives in #lib/server/config.ts.
 */

function httpUrl(name: string, fallback: string | undefined) {
	return (value: string | undefined): string | undefined => {
		const raw = value?.trim() || fallback;
		if (raw === undefined) return undefined;
		let url: URL;
		try {
			url = new URL(raw);
		} catch {
			throw new Error(`${name} must be an absolute http(s) URL, got ${JSON.stringify(raw)}`);
		}
		if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL`);
		return raw.replace(/\/+$/, '');
	};
}

function optional(value: string | undefined): string | undefined {
	return value?.trim() ? value.trim() : undefined;
}

export const variables = defineEnvVars({
	PLUGBOARD_API_URL: {
		description: 'Internal base URL of the Plugboard API (the dashboard calls `${PLUGBOARD_API_URL}/api/v1/...`).',
		schema: httpUrl('PLUGBOARD_API_URL', 'http://127.0.0.1:3000'),
	},
	PLUGBOARD_SESSION_SECRET: {
		description: 'Encrypts the session cookie; at least 32 characters. Required when NODE_ENV=production.',
		schema: (value: string | undefined) => {
			const secret = optional(value);
			if (secret !== undefined && secret.length < 32) throw new Error('PLUGBOARD_SESSION_SECRET must be at least 32 characters');
			return secret;
		},
	},
	PLUGBOARD_DATA_DIR: {
		description: 'Where development-only generated secrets live (default: the repository .data directory).',
		schema: optional,
	},
	TEMPORAL_UI_URL: {
		description: 'Temporal UI, linked for operators.',
		schema: httpUrl('TEMPORAL_UI_URL', 'http://localhost:8233'),
	},
	PUBLIC_URL: {
		description: 'The one public origin users see (decides whether the session cookie is Secure).',
		schema: httpUrl('PUBLIC_URL', undefined),
	},
	NODE_ENV: {
		description: '`production` makes PLUGBOARD_SESSION_SECRET mandatory.',
		schema: (value: string | undefined) => value?.trim() || 'development',
	},
});
