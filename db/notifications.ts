import pg from 'pg';
import type { Logger } from '../lib/logger.ts';

/**
 * LISTENs on a PostgreSQL channel over a dedicated connection and calls `onNotify` for each notification, with
 * its payload. A lost connection is re-opened with backoff (up to 30 s); `onNotify` is also called, without a
 * payload, after every (re)connect, since notifications sent while nobody listened are gone. `onDown` is called
 * when the connection is lost (a cache that relies on the notifications stops trusting itself until the next
 * payload-less `onNotify`).
 */
export function listen(options: { databaseUrl: string; channel: string; logger: Logger; onNotify: (payload?: string) => void; onDown?: () => void }): {
  close: () => Promise<void>;
} {
  let client: pg.Client | undefined;
  let closed = false;
  let delay = 500;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: options.databaseUrl, application_name: `plugboard-listen-${options.channel}` });
    c.on('notification', (message) => options.onNotify(message.payload ?? ''));
    c.on('error', (error) => {
      options.onDown?.();
      options.logger.warn({ err: error.message, channel: options.channel }, 'notification connection lost');
    });
    c.on('end', () => {
      if (client === c) client = undefined;
      options.onDown?.();
      retry();
    });
    try {
      await c.connect();
      await c.query(`listen ${pg.escapeIdentifier(options.channel)}`);
      if (closed) {
        await c.end();
        return;
      }
      client = c;
      delay = 500;
      options.onNotify();
    } catch (error) {
      options.logger.warn({ err: (error as Error).message, channel: options.channel, retryInMs: delay }, 'cannot listen for notifications; retrying');
      c.removeAllListeners('end');
      await c.end().catch(() => undefined);
      retry();
    }
  };
  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    timer.unref();
    delay = Math.min(30_000, delay * 2);
  };

  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      if (c) {
        c.removeAllListeners('end');
        await c.end().catch(() => undefined);
      }
    },
  };
}
