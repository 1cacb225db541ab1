import { z } from 'zod';
import { createFlow } from '../../../../../db/repositories/oauth-flows.repository.ts';
import { badRequest, conflict } from '../../../../../lib/errors.ts';
import { randomSecret } from '../../../../../lib/ids.ts';
import { providerParamsOf, resolveTemplates, validateTemplateValues } from '../../../../../providers/catalog/templates.ts';
import { safeRelativePath } from '../../../../../lib/safe-path.ts';
import { connectionsOf } from '../../../../connections.ts';
import { integrationsOf, ok, type AppContext } from '../../../../context.ts';
import { integrationIdParam } from './params.ts';

/**
 * Where the browser lands after the callback (REQ-4: no open redirect): normalised by the one safe-path check
 * (encoded dots and slashes, dot segments), then it must stay a path on this origin. Stored normalised.
 */
export const returnToPath = z
  .string()
  .max(500)
  .transform((value, ctx) => {
    const path = safeRelativePath(value);
    if (path === null) {
      ctx.addIssue({ code: 'custom', message: 'returnTo must be a relative path on this origin, such as /integrations' });
      return z.NEVER;
    }
    return path;
  });

export const body = z
  .object({
    returnTo: returnToPath.optional(),
    /** Values for a templated provider's endpoints (Shopify `shop`, Zendesk `subdomain`); checked against the catalog entry. */
    params: z.record(z.string().max(63), z.string().max(63)).optional(),
  })
  .strict();

/**
 * POST /api/v1/integrations/:id/connect (and /reconnect): a one-time connect URL on our origin. Opening it shows
 * the connect page; only its Connect button (a same-origin POST) starts the authorization. The flow lives 10 minutes.
 */
export async function connectIntegration(ctx: AppContext): Promise<void> {
  const input = body.parse(ctx.request.body ?? {});
  const repo = integrationsOf(ctx);
  const integration = await repo.get(integrationIdParam(ctx));
  const { providers, env } = ctx.deps;
  let def = await providers.resolve(ctx.state.em, integration.tenantId, integration.provider);
  if (def.templateParams?.length) {
    // Stored on the integration (not secret); the OAuth flow, refresh, revocation and the proxy resolve from them.
    const stored = providerParamsOf(integration.settings);
    const values = validateTemplateValues(def, input.params ?? stored);
    const changed = JSON.stringify(values) !== JSON.stringify(stored);
    if (changed && Object.keys(stored).length && (integration.status === 'active' || integration.status === 'error')) {
      throw conflict(
        'provider_params_locked',
        `This integration is connected to ${def.name} with other parameters; disconnect it before connecting it elsewhere.`,
      );
    }
    if (changed) await repo.update(integration.id, { settings: { providerParams: values } });
    def = resolveTemplates(def, values);
  } else if (input.params && Object.keys(input.params).length) {
    throw badRequest('invalid_provider_params', `${def.name} takes no connect parameters`, [{ path: 'params', message: 'not accepted' }]);
  }
  await providers.clientCredentials(ctx.state.em, integration); // 422 now rather than at the provider
  const connectToken = randomSecret(32);
  const scopes = (integration.settings.scopes as string[] | undefined) ?? def.defaultScopes;
  const flow = await createFlow(ctx.state.em, {
    tenantId: integration.tenantId,
    integrationId: integration.id,
    provider: integration.provider,
    connectToken,
    redirectUri: providers.redirectUri(def),
    returnTo: input.returnTo ?? `/integrations/${integration.id}`,
    scopes,
    expectedIssuer: def.issParameterSupported ? (def.issuer ?? null) : null,
  });
  await connectionsOf(ctx.deps).flowStarted({ em: ctx.state.em, integration });
  ctx.set('Cache-Control', 'no-store');
  ok(ctx, { connectUrl: `${env.PUBLIC_URL}/oauth/connect/${connectToken}`, expiresAt: flow.expiresAt }, 201);
}
