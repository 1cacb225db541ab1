import { createHash } from 'node:crypto';
import type { Branding } from '../../../db/repositories/tenants.repository.ts';
import { escapeHtml } from './page.ts';

export interface ConnectPageInput {
  branding: Branding;
  providerName: string;
  /** Where the Connect button sends the browser (the provider's authorization endpoint). */
  authorizationUrl: string;
  scopes: string[];
  /** The form's target: this connect URL's path. */
  action: string;
  csrfToken: string;
  expiresAt: Date;
}

const DEFAULT_ACCENT = '#2f5bd3';

/**
 * The connect page: self-contained HTML on our origin naming who asks (the tenant's branding), the provider and
 * the scopes, with one Connect button. Its CSP allows only its own hashed stylesheet, the tenant's logo origin,
 * and form submissions to us and (Chrome checks form-action on redirects) the provider's authorization origin.
 */
export function renderConnectPage(input: ConnectPageInput): { html: string; csp: string } {
  const accent = input.branding.accentColor && /^#[0-9a-f]{6}$/i.test(input.branding.accentColor) ? input.branding.accentColor : DEFAULT_ACCENT;
  const logo = httpsOrigin(input.branding.logoUrl);
  const provider = new URL(input.authorizationUrl);
  const css = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1f2328;line-height:1.5}
header{display:flex;align-items:center;gap:.75rem;margin-bottom:1.5rem}header img{max-height:48px;max-width:160px}
h1{font-size:1.4rem;margin:0}ul{padding-left:1.25rem}code{background:#f3f4f6;padding:0 .25rem;border-radius:3px}
button{background:${accent};color:#fff;border:0;border-radius:6px;padding:.7rem 1.6rem;font-size:1rem;cursor:pointer}
.note{color:#59636e;font-size:.9rem}`;
  const styleHash = createHash('sha256').update(css).digest('base64');
  const name = escapeHtml(input.branding.displayName);
  const providerName = escapeHtml(input.providerName);
  const scopes = input.scopes.length ? `<ul>${input.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>` : '<p>No specific scopes.</p>';
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Connect ${providerName} · ${name}</title><style>${css}</style></head>
<body><main>
<header>${logo ? `<img src="${escapeHtml(input.branding.logoUrl!)}" alt="" referrerpolicy="no-referrer">` : ''}<span>${name}</span></header>
<h1>Connect your ${providerName} account to ${name}</h1>
<p><strong>${name}</strong> asks for access to your ${providerName} account. Pressing Connect takes you to ${providerName}
(<code>${escapeHtml(provider.host)}</code>) to sign in and approve these permissions:</p>
${scopes}
<p class="note">Only continue if you expected this request from ${name}. If someone sent you this link unexpectedly, close this page:
whoever created it would receive access to your account.</p>
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<button type="submit">Connect</button>
</form>
<p class="note">This link expires at ${escapeHtml(input.expiresAt.toISOString().replace('T', ' ').slice(0, 16))} UTC and works once.</p>
</main></body></html>`;
  const csp = [
    "default-src 'none'",
    `style-src 'sha256-${styleHash}'`,
    `img-src ${logo ?? "'none'"}`,
    `form-action 'self' ${provider.origin}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}

/** The origin of an https URL (the logo's, for img-src), or null. */
function httpsOrigin(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
}
