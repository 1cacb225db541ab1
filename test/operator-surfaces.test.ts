/**
 * Operator surfaces: /metrics behind an optional bearer token, and docker-compose publishing nothing but the API
 * beyond loopback (the Temporal UI can terminate and signal workflows without any authentication of its own).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './helpers.ts';

describe('GET /metrics', () => {
  const token = 'metrics-token-for-prometheus-0123';
  let guarded: TestApi;
  let open: TestApi;
  beforeAll(async () => {
    [guarded, open] = await Promise.all([startTestApi({ env: { PLUGBOARD_METRICS_TOKEN: token } }), startTestApi()]);
  });
  afterAll(() => Promise.all([guarded?.close(), open?.close()]));

  const scrape = (api: TestApi, authorization?: string) => fetch(`${api.url}/metrics`, { headers: authorization ? { authorization } : {} });

  it('with PLUGBOARD_METRICS_TOKEN, answers 401 in the error envelope without the token or with a wrong one', async () => {
    for (const authorization of [undefined, `Bearer ${token.slice(0, -1)}`, `Bearer ${token}x`, `Basic ${token}`, 'Bearer ']) {
      const res = await scrape(guarded, authorization);
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      const body = (await res.json()) as { error: { code: string; message: string; requestId: unknown } };
      expect(body.error).toMatchObject({ code: 'unauthorized', message: 'GET /metrics needs Authorization: Bearer <PLUGBOARD_METRICS_TOKEN>.' });
      expect(typeof body.error.requestId).toBe('string');
      expect(JSON.stringify(body)).not.toContain(token);
    }
  });

  it('with the right bearer token, serves the Prometheus exposition', async () => {
    const res = await scrape(guarded, `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('plugboard_http_request_duration_seconds');
  });

  it('without PLUGBOARD_METRICS_TOKEN, stays open (scraped on a private network)', async () => {
    expect((await scrape(open)).status).toBe(200);
  });
});

describe('docker-compose.yml', () => {
  /** Published port mappings by service, read from the `ports:` lists. */
  function publishedPorts(): Map<string, string[]> {
    const ports = new Map<string, string[]>();
    let service: string | undefined;
    let inPorts = false;
    let inServices = false;
    for (const line of readFileSync('docker-compose.yml', 'utf8').split('\n')) {
      if (/^\S/.test(line)) inServices = line.startsWith('services:');
      const name = /^ {2}([a-z][\w-]*):\s*$/.exec(line)?.[1];
      if (inServices && name) {
        service = name;
        inPorts = false;
        continue;
      }
      if (/^ {4}\S/.test(line)) inPorts = /^ {4}ports:/.test(line);
      const mapping = /^ {6}- ['"]?([^'"\s]+)['"]?\s*$/.exec(line)?.[1];
      if (inServices && inPorts && service && mapping) ports.set(service, [...(ports.get(service) ?? []), mapping]);
    }
    return ports;
  }

  it('publishes the Temporal UI on loopback only, PostgreSQL and the Temporal frontend not at all, and only the API beyond', () => {
    const ports = publishedPorts();
    expect(ports.get('temporal-ui')).toEqual(['127.0.0.1:8233:8080']);
    expect(ports.has('postgres')).toBe(false);
    expect(ports.has('temporal')).toBe(false);
    for (const [service, mappings] of ports) {
      if (service === 'api') continue;
      for (const mapping of mappings) expect(mapping, service).toMatch(/^127\.0\.0\.1:/);
    }
  });
});
