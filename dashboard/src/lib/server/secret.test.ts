import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDataDir, resolveSessionSecret } from './secret.ts';

const dirs: string[] = [];
function tempDir(): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'pb-dashboard-secret-'));
	dirs.push(dir);
	return dir;
}
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('resolveSessionSecret', () => {
	it('uses a configured secret of at least 32 characters', () => {
		const secret = 'x'.repeat(32);
		expect(resolveSessionSecret({ secret, production: true, dataDir: tempDir() })).toBe(secret);
	});

	it('rejects a short configured secret', () => {
		expect(() => resolveSessionSecret({ secret: 'short', production: false, dataDir: tempDir() })).toThrow(/at least 32/);
	});

	it('refuses to run in production without a secret', () => {
		expect(() => resolveSessionSecret({ secret: undefined, production: true, dataDir: tempDir() })).toThrow(/required in production/);
	});

	it('generates a development secret once, mode 600, with a warning, and reuses it', () => {
		const dataDir = path.join(tempDir(), 'nested');
		const warnings: string[] = [];
		const first = resolveSessionSecret({ secret: undefined, production: false, dataDir, warn: (m) => warnings.push(m) });
		const second = resolveSessionSecret({ secret: undefined, production: false, dataDir, warn: (m) => warnings.push(m) });
		const file = path.join(dataDir, 'session-secret');
		expect(first.length).toBeGreaterThanOrEqual(32);
		expect(second).toBe(first);
		expect(readFileSync(file, 'utf8').trim()).toBe(first);
		expect(statSync(file).mode & 0o777).toBe(0o600);
		expect(warnings).toHaveLength(1);
	});

	it('reuses a secret written by the dev orchestrator', () => {
		const dataDir = tempDir();
		writeFileSync(path.join(dataDir, 'session-secret'), `${'s'.repeat(43)}\n`, { mode: 0o600 });
		expect(resolveSessionSecret({ secret: undefined, production: false, dataDir })).toBe('s'.repeat(43));
	});
});

describe('defaultDataDir', () => {
	it('is the repository .data from the repo root or from dashboard/', () => {
		expect(defaultDataDir(undefined, '/repo')).toBe('/repo/.data');
		expect(defaultDataDir(undefined, '/repo/dashboard')).toBe('/repo/.data');
		expect(defaultDataDir('/var/lib/plugboard', '/repo')).toBe('/var/lib/plugboard');
	});
});
