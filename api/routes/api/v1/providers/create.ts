import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { CustomProvider } from '../../../../../db/entities/index.ts';
import { customDefinition } from '../../../../../db/repositories/providers.repository.ts';
import { AppError, conflict } from '../../../../../lib/errors.ts';
import { discoverServer, DiscoveryError } from '../../../../../lib/oauth/discovery.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';
import { providerKey } from '../../../../validation.ts';

const httpsUrl = z.url({ protocol: /^https?$/ }).max(2000);

export const body = z
  .object({
    key: providerKey,
    name: z.string().trim().min(1).max(100),
    issuer: httpsUrl.optional(),
    authorizationUrl: httpsUrl.optional(),
    tokenUrl: httpsUrl.optional(),
    revocationUrl: httpsUrl.optional(),
    scopes: z.array(z.string().min(1).max(200)).max(50).default([]),
    pkce: z.enum(['S256', 'none']).optional(),
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
    /** Send `prompt=consent` on connects; default: whether discovery lists it in `prompt_values_supported`. */
    consentPrompt: z.boolean().optional(),
    clientId: z.string().min(1).max(500).optional(),
    clientSecret: z.string().min(1).max(4000).optional(),
  })
  .strict()
  .refine((b) => b.issuer || (b.authorizationUrl && b.tokenUrl), { message: 'give an issuer (for discovery) or both authorizationUrl and tokenUrl' });

/**
 * POST /api/v1/providers — a tenant's own OAuth 2.0 / OIDC provider. With `issuer`, endpoints come from
 * discovery (the metadata's issuer must match, REQ-17); two providers may not share an issuer (RFC 9207 §4).
 */
export async function createProvider(ctx: AppContext): Promise<void> {
  const input = body.parse(ctx.request.body ?? {});
  const tenantId = tenantIdOf(ctx);
  const { providers, env, vault } = ctx.deps;
  if (providers.builtIns.has(input.key)) throw conflict('provider_exists', `"${input.key}" is a built-in provider; choose another key.`);
  const production = env.NODE_ENV === 'production';
  for (const url of [input.issuer, input.authorizationUrl, input.tokenUrl, input.revocationUrl]) {
    if (url && production && !url.startsWith('https:')) throw new AppError(400, 'validation_failed', 'provider URLs must be https (REQ-20)');
  }
  let endpoints = {
    issuer: input.issuer ?? null,
    authorizationUrl: input.authorizationUrl!,
    tokenUrl: input.tokenUrl!,
    revocationUrl: input.revocationUrl ?? null,
    pkce: input.pkce ?? 'S256',
    issParameterSupported: false,
    consentPrompt: input.consentPrompt ?? false,
  };
  if (input.issuer) {
    try {
      const found = await discoverServer(input.issuer, { allowLoopbackHttp: !production, fetch: providers.outbound.fetch });
      endpoints = {
        ...found,
        pkce: input.pkce ?? found.pkce,
        authorizationUrl: input.authorizationUrl ?? found.authorizationUrl,
        tokenUrl: input.tokenUrl ?? found.tokenUrl,
        revocationUrl: input.revocationUrl ?? found.revocationUrl,
        consentPrompt: input.consentPrompt ?? found.consentPrompt,
      };
    } catch (error) {
      if (error instanceof DiscoveryError) throw new AppError(422, 'discovery_failed', error.message);
      throw error;
    }
  }
  // Plugboard's server calls the token and revocation endpoints with the client secret and the tokens: they must
  // pass the outbound guard (checked again at every connection). The authorization URL is only opened by browsers.
  for (const [field, url] of [
    ['tokenUrl', endpoints.tokenUrl],
    ['revocationUrl', endpoints.revocationUrl],
  ] as const) {
    if (!url) continue;
    if (production && !url.startsWith('https:')) throw new AppError(400, 'validation_failed', `${field} must be https (REQ-20)`);
    await providers.outbound.check(url).catch((error: Error) => {
      throw new AppError(422, 'url_not_allowed', `${field}: ${error.message}`);
    });
  }
  if (endpoints.issuer && [...providers.builtIns.values()].some((p) => p.issuer === endpoints.issuer)) {
    throw conflict('issuer_taken', `The issuer ${endpoints.issuer} belongs to a built-in provider; use that provider instead (RFC 9207 §4).`);
  }
  const em = ctx.state.em;
  const row = em.create(CustomProvider, {
    tenantId,
    key: input.key,
    name: input.name,
    ...endpoints,
    scopes: input.scopes,
    clientAuth: input.clientAuth,
    clientId: input.clientId ?? null,
  });
  if (input.clientSecret) {
    row.clientSecret = vault.encrypt(input.clientSecret, { tenantId, entity: 'custom_provider', id: row.id, field: 'clientSecret' });
    row.keyId = vault.activeKid;
  }
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      const sameIssuer = endpoints.issuer && (await em.fork().count(CustomProvider, { tenantId, issuer: endpoints.issuer })) > 0;
      throw sameIssuer
        ? conflict('issuer_taken', `Another provider of this tenant already uses the issuer ${endpoints.issuer} (RFC 9207 §4: issuers must be unique).`)
        : conflict('provider_exists', `This tenant already has a provider "${input.key}".`);
    }
    throw error;
  }
  ctx.set('Location', `/api/v1/providers/${row.key}`);
  ok(
    ctx,
    {
      key: row.key,
      name: row.name,
      kind: 'custom',
      issuer: row.issuer,
      authorizationUrl: row.authorizationUrl,
      tokenUrl: row.tokenUrl,
      revocationUrl: row.revocationUrl,
      scopes: row.scopes,
      pkce: row.pkce,
      clientAuth: row.clientAuth,
      issParameterSupported: row.issParameterSupported,
      consentPrompt: row.consentPrompt,
      clientId: row.clientId,
      clientSecretSet: Boolean(row.clientSecret),
      // One per provider (REQ-5): register this one with the provider. `callbackUrl` is its older name.
      redirectUri: providers.redirectUri(customDefinition(row)),
      callbackUrl: providers.redirectUri(customDefinition(row)),
    },
    201,
  );
}
