import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Env } from './env.ts';
import { generateKeySpec, parseKeyring, Vault } from './vault.ts';

/**
 * The vault for this process. PLUGBOARD_ENCRYPTION_KEYS wins. Without it, production refuses to start;
 * development and tests use (and on first run generate) `<data dir>/encryption-keys`, with a warning.
 */
export function loadVault(env: Pick<Env, 'NODE_ENV' | 'PLUGBOARD_ENCRYPTION_KEYS' | 'PLUGBOARD_DATA_DIR'>, warn: (m: string) => void = () => {}): Vault {
  if (env.PLUGBOARD_ENCRYPTION_KEYS) {
    try {
      return new Vault(parseKeyring(env.PLUGBOARD_ENCRYPTION_KEYS));
    } catch (error) {
      throw new Error(`PLUGBOARD_ENCRYPTION_KEYS is invalid: ${(error as Error).message}`, { cause: error });
    }
  }
  if (env.NODE_ENV === 'production') {
    throw new Error(
      'PLUGBOARD_ENCRYPTION_KEYS is required in production. Generate a key with `openssl rand -base64 32` and set ' +
        'PLUGBOARD_ENCRYPTION_KEYS=v1:<that value>. Keep it safe: tokens cannot be decrypted without it.',
    );
  }
  const file = path.resolve(env.PLUGBOARD_DATA_DIR, 'encryption-keys');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, generateKeySpec('v1') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    warn(`generated a development encryption key in ${file}; set PLUGBOARD_ENCRYPTION_KEYS outside development`);
  } else {
    warn(`using the development encryption key in ${file}; set PLUGBOARD_ENCRYPTION_KEYS outside development`);
  }
  return new Vault(parseKeyring(readFileSync(file, 'utf8').trim()));
}
