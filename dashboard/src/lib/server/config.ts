import { NODE_ENV, PLUGBOARD_API_URL, PLUGBOARD_DATA_DIR, PLUGBOARD_SESSION_SECRET, PUBLIC_URL, TEMPORAL_UI_URL } from '$app/env/private';
import { defaultDataDir, resolveSessionSecret } from './secret.ts';

/** The dashboard's server-side configuration: the only module that reads the environment (docs/conventions.md §15). */
export interface DashboardConfig {
	apiUrl: string;
	temporalUiUrl: string;
	/** The public origin, when configured; decides the cookie's Secure flag. */
	publicUrl: string | undefined;
	sessionSecret: string;
}

let cached: DashboardConfig | undefined;

/** Parsed on first use (not at import), so `vite build` needs no secrets. */
export function config(): DashboardConfig {
	cached ??= {
		apiUrl: PLUGBOARD_API_URL ?? 'http://127.0.0.1:3000',
		temporalUiUrl: TEMPORAL_UI_URL ?? 'http://localhost:8233',
		publicUrl: PUBLIC_URL,
		sessionSecret: resolveSessionSecret({
			secret: PLUGBOARD_SESSION_SECRET,
			production: NODE_ENV === 'production',
			dataDir: defaultDataDir(PLUGBOARD_DATA_DIR),
		}),
	};
	return cached;
}
