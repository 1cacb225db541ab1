import { createHash } from 'node:crypto';
import type { Branding } from '../../../db/repositories/tenants.repository.ts';
import type { CredentialField } from '../../../lib/oauth/modes.ts';
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
  /**
   * The credential inputs of a provider connected with credentials (API key, Basic, client credentials, GitHub App,
   * JWT bearer: lib/oauth/modes.ts): the page is then a form posted to us, and nothing goes to the provider from
   * the browser. Inputs are always rendered empty: a value is never echoed back.
   */
  fields?: CredentialField[];
  /** The API host the credentials are for (shown to the person). */
  apiHost?: string;
  /** Why the last submission was refused (no value from it). */
  error?: string;
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
  const provider = input.fields ? null : new URL(input.authorizationUrl);
  const css = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1f2328;line-height:1.5}
header{display:flex;align-items:center;gap:.75rem;margin-bottom:1.5rem}header img{max-height:48px;max-width:160px}
h1{font-size:1.4rem;margin:0}ul{padding-left:1.25rem}code{background:#f3f4f6;padding:0 .25rem;border-radius:3px}
button{background:${accent};color:#fff;border:0;border-radius:6px;padding:.7rem 1.6rem;font-size:1rem;cursor:pointer}
.note{color:#59636e;font-size:.9rem}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #d0d7de;border-radius:6px}
.error{color:#b42318;font-weight:600}`;
  const styleHash = createHash('sha256').update(css).digest('base64');
  const name = escapeHtml(input.branding.displayName);
  const providerName = escapeHtml(input.providerName);
  const scopes = input.scopes.length ? `<ul>${input.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>` : '<p>No specific scopes.</p>';
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Connect ${providerName} · ${name}</title><style>${css}</style></head>
<body><main>
<header>${logo ? `<img src="${escapeHtml(input.branding.logoUrl!)}" alt="" referrerpolicy="no-referrer">` : ''}<span>${name}</span></header>
<h1>Connect your ${providerName} account to ${name}</h1>
${
  provider
    ? `<p><strong>${name}</strong> asks for access to your ${providerName} account. Pressing Connect takes you to ${providerName}
(<code>${escapeHtml(provider.host)}</code>) to sign in and approve these permissions:</p>
${scopes}`
    : `<p><strong>${name}</strong> asks for credentials of your ${providerName} account${input.apiHost ? ` (<code>${escapeHtml(input.apiHost)}</code>)` : ''}. They are sent to ${name}'s Plugboard, stored encrypted and used only to call ${providerName} for ${name}.</p>`
}
${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ''}
<p class="note">Only continue if you expected this request from ${name}. If someone sent you this link unexpectedly, close this page:
whoever created it would receive access to your account.</p>
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
${(input.fields ?? [])
  .map(
    (f) =>
      `<label for="f-${escapeHtml(f.name)}">${escapeHtml(f.label)}</label><input id="f-${escapeHtml(f.name)}" name="${escapeHtml(f.name)}" type="${f.secret ? 'password' : 'text'}" autocomplete="off" spellcheck="false">`,
  )
  .join('\n')}
<button type="submit">Connect</button>
</form>
<p class="note">This link expires at ${escapeHtml(input.expiresAt.toISOString().replace('T', ' ').slice(0, 16))} UTC and works once.</p>
</main></body></html>`;
  const csp = [
    "default-src 'none'",
    `style-src 'sha256-${styleHash}'`,
    `img-src ${logo ?? "'none'"}`,
    `form-action 'self'${provider ? ` ${provider.origin}` : ''}`,
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
