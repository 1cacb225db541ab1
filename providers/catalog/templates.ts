/**
 * Templated endpoints: a provider whose host is per account (`https://{shop}.myshopify.com/admin/oauth/authorize`)
 * declares its parameters (name, label, pattern or allowed values); each connection supplies values, stored on the
 * integration as `settings.providerParams` (not secret), and every endpoint is resolved from them before use.
 *
 * A value can never move a request to another host: it must match the entry's anchored pattern (the schema proves
 * the pattern refuses '.', '/', '@', ':' and the like) or be one of its enumerated values, must pass the
 * host-label check below as well, and the resolved URL's host must be exactly the template's host with the values
 * put in.
 */
import { AppError } from '../../lib/errors.ts';
import type { ProviderDefinition, TemplateParam } from '../types.ts';
import { PLACEHOLDER } from './placeholder.ts';

/** One DNS label (or, for enumerated values only, a dotted host fragment): nothing that can end a host. */
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export class TemplateValueError extends AppError {
  constructor(message: string, details: { path: string; message: string }[]) {
    super(400, 'invalid_provider_params', message, { details });
  }
}

/** Why `value` is not acceptable for `param`, or undefined. */
export function templateValueProblem(param: TemplateParam, value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return `${param.label} is required`;
  if (value.length > 63) return `${param.label} is at most 63 characters`;
  if (param.values) return param.values.includes(value) ? undefined : `${param.label} must be one of ${param.values.join(', ')}`;
  if (!HOST_LABEL.test(value)) return `${param.label} may hold only letters, digits and inner dashes (no '.', '/', '@' or ':')`;
  if (param.pattern && !new RegExp(param.pattern, 'u').test(value)) return `${param.label} does not have the expected form (for example ${param.example})`;
  return undefined;
}

/**
 * The values for a provider's template parameters, checked; throws TemplateValueError (400) naming each bad field.
 * Unknown names are refused too, so a typo is not silently ignored.
 */
export function validateTemplateValues(
  def: Pick<ProviderDefinition, 'name' | 'templateParams'>,
  values: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const params = def.templateParams ?? [];
  const problems: { path: string; message: string }[] = [];
  for (const param of params) {
    const problem = templateValueProblem(param, values[param.name]);
    if (problem) problems.push({ path: `params.${param.name}`, message: problem });
  }
  for (const name of Object.keys(values)) {
    if (!params.some((p) => p.name === name)) problems.push({ path: `params.${name}`, message: `${def.name} takes no parameter ${name}` });
  }
  if (problems.length) throw new TemplateValueError(problems.map((p) => p.message).join('; '), problems);
  return Object.fromEntries(params.map((p) => [p.name, values[p.name] as string]));
}

/** Whether a URL still has a `{placeholder}` to fill. */
export function isTemplated(url: string | undefined): boolean {
  return url !== undefined && new RegExp(PLACEHOLDER.source).test(url);
}

/** Whether any endpoint of the definition still needs template values. */
export function needsTemplateValues(def: ProviderDefinition): boolean {
  return [def.authorizationUrl, def.tokenUrl, def.userinfoUrl, def.apiBaseUrl, def.revocation.url].some(isTemplated);
}

/** Fills one URL; the resolved host must be exactly the template's host with the values in (defence in depth). */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const fill = (s: string) =>
    s.replace(PLACEHOLDER, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new TemplateValueError(`missing value for {${name}}`, [{ path: `params.${name}`, message: 'required' }]);
      return value;
    });
  const resolved = fill(template);
  const templateAuthority = /^[a-z]+:\/\/([^/?#]*)/i.exec(template)?.[1];
  if (templateAuthority !== undefined && isTemplated(templateAuthority)) {
    const expected = fill(templateAuthority).toLowerCase();
    const actual = URL.canParse(resolved) ? new URL(resolved).host : undefined;
    if (actual !== expected) throw new TemplateValueError('a parameter value changes the endpoint host', [{ path: 'params', message: 'refused' }]);
  }
  return resolved;
}

/** The integration's stored template values (`settings.providerParams`). */
export function providerParamsOf(settings: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const raw = settings?.providerParams;
  if (!raw || typeof raw !== 'object') return {};
  return Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * The definition with every templated endpoint filled from `values` (validated again here, whatever stored them).
 * A definition without template parameters is returned as is. Pure.
 */
export function resolveTemplates(def: ProviderDefinition, values: Readonly<Record<string, unknown>>): ProviderDefinition {
  if (!def.templateParams?.length) return def;
  const checked = validateTemplateValues(def, values);
  const fill = (url: string | undefined) => (url === undefined ? undefined : fillTemplate(url, checked));
  return {
    ...def,
    authorizationUrl: fill(def.authorizationUrl)!,
    tokenUrl: fill(def.tokenUrl)!,
    userinfoUrl: fill(def.userinfoUrl),
    apiBaseUrl: fill(def.apiBaseUrl),
    revocation: def.revocation.url === undefined ? def.revocation : { ...def.revocation, url: fill(def.revocation.url) },
  };
}
