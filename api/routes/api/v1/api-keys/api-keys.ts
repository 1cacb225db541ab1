import { z } from 'zod';
import { API_KEY_SCOPES, type ApiKey } from '../../../../../db/entities/index.ts';
import { createTenantApiKey, listApiKeys, revokeApiKey } from '../../../../../db/repositories/api-keys.repository.ts';
import { notFound } from '../../../../../lib/errors.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';

export const createBody = z.object({ name: z.string().trim().min(1).max(100), scope: z.enum(API_KEY_SCOPES).default('full') }).strict();
const keyId = z.string().regex(/^key_[0-9a-z]{26}$/, 'not an API key id');

/** The public shape of a key: never the secret or its hash; `current` marks the key making this request. */
function presentApiKey(ctx: AppContext, key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    prefix: `pbk_${key.prefix}`,
    scope: key.scope,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt ?? null,
    revokedAt: key.revokedAt ?? null,
    current: key.id === ctx.state.tenant?.apiKeyId,
  };
}

/** GET /api/v1/api-keys — the tenant's keys, active and revoked, oldest first. */
export async function listApiKeysRoute(ctx: AppContext): Promise<void> {
  const keys = await listApiKeys(ctx.state.em, tenantIdOf(ctx));
  ok(
    ctx,
    keys.map((k) => presentApiKey(ctx, k)),
  );
}

/** POST /api/v1/api-keys {name, scope?: 'full' | 'read_only'} — 201 with the key in `apiKey`, shown this once (only its hash is kept). */
export async function createApiKeyRoute(ctx: AppContext): Promise<void> {
  const { name, scope } = createBody.parse(ctx.request.body ?? {});
  const { apiKey, plaintext } = await createTenantApiKey(ctx.state.em, tenantIdOf(ctx), name, scope);
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Location', `/api/v1/api-keys/${apiKey.id}`);
  ok(ctx, { ...presentApiKey(ctx, apiKey), apiKey: plaintext }, 201);
}

/**
 * DELETE /api/v1/api-keys/:id — revokes a key (idempotent); 409 `last_api_key` for the tenant's last active
 * one. It stops working in this API process at once, in the others on the revocation's NOTIFY
 * (api/middleware/api-key-auth.ts).
 */
export async function revokeApiKeyRoute(ctx: AppContext): Promise<void> {
  const id = keyId.safeParse(ctx.params.id);
  if (!id.success) throw notFound('API key'); // a malformed id is a 404 like an unknown one
  const key = await revokeApiKey(ctx.state.em, tenantIdOf(ctx), id.data, { keepOne: true });
  ctx.deps.apiKeys.forget(key.id);
  ok(ctx, presentApiKey(ctx, key));
}
