import { z } from 'zod';

/** Shared zod pieces for route schemas (docs/conventions.md §8: strict schemas at the edge). */
export const integrationId = z.string().regex(/^int_[0-9a-z]{26}$/, 'not an integration id');
export const cursor = z.string().regex(/^[a-z]{3}_[0-9a-z]{26}$/, 'not a cursor returned by this API');
export const limit = z.coerce.number().int().min(1).max(200).default(50);
export const providerKey = z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'lower-case letters, digits and dashes, 2-40 characters');

export const secretName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'secret names are letters, digits and _');
export const secretValue = z.string().min(1).max(8192);

/** Non-secret integration settings: the known keys are checked; tenants may keep their own under `custom`. */
export const settingsPatch = z
  .object({
    forwardUrl: z.url({ protocol: /^https?$/ }).nullable(),
    syncIntervalMinutes: z.number().int().min(1).max(1440).nullable(),
    scopes: z.array(z.string().min(1).max(200)).max(100).nullable(),
    custom: z.record(z.string(), z.unknown()).nullable(),
    /**
     * How long this integration's refresh tokens last, where only the tenant knows it (a Google app in "Testing": 7;
     * a Salesforce connected app's "expire after" policy). Used when neither the provider's response nor its
     * documentation states a lifetime (lib/oauth/tokens.ts).
     */
    refreshTokenLifetimeDays: z
      .number({ error: 'refreshTokenLifetimeDays must be a whole number of days' })
      .int('refreshTokenLifetimeDays must be a whole number of days')
      .min(1, 'refreshTokenLifetimeDays must be at least 1')
      .max(3650, 'refreshTokenLifetimeDays must be at most 3650 (10 years)')
      .nullable(),
  })
  .partial()
  .strict();
