import type { AppContext } from '../../context.ts';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Browser-facing OAuth errors: a small self-contained page, no third-party resources (REQ-6). */
export function oauthErrorPage(ctx: AppContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  ctx.body = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Connection failed</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">
<h1>Connection failed</h1><p>${escape(message)}</p><p><small>Error code: ${escape(code)}</small></p>
<p><a href="/">Back to Plugboard</a> and start the connection again.</p></body></html>`;
}

export function flowCookieName(flowId: string): string {
  return `pb_oauth_${flowId}`;
}

export function setFlowCookie(ctx: AppContext, name: string, value: string, maxAgeSeconds: number): void {
  const secure = ctx.deps.env.PUBLIC_URL.startsWith('https:') ? '; Secure' : '';
  ctx.append('Set-Cookie', `${name}=${value}; Path=/oauth/callback; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`);
}
