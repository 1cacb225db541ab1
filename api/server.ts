import { createServer } from 'node:http';
import { openDatabase } from '../db/index.ts';
import { env as loadEnv } from '../lib/env.ts';
import { createLogger } from '../lib/logger.ts';
import { createApp } from './app.ts';
import { buildAppDeps, closeAppDeps } from './deps.ts';

const env = loadEnv();
const logger = createLogger({ name: 'api' });

try {
  const { orm, vault } = await openDatabase(env, logger);
  const deps = await buildAppDeps({ env, orm, vault, logger });
  const app = createApp(deps, { dashboard: true });
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  server.listen(env.PORT, env.HOST, () => logger.info({ url: env.PUBLIC_URL, port: env.PORT }, 'api listening'));

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'api shutting down');
    server.close();
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 5_000).unref();
    await closeAppDeps(deps);
    await orm.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
} catch (error) {
  logger.fatal({ err: error }, `api could not start: ${(error as Error).message}`);
  process.exit(1);
}
