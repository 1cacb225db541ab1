import type { AppContext } from '../../context.ts';

/** HTML-escapes text and attribute values (`&<>"'`). */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Headers of every browser-facing OAuth page: never cached, never framed, no referrer (REQ-6). */
export function setPageHeaders(ctx: AppContext, csp: string): void {
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Content-Security-Policy', csp);
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
}

/** Browser-facing OAuth errors: a small self-contained page, no third-party resources (REQ-6). */
export function oauthErrorPage(ctx: AppContext, status: number, code: string, message: string): void {
  ctx.status = status;
  setPageHeaders(ctx, "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  ctx.body = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Connection failed</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">
<h1>Connection failed</h1><p>${escapeHtml(message)}</p><p><small>Error code: ${escapeHtml(code)}</small></p>
<p><a href="/">Back to Plugboard</a> and start the connection again.</p></body></html>`;
}

export function flowCookieName(flowId: string): string {
  return `pb_oauth_${flowId}`;
}

/** The cookie the connect page sets; its Connect form carries a token bound to it (connect.ts). */
export function connectCookieName(flowId: string): string {
  return `pb_connect_${flowId}`;
}

export function setFlowCookie(ctx: AppContext, name: string, value: string, maxAgeSeconds: number): void {
  const secure = ctx.deps.env.PUBLIC_URL.startsWith('https:') ? '; Secure' : '';
  ctx.append('Set-Cookie', `${name}=${value}; Path=/oauth/callback; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`);
}

/** Strict: the only request that needs it is the page's own same-origin POST; a cross-site form never carries it. */
export function setConnectCookie(ctx: AppContext, name: string, value: string, maxAgeSeconds: number): void {
  const secure = ctx.deps.env.PUBLIC_URL.startsWith('https:') ? '; Secure' : '';
  ctx.append('Set-Cookie', `${name}=${value}; Path=/oauth/connect; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`);
}
