/**
 * A private redis-server for the queue tests: 127.0.0.1, a free port, a temp dir, append-only
 * persistence (so a restart keeps the queue), stopped by `stop`. Absent redis-server: the tests
 * skip with the reason, unless LERS_REQUIRE_REDIS is set (CI), where that is a failure.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why the TLS test cannot run here (no openssl to make its certificate), or null. */
export function opensslMissing(): string | null {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'openssl is not installed (apt-get install openssl)';
  }
}

/** Why the queue tests cannot run here, or null when redis-server is installed. */
export function redisMissing(): string | null {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'redis-server is not installed (apt-get install redis-server)';
  }
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => { resolve(port); });
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => { resolve(false); });
  });
}

/** A running redis-server. */
export class RedisServer {
  private proc: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly extra: readonly string[],
    private readonly tls: boolean,
  ) {}

  /**
   * Starts one; `extra` are further redis-server arguments (e.g. a password); with `tls`, it serves
   * TLS only, with a self-signed certificate for 127.0.0.1 made by openssl (`<dir>/cert.pem`).
   */
  static async start(extra: readonly string[] = [], tls = false): Promise<RedisServer> {
    const dir = mkdtempSync(join(tmpdir(), 'lers-redis-'));
    if (tls) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    }
    const s = new RedisServer(await freePort(), dir, extra, tls);
    await s.up();
    return s;
  }

  /** The certificate of a TLS server (its own CA). */
  get certificate(): string {
    return join(this.dir, 'cert.pem');
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server process (again, after `down`) and waits until it accepts connections. */
  async up(): Promise<void> {
    const ports = this.tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', this.certificate, '--tls-key-file', join(this.dir, 'key.pem'), '--tls-ca-cert-file', this.certificate, '--tls-auth-clients', 'no']
      : ['--port', String(this.port)];
    this.proc = spawn('redis-server', [...ports, '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'no', ...this.extra], { stdio: 'ignore' });
    for (let i = 0; i < 200; i++) {
      if (await listening(this.port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** Stops the server process (SIGTERM: it writes its append-only file) and waits for it to exit. */
  async down(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (p === null || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => { resolve(); });
      p.kill('SIGTERM');
    });
  }

  /** Stops it and removes its dir. */
  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
