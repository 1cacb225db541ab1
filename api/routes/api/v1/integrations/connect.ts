import { z } from 'zod';
import type { Integration } from '../../../../../db/entities/index.ts';
import { consumeFlow, createFlow, finishFlow, storeCallbackParams } from '../../../../../db/repositories/oauth-flows.repository.ts';
import { AppError, badRequest, conflict } from '../../../../../lib/errors.ts';
import { readSecrets } from '../../../../../db/credentials.ts';
import { connectRefusal, credentialsSchema, githubAppNotConfigured, ownGithubApp } from '../../../../../lib/oauth/modes.ts';
import type { ProviderDefinition } from '../../../../../providers/types.ts';
import { presentIntegration } from '../../../present.ts';
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
    /**
     * For a provider whose auth mode is not the authorization-code grant (API key, Basic, client credentials,
     * GitHub App, JWT bearer): the credentials, validated per mode (lib/oauth/modes.ts) and connected at once.
     * Without them such a provider gets a connect URL whose page asks for them.
     */
    credentials: z.record(z.string().max(64), z.unknown()).optional(),
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
  if (def.auth?.mode === 'github_app') requireOwnGithubApp(ctx, integration, def);
  if (input.credentials) return connectWithCredentials(ctx, integration, def, input.credentials);
  if (!def.auth) await providers.clientCredentials(ctx.state.em, integration); // 422 now rather than at the provider
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

/**
 * Connects with credentials given in the request (every mode but the authorization-code grant): validated per mode
 * (400 `invalid_credentials`, naming fields, never values), sealed on a single-use flow (the vault's AES-256-GCM, as a
 * callback's parameters are) and handed to the connection workflow, whose activity checks or mints with them; only the
 * flow id crosses Temporal (REQ-19). A refusal is 422 `credentials_rejected` with the provider's status; a provider that
 * did not answer or answered 5xx is 502 `provider_unreachable` / 503 `provider_unavailable`.
 */
async function connectWithCredentials(ctx: AppContext, integration: Integration, def: ProviderDefinition, raw: Record<string, unknown>): Promise<void> {
  if (!def.auth) {
    throw badRequest('credentials_not_accepted', `${def.name} connects through its authorization page: omit credentials and open the connect URL`, [
      { path: 'credentials', message: 'not accepted for the oauth2 mode' },
    ]);
  }
  const parsed = credentialsSchema(def.auth).safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({ path: ['credentials', ...issue.path.map(String)].join('.'), message: issue.message }));
    throw badRequest(
      'invalid_credentials',
      `The credentials do not fit ${def.name}'s ${def.auth.mode} mode: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      details,
    );
  }
  const { em } = ctx.state;
  const flow = await createFlow(em, {
    tenantId: integration.tenantId,
    integrationId: integration.id,
    provider: integration.provider,
    connectToken: randomSecret(32),
    redirectUri: ctx.deps.providers.redirectUri(def),
    returnTo: `/integrations/${integration.id}`,
    scopes: def.defaultScopes,
    expectedIssuer: null,
  });
  await consumeFlow(em, flow);
  await storeCallbackParams(em, ctx.deps.vault, flow, new URLSearchParams({ credentials: JSON.stringify(parsed.data) }));
  const outcome = await connectionsOf(ctx.deps).exchangeCode({ em, integration }, flow.id);
  await finishFlow(em, flow, outcome.ok ? 'connected' : 'error: credentials');
  if (!outcome.ok) {
    // 422 when the provider refused the credentials; 502/503 when it could not be asked (no answer, 5xx): not their fault.
    const refusal = connectRefusal(outcome.error);
    throw new AppError(refusal.status, refusal.code, refusal.message ?? `${def.name} did not accept the credentials.`);
  }
  em.clear();
  const repo = integrationsOf(ctx);
  ctx.set('Cache-Control', 'no-store');
  ok(ctx, presentIntegration(await repo.get(integration.id), repo, ctx.deps.env));
}

/** A `github_app` integration connects only with its own App (lib/oauth/modes.ts `ownGithubApp`): 400 `app_not_configured`. */
export function requireOwnGithubApp(ctx: AppContext, integration: Integration, def: ProviderDefinition): void {
  if (!ownGithubApp(readSecrets(ctx.deps.vault, integration))) {
    throw badRequest('app_not_configured', githubAppNotConfigured(def.name), [{ path: 'secrets', message: 'appId and privateKey are required' }]);
  }
}
