/**
 * docs/providers.md, generated from the catalog by `node scripts/providers-doc.ts`:
 * providers/catalog/catalog.test.ts fails when the committed file differs from what this renders.
 */
import type { ProviderDefinition } from '../types.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The auth mode as the table names it (providers/catalog/schema.ts). */
function authOf(def: ProviderDefinition): string {
  switch (def.auth?.mode) {
    case undefined:
      return 'OAuth 2.0 code';
    case 'api_key':
      return def.auth.placement.in === 'header' ? `API key (\`${def.auth.placement.name}\` header)` : `API key (\`${def.auth.placement.name}\` query)`;
    case 'basic':
      return 'HTTP Basic';
    case 'oauth2_client_credentials':
      return 'OAuth 2.0 client credentials';
    case 'github_app':
      return 'GitHub App installation';
    case 'jwt_bearer':
      return 'JWT bearer (RFC 7523)';
  }
}

function refreshOf(def: ProviderDefinition): string {
  if (def.auth?.mode === 'api_key' || def.auth?.mode === 'basic') return 'static credential';
  if (def.auth) return 'minted again before expiry';
  if (!def.refresh.supported) return 'no refresh (token does not expire)';
  const rotation = def.refresh.rotatesRefreshToken ? 'rotating refresh token' : 'refresh token kept';
  const days = def.refresh.refreshTokenLifetimeSeconds ? `, ${Math.round(def.refresh.refreshTokenLifetimeSeconds / 86_400)} days` : '';
  return rotation + days;
}

function paramsOf(def: ProviderDefinition): string {
  const params = def.templateParams ?? [];
  if (!params.length) return '';
  return params.map((p) => `\`${p.name}\` (${p.values ? p.values.join(', ') : `e.g. ${p.example}`})`).join('; ');
}

/** The Markdown page listing every built-in provider (the sandbox excluded: it is local). */
export function renderProvidersDoc(defs: readonly ProviderDefinition[]): string {
  const rows = [...defs]
    .sort((a, b) => a.name.localeCompare(b.name, 'en'))
    .map((def) =>
      [
        `${cell(def.name)}`,
        `\`${def.key}\``,
        authOf(def),
        def.pkce === 'S256' ? 'S256' : '—',
        refreshOf(def),
        def.revocation.style === 'none' ? '—' : 'yes',
        paramsOf(def),
        def.webhook ? `\`${def.webhook.scheme}\`` : '',
        (def.docs ?? []).map((url, i) => `[${i + 1}](${url})`).join(' '),
      ].join(' | '),
    )
    .map((row) => `| ${row} |`);
  return [
    '# Providers',
    '',
    '<!-- Generated from the provider catalog (providers/) by scripts/providers-doc.ts: do not edit by hand. -->',
    '',
    `Plugboard ships ${defs.length} built-in providers (plus the local sandbox, and any custom OAuth 2.0 / OIDC provider a`,
    'tenant adds). Each is one catalog entry validated by the zod schema in `providers/catalog/schema.ts`, with the',
    "provider's own documentation linked for its facts, and a fake-backed test: `test/providers/all-providers.test.ts` for the",
    'OAuth 2.0 code flow, `test/auth-modes-catalog.test.ts` for the other auth modes.',
    '',
    'Connect parameters: a provider whose host is per account takes them as `params` in',
    '`POST /api/v1/integrations/:id/connect` (for example `{"params": {"shop": "acme-store"}}`); they are stored on the',
    'integration as `settings.providerParams`.',
    '',
    '| Provider | Key | Auth | PKCE | Refresh | Revocation | Connect parameters | Webhooks | Docs |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
