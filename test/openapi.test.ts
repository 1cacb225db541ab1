/**
 * The OpenAPI 3.1 document of /api/v1 (issue 15 item 3): generated from the router's registered routes and the zod
 * schemas the routes validate with, valid OpenAPI 3.1, served without an API key at /api/v1/openapi.json.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Router from '@koa/router';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../api/context.ts';
import { buildOpenApi, ERROR_CODES, OPERATIONS, registeredRoutes } from '../api/openapi.ts';
import * as R from '../api/openapi-schemas.ts';
import { createRouter } from '../api/router.ts';
import * as createIntegration from '../api/routes/api/v1/integrations/create.ts';
import * as endpoints from '../api/routes/api/v1/event-endpoints/endpoints.ts';
import * as listIntegrations from '../api/routes/api/v1/integrations/list.ts';
import { startTestApi, type TestApi } from './helpers.ts';

// Building the router only closes over its dependencies; no request is made here.
const router = createRouter({} as AppDeps);
const doc = buildOpenApi(router);

describe('the OpenAPI document', () => {
  it('has an operation for every /api/v1 route the router registers (the route list comes from router.stack)', () => {
    const routes = registeredRoutes(router);
    expect(routes.length).toBeGreaterThan(40);
    for (const route of routes) {
      const path = route.path.replace(/\{\/\*(\w+)\}/g, '/{$1}').replace(/:(\w+)/g, '{$1}');
      const methods = route.method === 'ALL' ? ['get', 'post', 'put', 'patch', 'delete'] : [route.method.toLowerCase()];
      for (const method of methods) expect(doc.paths[path]?.[method], `${route.key} is missing from the document`).toBeDefined();
    }
  });

  it('refuses to build when a registered route has no entry (a new route without a spec fails this test file)', () => {
    const extra = createRouter({} as AppDeps);
    const v1 = new Router({ prefix: '/api/v1' });
    v1.get('/brand-new', async () => {});
    extra.use(v1.routes());
    expect(() => buildOpenApi(extra)).toThrow(/routes with no entry in api\/openapi\.ts OPERATIONS: GET \/api\/v1\/brand-new/);
  });

  it('validates as OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const result = await new Validator().validate(structuredClone(doc) as never);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('resolves every $ref, declares every path parameter, and has unique operation ids', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of new Set(refs)) {
      const [, kind, name] = /#\/components\/(\w+)\/(\w+)/.exec(ref)!;
      expect((doc.components as Record<string, Record<string, unknown>>)[kind!]?.[name!], ref).toBeDefined();
    }
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const op of Object.values(item)) {
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
        const declared = (op.parameters ?? []).filter((p: { in: string }) => p.in === 'path').map((p: { name: string }) => p.name);
        expect(declared.sort(), `${path} path parameters`).toEqual([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
      }
    }
  });

  it('takes request shapes from the very schemas the routes validate with (no second copy)', () => {
    expect(OPERATIONS['POST /api/v1/integrations']!.body).toBe(createIntegration.body);
    expect(OPERATIONS['POST /api/v1/event-endpoints']!.body).toBe(endpoints.createBody);
    expect(OPERATIONS['GET /api/v1/integrations']!.query).toBe(listIntegrations.query);
    // What the schema says shows in the document: the strict body, its pattern, the query's bounds and default.
    const create = doc.components.schemas.CreateIntegrationRequest;
    expect(create).toMatchObject({ type: 'object', additionalProperties: false, required: ['provider'] });
    expect(create.properties.provider.pattern).toBe('^[a-z][a-z0-9-]{1,39}$');
    const limit = doc.paths['/api/v1/integrations']!.get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } });
    // Every request example is accepted by the schema it illustrates.
    for (const [key, op] of Object.entries(OPERATIONS))
      if (op.body && op.bodyExample !== undefined) expect(op.body.safeParse(op.bodyExample).success, key).toBe(true);
  });

  it('types every JSON response: no operation answers an object the document does not detail field by field', () => {
    const schemas = doc.components.schemas as Record<string, Record<string, any>>;
    const resolve = (s: Record<string, any>): Record<string, any> => (s.$ref ? schemas[String(s.$ref).split('/').pop()!]! : s);
    const untyped: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
          const schema = response.content?.['application/json']?.schema;
          if (!/^2/.test(status) || !schema?.properties?.data) continue;
          let data = resolve(schema.properties.data);
          if (data.type === 'array') data = resolve(data.items);
          const typed = data.type !== 'object' || Object.keys(data.properties ?? {}).length > 0;
          if (!typed) untyped.push(`${method.toUpperCase()} ${path}`);
        }
      }
    }
    expect(untyped, 'operations whose response data is an untyped object').toEqual([]);
  });

  it('documents every auth mode: connect with credentials answers 200 with the integration; the token is one of three shapes', () => {
    const paths = doc.paths as Record<
      string,
      Record<string, { responses: Record<string, { content?: Record<string, { schema: { properties: { data: unknown } } }> }> }>
    >;
    for (const mode of ['connect', 'reconnect']) {
      const responses = paths[`/api/v1/integrations/{id}/${mode}`]!.post!.responses;
      expect(responses['201']!.content!['application/json']!.schema.properties.data, mode).toEqual({ $ref: '#/components/schemas/ConnectStarted' });
      expect(responses['200']!.content!['application/json']!.schema.properties.data, mode).toEqual({ $ref: '#/components/schemas/Integration' });
    }
    const token = (doc.components as { schemas: Record<string, { anyOf?: { properties: Record<string, unknown> }[] }> }).schemas.Token!;
    expect(token.anyOf?.map((shape) => Object.keys(shape.properties).sort().join())).toEqual([
      'accessToken,expiresAt,tokenType',
      'apiKey,expiresAt,fields,headers,query,type',
      'expiresAt,headers,password,query,type,username',
    ]);
  });

  it('has examples: request bodies, the main response shapes and the error envelope', () => {
    const missing = Object.entries(OPERATIONS)
      .filter(([, op]) => op.body && op.bodyExample === undefined && op.operationId !== 'reconnectIntegration')
      .map(([key]) => key);
    expect(missing, 'request bodies without an example').toEqual([]);
    for (const name of ['ErrorEnvelope', 'Token', 'ConnectStarted']) expect(doc.components.schemas[name].example, name).toBeDefined();
    for (const name of ['ValidationFailed', 'Unauthorized', 'NotFound'])
      expect((doc.components.responses[name] as any).content['application/json'].example.error.code, name).toMatch(/^[a-z_]+$/);
    const token = doc.paths['/api/v1/integrations/{id}/token']!.get.responses['200'].content['application/json'];
    expect(token.example.data.accessToken).toBeDefined();
  });

  it('has the bearer API-key security scheme, the error envelope as a component, and lists every error code the code throws', () => {
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.tenant).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Plugboard-Tenant' });
    expect(doc.security).toEqual([{ apiKey: [] }, { session: [], tenant: [] }]);
    expect(doc.paths['/api/v1/openapi.json']!.get.security).toEqual([]);
    expect(doc.components.schemas.ErrorEnvelope).toMatchObject({ type: 'object', required: ['error'] });
    expect(doc.components.schemas.ErrorEnvelope.properties.error.required).toEqual(['code', 'message', 'requestId']);
    expect(doc.paths['/api/v1/integrations/{id}/token']!.get.responses['401']).toEqual({ $ref: '#/components/responses/Unauthorized' });

    const thrown = new Set<string>();
    for (const file of sourceFiles(['api', 'lib', 'db', 'providers'])) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:new AppError|super)\(\s*\d{3},\s*'([a-z_]+)'/g)) thrown.add(m[1]!);
      for (const m of text.matchAll(/\b(?:badRequest|conflict|unavailable)\(\s*'([a-z_]+)'/g)) thrown.add(m[1]!);
    }
    expect(thrown.size).toBeGreaterThan(20);
    expect([...thrown].filter((code) => !(code in ERROR_CODES))).toEqual([]);
    for (const code of thrown) expect(doc.info.description).toContain(`\`${code}\``);
  });
});

function sourceFiles(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
    }
  };
  for (const dir of dirs) walk(dir);
  return out;
}

describe('the response schemas describe what the API answers (strict: a field the document lacks fails)', () => {
  let api: TestApi;
  let key: string;
  beforeAll(async () => {
    api = await startTestApi();
    ({ apiKey: key } = await api.newTenant('OpenAPI responses'));
  });
  afterAll(async () => api?.close());

  const data = async (method: string, path: string, body?: unknown, status = 200) => {
    const res = await api.request(method, path, { key, body });
    expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(status);
    return res.body.data;
  };

  it('stats, incidents, branding, providers, logs, sync status and records', async () => {
    R.Stats.strict().parse(await data('GET', '/api/v1/stats?window=7d'));
    R.Incident.strict()
      .array()
      .parse(await data('GET', '/api/v1/incidents'));
    R.Branding.strict().parse(await data('GET', '/api/v1/branding'));
    expect(R.Branding.strict().parse(await data('PATCH', '/api/v1/branding', { accentColor: '#3355ff' })).accentColor).toBe('#3355ff');
    const created = R.CustomProviderCreated.strict().parse(
      await data(
        'POST',
        '/api/v1/providers',
        { key: 'acme-sso', name: 'Acme SSO', authorizationUrl: 'http://127.0.0.1:9/authorize', tokenUrl: 'http://127.0.0.1:9/token' },
        201,
      ),
    );
    const providers = R.Provider.strict()
      .array()
      .parse(await data('GET', '/api/v1/providers'));
    expect(providers.map((p) => p.key)).toEqual(expect.arrayContaining(['sandbox', 'github', created.key]));
    for (const p of providers) for (const t of p.templateParams) R.ProviderTemplateParam.strict().parse(t);
    const integration = R.Integration.parse(await data('POST', '/api/v1/integrations', { provider: 'sandbox' }, 201));
    const logs = await api.request('GET', `/api/v1/integrations/${integration.id}/logs`, { key });
    expect(logs.body).toHaveProperty('nextCursor');
    R.IntegrationLog.strict().array().parse(logs.body.data);
    const status = R.SyncStatus.strict().parse(await data('GET', `/api/v1/integrations/${integration.id}/sync-status`));
    expect(status.records).toEqual([]);
    R.SyncRecord.strict()
      .array()
      .parse(await data('GET', `/api/v1/integrations/${integration.id}/records`));
  });
});

describe('GET /api/v1/openapi.json', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => api?.close());

  it('serves the document without an API key, with this server as its server URL; the API itself still needs a key', async () => {
    const res = await api.request('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.openapi).toBe(doc.openapi);
    expect(res.body.servers).toEqual([{ url: api.url }]);
    expect(Object.keys(res.body.paths)).toEqual(Object.keys(doc.paths));
    // Registered ahead of the API-key middleware, it opens nothing else: the neighbours answer 401 without a key.
    expect((await api.request('GET', '/api/v1/me')).status).toBe(401);
    for (const [method, path] of [
      ['POST', '/api/v1/openapi.json'],
      ['GET', '/api/v1/openapi.jsonx'],
    ]) {
      const other = await api.request(method!, path!);
      expect([401, 404, 405], `${method} ${path}`).toContain(other.status);
      expect(other.body.error.code, `${method} ${path}`).toMatch(/^(unauthorized|not_found|method_not_allowed)$/);
    }
  });
});
