/** Team accounts in tests: people with a role in a tenant, signed in over the real API (POST /api/v1/auth/login). */
import { expect } from 'vitest';
import type { Role } from '../db/entities/index.ts';
import { addMembership, createUser } from '../db/repositories/team.repository.ts';
import { hashPassword } from '../lib/auth/password.ts';
import type { TestApi } from './helpers.ts';

export const PASSWORD = 'correct horse battery staple';

export interface Person {
  userId: string;
  email: string;
  session: string;
  /** Request options acting as this person in `tenantId`. */
  as: { key: string; headers: Record<string, string> };
}

let hashed: Promise<string> | undefined;

/** A new user with `role` in the tenant (created in the database, password hashed once per run), signed in. */
export async function person(api: TestApi, tenantId: string, role: Role, label: string = role): Promise<Person> {
  hashed ??= hashPassword(PASSWORD);
  const em = api.deps.orm.em.fork();
  const email = `${label}-${Math.random().toString(36).slice(2, 10)}@example.com`;
  const user = await createUser(em, { email, name: label, passwordHash: await hashed });
  await addMembership(em, tenantId, user.id, role);
  const session = await signIn(api, email);
  return { userId: user.id, email, session, as: asSession(session, tenantId) };
}

export function asSession(session: string, tenantId: string): Person['as'] {
  return { key: session, headers: { 'x-plugboard-tenant': tenantId } };
}

export async function signIn(api: TestApi, email: string, password = PASSWORD): Promise<string> {
  const res = await api.request('POST', '/api/v1/auth/login', { body: { email, password } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.sessionToken as string;
}
