/**
 * Connections to the queue's Redis: a fail-fast probe that turns a wrong address or password into
 * one clear error before anything is queued or written, then long-lived connections that ride out
 * a Redis restart (reconnecting with backoff; commands wait until it is back), saying so once per
 * outage on stderr, with the password redacted.
 */
import type { RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as ClientOptions } from 'ioredis';
import { isIP } from 'node:net';
import { DataError } from '../cli/errors.js';
import { redact, type RedisTarget } from './redis-url.js';

/** Redis could not be reached or refused the credentials (exit 2, like any unusable input). */
export class QueueConnectionError extends DataError {
  override name = 'QueueConnectionError';
}

/** Connection options of a target, for BullMQ and ioredis (BullMQ needs maxRetriesPerRequest: null on its connections). */
export function redisOptions(target: RedisTarget): RedisOptions {
  return {
    host: target.host,
    port: target.port,
    db: target.db,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    // TLS verifies the server's certificate (a private CA: NODE_EXTRA_CA_CERTS); SNI only for host names.
    ...(target.tls ? { tls: isIP(target.host) === 0 ? { servername: target.host } : {} } : {}),
    maxRetriesPerRequest: null,
    // Reconnect for ever, at most every 2 s: a restarted Redis is picked up again.
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
  };
}

/** Explains a connection failure in one line (no password in it). */
export function explainConnectionError(err: unknown, target: RedisTarget): string {
  const e = err as NodeJS.ErrnoException;
  const text = redact(e instanceof Error ? e.message : String(err), target);
  const where = `Redis at ${target.shown}`;
  if (/WRONGPASS|invalid username-password|invalid password/i.test(text)) return `${where} refused the credentials (${text.split('\n')[0]}): check the password in --queue or LERS_REDIS_URL`;
  if (/NOAUTH/i.test(text)) return `${where} needs a password (${text.split('\n')[0]}): put it in the URL, redis://:PASSWORD@HOST:PORT`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(e.code ?? '') || /certificate/i.test(text)) return `${where}: its TLS certificate is not trusted (${text}); for a private CA, set NODE_EXTRA_CA_CERTS to its PEM file`;
  if (/wrong version number|packet length too long|ECONNRESET/i.test(text) && target.tls) return `${where}: no TLS there (${text}); is it redis:// rather than rediss://?`;
  if (/ECONNRESET/.test(`${e.code ?? ''} ${text}`) && !target.tls) return `${where} closed the connection (${text}); if it serves TLS, use rediss://`;
  if (e.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(text)) return `cannot reach ${where}: connection refused (is redis-server running and listening there?)`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' || /ENOTFOUND|EAI_AGAIN/.test(text)) return `cannot reach ${where}: unknown host ${target.host}`;
  if (e.code === 'ETIMEDOUT' || /ETIMEDOUT|timed? ?out/i.test(text)) return `cannot reach ${where}: timed out`;
  return `cannot use ${where}: ${text}`;
}

/** Connects once without retrying and runs PING; throws QueueConnectionError with the reason. */
export async function probe(target: RedisTarget, timeoutMs = 5000): Promise<void> {
  let first: unknown = null;
  const client = new Redis({ ...(redisOptions(target) as ClientOptions), lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: timeoutMs, retryStrategy: () => null });
  client.on('error', (err: unknown) => {
    first ??= err;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new QueueConnectionError(explainConnectionError(first ?? err, target));
  } finally {
    client.disconnect();
  }
}

/**
 * A long-lived client: reconnects for ever; `say` gets one line when the connection is lost and one
 * when it is back (not one per retry).
 */
export function connect(target: RedisTarget, say: (line: string) => void, name = 'lers'): Redis {
  const client = new Redis({ ...(redisOptions(target) as ClientOptions), connectionName: name });
  watchOutages(client, target, say);
  return client;
}

/** Reports a client's outages once each (lost, then back). */
export function watchOutages(client: Redis, target: RedisTarget, say: (line: string) => void): void {
  let down = false;
  client.on('error', (err: unknown) => {
    if (down) return;
    down = true;
    say(`${explainConnectionError(err, target)}; retrying`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    say(`Redis at ${target.shown} is back`);
  });
}

/** An error of a lost or refused connection (reported once per outage by `watchOutages`). */
export function isConnectionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  const text = err instanceof Error ? err.message : String(err);
  return (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection is closed|connect ETIMEDOUT|LOADING/i.test(text);
}

/**
 * Routes the 'error' events of BullMQ objects (which otherwise print every failed reconnection):
 * connection errors are left to the outage lines of the command's own client, others are said once.
 */
export function routeErrors(emitter: { on(event: 'error', fn: (err: Error) => void): unknown }, target: RedisTarget, say: (line: string) => void): void {
  emitter.on('error', (err: Error) => {
    if (!isConnectionError(err)) say(`queue error: ${redact(err.message, target)}`);
  });
}
