import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../hash.ts';

/**
 * Bearer secrets of team accounts: only their SHA-256 is stored (a database leak yields no usable session or
 * invitation). Session tokens are `pbs_<43 chars>` so the auth middleware tells them from API keys (`pbk_…`).
 */
export const SESSION_TOKEN = /^pbs_[A-Za-z0-9_-]{43}$/;
export const INVITATION_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function newSessionToken(): { token: string; hash: string } {
  const token = `pbs_${randomBytes(32).toString('base64url')}`;
  return { token, hash: sha256Hex(token) };
}

export function newInvitationToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: sha256Hex(token) };
}

export const tokenHash = sha256Hex;
