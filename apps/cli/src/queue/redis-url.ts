/**
 * The Redis connection string of `lers bench --queue` and `lers worker`: `redis://` or `rediss://`
 * (TLS), with an optional user and password and a database number, from the flag or
 * `LERS_REDIS_URL`. The password never appears in a message: every text that may carry the URL or
 * the secret goes through `redact`.
 */
import { UsageError } from '../cli/errors.js';

/** A parsed connection string. */
export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
  /** The URL as it may be printed (password replaced by `***`). */
  readonly shown: string;
}

/**
 * The connection string of a command: the flag's value, else LERS_REDIS_URL. `flag` is what
 * commander gives for `--queue [url]`: a string, true (given without a value) or undefined (not
 * given: null, a local run, unless `required`).
 */
export function queueUrl(flag: string | boolean | undefined, required = false, env: NodeJS.ProcessEnv = process.env): string | null {
  if (typeof flag === 'string' && flag !== '') return flag;
  if (flag === undefined && !required) return null;
  const fromEnv = env.LERS_REDIS_URL;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  throw new UsageError('--queue needs a Redis URL (redis://HOST:PORT[/DB], rediss:// for TLS) or LERS_REDIS_URL');
}

/** `url` with its password (and any user-info secret) replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)([^@/]*)@/i, (_m, scheme: string, info: string) => {
    const colon = info.indexOf(':');
    return `${scheme}${colon < 0 ? '***' : `${info.slice(0, colon)}:***`}@`;
  });
}

/** Parses `redis://[user[:password]@]host[:port][/db]` or `rediss://...`. */
export function parseRedisUrl(url: string, flag = '--queue'): RedisTarget {
  const shown = redactUrl(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${flag}: not a URL: ${shown} (expected redis://HOST:PORT[/DB] or rediss://...)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`${flag}: ${shown} is not a redis:// or rediss:// URL`);
  if (u.hostname === '') throw new UsageError(`${flag}: ${shown} names no host`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const path = u.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) throw new UsageError(`${flag}: the database in ${shown} must be a number >= 0, got ${JSON.stringify(path)}`);
  const username = u.username !== '' ? decodeURIComponent(u.username) : undefined;
  const password = u.password !== '' ? decodeURIComponent(u.password) : undefined;
  // redis://:secret@host (no user) or redis://secret@host (the legacy form: the user-info is the password).
  const legacy = password === undefined && username !== undefined;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    ...(legacy ? { password: username } : { ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) }),
    tls: u.protocol === 'rediss:',
    shown,
  };
}

/** `text` with every occurrence of the target's password (raw or URL-encoded) replaced by `***`. */
export function redact(text: string, target: Pick<RedisTarget, 'password'> | null): string {
  let out = text.replace(/rediss?:\/\/[^\s'"]+/gi, (m) => redactUrl(m));
  const secret = target?.password;
  if (secret !== undefined && secret !== '') {
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***');
  }
  return out;
}
