import { z } from 'zod';
import { badRequest } from '../../../../../lib/errors.ts';
import { forwardUrlProblem } from '../../../../../lib/net-guard.ts';
import { connectionsOf } from '../../../../connections.ts';
import { integrationsOf, ok, type AppContext } from '../../../../context.ts';
import { secretName, secretValue, settingsPatch } from '../../../../validation.ts';
import { presentIntegration } from '../../../present.ts';
import { integrationIdParam } from './params.ts';

export const body = z
  .object({
    displayName: z.string().trim().min(1).max(100).nullable(),
    settings: settingsPatch,
    /** Write-only: encrypted, never returned; null removes one. */
    secrets: z.record(secretName, secretValue.nullable()),
  })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'send at least one of displayName, settings, secrets' });

/** PATCH /api/v1/integrations/:id */
export async function updateIntegration(ctx: AppContext): Promise<void> {
  const id = integrationIdParam(ctx);
  const patch = body.parse(ctx.request.body ?? {});
  const forwardProblem = patch.settings?.forwardUrl && forwardUrlProblem(patch.settings.forwardUrl, { production: ctx.deps.env.NODE_ENV === 'production' });
  if (forwardProblem) throw badRequest('validation_failed', forwardProblem, [{ path: 'settings.forwardUrl', message: forwardProblem }]);
  const repo = integrationsOf(ctx);
  const integration = await repo.update(id, patch);
  if (patch.settings?.syncIntervalMinutes !== undefined || patch.secrets?.clientId !== undefined || patch.secrets?.clientSecret !== undefined) {
    // The connection workflow re-reads: new client credentials may fix invalid_client; a new interval goes to the schedule.
    // No workflow running (never connected, or ended): nothing to tell, the next one starts from the row.
    await connectionsOf(ctx.deps)
      .settingsChanged(id)
      .catch((error: Error) => ctx.deps.logger.warn({ err: error.message, integrationId: id }, 'settings change not signalled'));
  }
  ok(ctx, presentIntegration(integration, repo, ctx.deps.env));
}
