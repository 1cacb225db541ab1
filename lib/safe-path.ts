/**
 * The one check for "send the browser to this path afterwards" (REQ-4, RFC 9700 §4.11: no open redirector),
 * used by the API's `returnTo`, the OAuth callback at redirect time and the dashboard's `next`. Pure, no
 * dependencies: the dashboard imports it by relative path.
 *
 * Normalise, then check: percent-encoded dots, slashes and backslashes are decoded in the path (browsers and
 * servers treat `%2e` as a dot segment), dot segments are resolved by the URL parser against a dummy origin,
 * and what remains must be a path on that origin that does not start with `//`. Backslashes, tabs, CR/LF
 * and other control characters are refused outright (browsers read `\` as `/` and drop tabs and newlines).
 */
const DUMMY_ORIGIN = 'http://plugboard.invalid';
const MAX_LENGTH = 2048;

/** Backslashes and control characters (C0 and DEL): browsers read `\` as `/` and drop tabs and newlines in URLs. */
function hasForbidden(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}

/** The normalised same-origin path (path, query and fragment), or null when `value` could leave the origin. */
export function safeRelativePath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return null;
  const split = value.search(/[?#]/);
  const rawPath = split === -1 ? value : value.slice(0, split);
  const rest = split === -1 ? '' : value.slice(split);
  const path = rawPath.replace(/%(2e|2f|5c)/gi, (m) => decodeURIComponent(m));
  const candidate = path + rest;
  if (hasForbidden(candidate) || !candidate.startsWith('/') || candidate.startsWith('//')) return null;
  let url: URL;
  try {
    url = new URL(candidate, DUMMY_ORIGIN);
  } catch {
    return null;
  }
  if (url.origin !== DUMMY_ORIGIN || url.username || url.password) return null;
  const result = `${url.pathname}${url.search}${url.hash}`;
  if (!result.startsWith('/') || result.startsWith('//') || hasForbidden(result)) return null;
  return result;
}

/** `safeRelativePath(value)`, or `fallback` when it is not safe. */
export function safePathOr(value: unknown, fallback: string): string {
  return safeRelativePath(value) ?? fallback;
}
