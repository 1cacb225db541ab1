import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.ts';

describe('loadEnv: public origin and port', () => {
  it('moves the default public origin with PORT when PUBLIC_URL is not set', () => {
    const env = loadEnv({ PORT: '3400' });
    expect(env.PUBLIC_URL).toBe('http://localhost:3400');
    expect(env.PORT).toBe(3400);
  });

  it('keeps an explicit PUBLIC_URL (a proxy in front) and takes the port from it when PORT is not set', () => {
    expect(loadEnv({ PORT: '8080', PUBLIC_URL: 'https://plugboard.example.com/' }).PUBLIC_URL).toBe('https://plugboard.example.com');
    expect(loadEnv({ PUBLIC_URL: 'http://localhost:4000' }).PORT).toBe(4000);
    expect(loadEnv({}).PUBLIC_URL).toBe('http://localhost:3000');
  });
});
