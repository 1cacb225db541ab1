/**
 * docs/providers.md, generated from the catalog by `node scripts/providers-doc.ts`:
 * providers/catalog/catalog.test.ts fails when the committed file differs from what this renders.
 */
import type { ProviderDefinition } from '../types.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|');

function refreshOf(def: ProviderDefinition): string {
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
        'OAuth 2.0 code',
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
    "provider's own documentation linked for its facts, and a fake-backed test in `test/providers/all-providers.test.ts`.",
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
