import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface SessionSecretOptions {
	/** PLUGBOARD_SESSION_SECRET, if set. */
	secret: string | undefined;
	production: boolean;
	/** Where a development secret is kept (`<dataDir>/session-secret`). */
	dataDir: string;
	warn?: (message: string) => void;
}

export const MIN_SECRET_LENGTH = 32;

/**
 * The session secret. Production must configure one (≥ 32 chars); development generates a random one once
 * into the data directory (mode 600) and reuses it, so sessions survive restarts. Nothing is derived from
 * guessable input.
 */
export function resolveSessionSecret(options: SessionSecretOptions): string {
	const { secret, production, dataDir, warn = console.warn } = options;
	if (secret !== undefined) {
		if (secret.length < MIN_SECRET_LENGTH) throw new Error(`PLUGBOARD_SESSION_SECRET must be at least ${MIN_SECRET_LENGTH} characters.`);
		return secret;
	}
	if (production) {
		throw new Error(`PLUGBOARD_SESSION_SECRET is required in production (at least ${MIN_SECRET_LENGTH} random characters, e.g. \`openssl rand -base64 32\`).`);
	}

	const file = path.join(dataDir, 'session-secret');
	const existing = readSecretFile(file);
	if (existing) return existing;

	mkdirSync(dataDir, { recursive: true });
	try {
		// 'wx': never overwrite a secret another process wrote a moment ago.
		writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
		warn(`[dashboard] PLUGBOARD_SESSION_SECRET is not set: generated a development secret in ${file}. Set it explicitly in production.`);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
	}
	const written = readSecretFile(file);
	if (!written) throw new Error(`${file} does not hold a session secret of at least ${MIN_SECRET_LENGTH} characters; delete it to regenerate.`);
	return written;
}

function readSecretFile(file: string): string | undefined {
	let content: string;
	try {
		content = readFileSync(file, 'utf8').trim();
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
	if (content.length < MIN_SECRET_LENGTH) {
		throw new Error(`${file} does not hold a session secret of at least ${MIN_SECRET_LENGTH} characters; delete it to regenerate.`);
	}
	return content;
}

/** `<PLUGBOARD_DATA_DIR>` or the repository's `.data` (cwd is the repo root under `npm start`, dashboard/ under `vite dev`). */
export function defaultDataDir(dataDir: string | undefined, cwd: string = process.cwd()): string {
	if (dataDir) return path.resolve(cwd, dataDir);
	return path.basename(cwd) === 'dashboard' ? path.resolve(cwd, '../.data') : path.resolve(cwd, '.data');
}
