import { z } from 'zod';
import { AppError, badRequest } from '../../../../../lib/errors.ts';
import { forwardUrlProblem } from '../../../../../lib/net-guard.ts';
import { integrationsOf, ok, tenantIdOf, type AppContext } from '../../../../context.ts';
import { providerKey, secretName, secretValue, settingsPatch } from '../../../../validation.ts';
import { presentIntegration } from '../../../present.ts';

export const body = z
  .object({
    provider: providerKey,
    displayName: z.string().trim().min(1).max(100).optional(),
    settings: settingsPatch.optional(),
    secrets: z.record(secretName, secretValue).optional(),
  })
  .strict();

/** POST /api/v1/integrations — 409 when the tenant already has one for this provider. */
export async function createIntegration(ctx: AppContext): Promise<void> {
  const input = body.parse(ctx.request.body ?? {});
  const forwardProblem = input.settings?.forwardUrl && forwardUrlProblem(input.settings.forwardUrl, { production: ctx.deps.env.NODE_ENV === 'production' });
  if (forwardProblem) throw badRequest('validation_failed', forwardProblem, [{ path: 'settings.forwardUrl', message: forwardProblem }]);
  if (!(await ctx.deps.providers.exists(ctx.state.em, tenantIdOf(ctx), input.provider))) {
    throw new AppError(422, 'unknown_provider', `Unknown provider "${input.provider}". GET /api/v1/providers lists the ones available.`);
  }
  const repo = integrationsOf(ctx);
  const settings = Object.fromEntries(Object.entries(input.settings ?? {}).filter(([, v]) => v !== null));
  const integration = await repo.create({ ...input, settings });
  ctx.set('Location', `/api/v1/integrations/${integration.id}`);
  ok(ctx, presentIntegration(integration, repo, ctx.deps.env), 201);
}
