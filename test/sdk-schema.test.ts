/**
 * The SDK's types are generated from the OpenAPI document (scripts/sdk-types.ts → sdk/node/src/schema.ts), and the
 * package builds with tsc into an ES module that plain Node imports (issue 15 item 4).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { currentSdkTypes, SCHEMA_FILE } from '../scripts/sdk-types.ts';

const SDK_DIR = fileURLToPath(new URL('../sdk/node/', import.meta.url));

describe('@plugboard/node types and package', () => {
  it('has sdk/node/src/schema.ts up to date with the OpenAPI document (run `node scripts/sdk-types.ts` when this fails)', async () => {
    const generated = await currentSdkTypes();
    expect(generated).toContain('export interface CreateIntegrationRequest');
    expect(generated).toContain('export interface ListIntegrationsQuery');
    expect(readFileSync(SCHEMA_FILE, 'utf8'), 'sdk/node/src/schema.ts is stale: run `node scripts/sdk-types.ts`').toBe(generated);
  });

  it('is a publishable package: Apache-2.0, exports with types, built by tsc into an ES module plain Node imports', () => {
    const pkg = JSON.parse(readFileSync(`${SDK_DIR}package.json`, 'utf8'));
    expect(pkg).toMatchObject({ name: '@plugboard/node', license: 'Apache-2.0', type: 'module', exports: { '.': { types: './dist/index.d.ts' } } });
    expect(pkg.private).toBeUndefined();
    expect(Object.keys(pkg.dependencies)).toEqual(['standardwebhooks']);
    const root = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(root.workspaces).toContain('sdk/node');

    execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], {
      cwd: SDK_DIR,
    });
    expect(existsSync(`${SDK_DIR}dist/index.d.ts`)).toBe(true);
    const exported = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('@plugboard/node'); console.log(Object.keys(m).sort().join(','))"],
      {
        cwd: SDK_DIR,
        encoding: 'utf8',
      },
    );
    expect(exported.trim()).toBe('Plugboard,PlugboardError,WebhookVerificationError,verifyEvent,verifyForwardedWebhook,verifyWebhook');
  });
});
