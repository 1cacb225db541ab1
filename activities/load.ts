import { ApplicationFailure } from '@temporalio/common';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { Integration } from '../db/entities/index.ts';
import { ConnectionErrorType } from '../workflows/connection.messages.ts';

/**
 * The integration an activity works on, by id. A deleted one is a non-retryable `IntegrationNotFound` (the
 * workflows stop on it); `lock` takes the row lock for a read-modify-write in a transaction.
 */
export async function loadIntegration(em: EntityManager, integrationId: string, options: { lock?: boolean } = {}): Promise<Integration> {
  const integration = await em.findOne(Integration, { id: integrationId }, options.lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
  if (!integration) throw ApplicationFailure.nonRetryable(`integration ${integrationId} no longer exists`, ConnectionErrorType.notFound);
  return integration;
}
