import { notFound } from '../../../../../lib/errors.ts';
import type { AppContext } from '../../../../context.ts';
import { integrationId } from '../../../../validation.ts';

/** The :id path parameter; a malformed id is a 404 like an unknown one. */
export function integrationIdParam(ctx: AppContext): string {
  const parsed = integrationId.safeParse(ctx.params.id);
  if (!parsed.success) throw notFound('Integration');
  return parsed.data;
}
