import type { ProviderApi, ProviderDefinition } from '../../providers/types.ts';

export interface ConnectedApp {
  /** The app as its webhooks name it, else the OAuth client id. */
  oauthAppId: string;
  installationId: string | null;
  /** Why the provider's own app identity could not be read (logged on the integration); the client id stands in. */
  error?: string;
}

/**
 * The app identity stored at connect (issue: app-level routing must not cross apps or tenants). Reads the
 * provider's hook with the fresh access token; a failure never fails the connection.
 */
export async function readConnectedApp(
  def: ProviderDefinition,
  input: { clientId: string; accessToken: string; accountId: string | null; tokenResponse: Readonly<Record<string, unknown>> },
): Promise<ConnectedApp> {
  const hook = def.webhook?.appIdentity;
  if (!hook) return { oauthAppId: input.clientId, installationId: null };
  try {
    const identity = await hook({ tokenResponse: input.tokenResponse, accountId: input.accountId, api: bearerApi(def, input.accessToken) });
    return { oauthAppId: identity.appId ?? input.clientId, installationId: identity.installationId ?? null };
  } catch (error) {
    return { oauthAppId: input.clientId, installationId: null, error: (error as Error).message };
  }
}

function bearerApi(def: ProviderDefinition, accessToken: string): ProviderApi {
  return {
    async request(path) {
      if (!def.apiBaseUrl) throw new Error(`${def.name} has no API base URL`);
      const response = await fetch(def.apiBaseUrl + path, {
        headers: { ...def.apiHeaders, authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`${def.name} API answered HTTP ${response.status} for ${path}`);
      }
      return (await response.json()) as never;
    },
  };
}
