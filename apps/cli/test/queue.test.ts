/**
 * lers bench --queue and lers worker on a real redis-server (started here, stopped after): two
 * workers give the local bench's results; a worker killed with SIGKILL mid-cell loses nothing;
 * Redis stopped and restarted mid-run; wrong URL, wrong password and a dataset a worker cannot
 * load fail clearly. Results are compared without what differs between any two runs (timings,
 * the model path, the file size, which records the training seconds).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lers, spawnLers, tempDir, type RunResult } from './helpers.js';
import { freePort, opensslMissing, RedisServer, redisMissing } from './redis-server.js';

const GRID = ['bench', '--datasets', 'synthetic-cf', '--targets', '0.5,0.8', '--data-option', 'users=400', '--data-option', 'items=500', '--epochs', '4', '--dim', '16', '--batch-size', '256', '--methods', 'qr,magprune'];
const CELLS = 5;

interface Cell { id: string; status: string; message?: string }
interface BenchJson { cells: Cell[] }

/** A cell without what differs between any two runs of it. */
function stable(cells: readonly unknown[]): string {
  return JSON.stringify(cells, (k, v: unknown) => (/(^s|S)econds$|^latency$|^loadMs$|^finishedAt$|^model$|^fileBytes$/.test(k) ? undefined : v));
}

/** A running `lers worker` with its stderr so far. */
interface RunningWorker { child: ChildProcess; stderr: () => string; waitFor: (re: RegExp) => Promise<void> }

function startWorker(url: string, cwd: string, extra: readonly string[] = []): RunningWorker {
  const child = spawnLers(['worker', '--queue', url, ...extra], { cwd });
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stdout!.resume();
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of waiters.splice(0)) {
      if (w.re.test(err)) w.resolve();
      else waiters.push(w);
    }
  });
  return {
    child,
    stderr: () => err,
    waitFor: (re) => new Promise<void>((resolve, reject) => {
      if (re.test(err)) {
        resolve();
        return;
      }
      waiters.push({ re, resolve });
      child.once('exit', () => { reject(new Error(`the worker exited before ${re}:\n${err}`)); });
    }),
  };
}

async function stopWorkers(ws: readonly RunningWorker[]): Promise<void> {
  await Promise.all(ws.map((w) => new Promise<void>((resolve) => {
    if (w.child.exitCode !== null || w.child.signalCode !== null) {
      resolve();
      return;
    }
    const hard = setTimeout(() => w.child.kill('SIGKILL'), 10_000);
    w.child.once('exit', () => { clearTimeout(hard); resolve(); });
    w.child.kill('SIGTERM');
  })));
}

/**
 * Runs the coordinator; `during` is called with its stderr as it grows. With `deadline`, a run
 * still going after `deadline.ms` is killed and the test fails with its stderr and the workers'
 * (a hang would otherwise end in the test timeout with no trace of where it stuck).
 */
function coordinator(args: readonly string[], cwd: string, during?: (stderr: string) => void, deadline?: { ms: number; workers: readonly RunningWorker[] }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnLers(args, { cwd });
    let stdout = '';
    let stderr = '';
    const timer = deadline === undefined ? null : setTimeout(() => {
      child.kill('SIGKILL');
      const workers = deadline.workers.map((w, i) => `--- worker ${i + 1}:\n${w.stderr()}`).join('\n');
      reject(new Error(`the coordinator did not finish in ${deadline.ms / 1000} s\n--- coordinator:\n${stderr}\n${workers}`));
    }, deadline.ms);
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      during?.(stderr);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin!.end();
  });
}

const missing = redisMissing();
if (missing !== null) console.log(`queue tests: ${process.env.LERS_REQUIRE_REDIS ? 'FAILING' : 'skipped'}: ${missing}`);

describe.runIf(missing !== null && process.env.LERS_REQUIRE_REDIS !== undefined)('lers bench --queue (CI)', () => {
  it('has redis-server (LERS_REQUIRE_REDIS is set)', () => {
    expect.fail(missing!);
  });
});

describe.skipIf(missing !== null)('lers bench --queue / lers worker (real Redis)', () => {
  const tmp = tempDir('lers-queue-');
  const cwd = tmp.dir;
  let redis: RedisServer;
  let local: BenchJson;
  const workers: RunningWorker[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    const r = await lers([...GRID, '--out', 'local', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    local = JSON.parse(r.stdout) as BenchJson;
    expect(local.cells.map((c) => c.status)).toEqual(Array(CELLS).fill('ok'));
  });

  afterAll(async () => {
    await stopWorkers(workers);
    await redis.stop();
    tmp.cleanup();
  });

  it('two workers give the local results (same metrics and sizes, same bytes of results JSON once timings are left out), each cell run once', async () => {
    const url = `${redis.url}/0`;
    const ws = [startWorker(url, cwd, ['--lock-seconds', '5']), startWorker(url, cwd, ['--lock-seconds', '5'])];
    workers.push(...ws);
    const r = await coordinator([...GRID, '--queue', url, '--out', 'q2', '--json'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as BenchJson;
    expect(stable(out.cells)).toBe(stable(local.cells));
    expect(r.stderr).toMatch(/queue run [0-9a-f]{12}: 5\/5 done, 0 failed, 0 running, 0 queued/);
    for (const f of ['results.json', 'results.csv', 'results.md']) expect(existsSync(join(cwd, 'q2', f))).toBe(true);
    // --status reads the finished run.
    const s = await lers([...GRID, '--queue', url, '--status', '--json'], { cwd });
    expect(s.code, s.stderr).toBe(0);
    expect((JSON.parse(s.stdout) as { counts: { done: number } }).counts.done).toBe(CELLS);
    // Running the command again attaches to the finished run: nothing runs again.
    const again = await coordinator([...GRID, '--queue', url, '--out', 'q2', '--json'], cwd);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('attached to run');
    expect(stable((JSON.parse(again.stdout) as BenchJson).cells)).toBe(stable(local.cells));
    await stopWorkers(ws);
  });

  it('a worker killed with SIGKILL mid-cell: the other re-runs that cell, every cell recorded once, results identical', async () => {
    const url = `${redis.url}/1`;
    const a = startWorker(url, cwd, ['--lock-seconds', '2']);
    workers.push(a);
    await a.waitFor(/listening on/);
    const run = coordinator([...GRID, '--queue', url, '--out', 'qk', '--json'], cwd);
    // The worker is inside a training cell once its first epoch is validated: kill it there.
    await a.waitFor(/epoch 1: valid/);
    a.child.kill('SIGKILL');
    const killedCell = /\[(synthetic-cf__[a-z0-9_]+)\][^\n]*epoch 1: valid/.exec(a.stderr())![1];
    const b = startWorker(url, cwd, ['--lock-seconds', '2']);
    workers.push(b);
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(stable((JSON.parse(r.stdout) as BenchJson).cells)).toBe(stable(local.cells));
    expect(b.stderr()).toContain(killedCell);
    const s = JSON.parse((await lers([...GRID, '--queue', url, '--status', '--json'], { cwd })).stdout) as { counts: { done: number; failed: number }; starts: Record<string, number> };
    expect(s.counts).toMatchObject({ done: CELLS, failed: 0 });
    // Started twice: the killed cell only; recorded once: every cell (the records are the run's results).
    expect(Object.entries(s.starts).filter(([, n]) => n > 1).map(([id]) => id)).toEqual([killedCell]);
    await stopWorkers([b]);
  });

  it('Redis stopped and restarted mid-run (append-only persistence): workers reconnect and the run completes', async () => {
    const url = `${redis.url}/2`;
    const ws = [startWorker(url, cwd, ['--lock-seconds', '5']), startWorker(url, cwd, ['--lock-seconds', '5'])];
    workers.push(...ws);
    // Both workers connected before Redis goes down: a worker that cannot reach Redis at start-up
    // exits with an error by design (a wrong URL must fail), which a slow start under load hit.
    await Promise.all(ws.map((w) => w.waitFor(/listening on/)));
    const bounce: { done: Promise<void> | null } = { done: null };
    const r = await coordinator([...GRID, '--queue', url, '--out', 'qr', '--json'], cwd, (stderr) => {
      // At the first status line, before any cell is done: after the first finished cell, the
      // grid's 0.1-0.4 s cells could all finish before Redis goes down.
      if (bounce.done === null && /queue run [0-9a-f]{12}: 0\/\d+ done/.test(stderr)) {
        bounce.done = (async () => {
          await redis.down();
          await new Promise((res) => setTimeout(res, 1500));
          await redis.up();
        })();
      }
    }, { ms: 90_000, workers: ws });
    expect(bounce.done).not.toBeNull();
    await bounce.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/2: connection refused.*; retrying/);
    expect(r.stderr).not.toMatch(/^Error: /m);
    expect(r.stderr).toMatch(/is back/);
    expect(stable((JSON.parse(r.stdout) as BenchJson).cells)).toBe(stable(local.cells));
    await stopWorkers(ws);
  });

  it('Ctrl-C of the coordinator detaches (exit 130); the same command attaches and completes; --cancel removes the run', async () => {
    const url = `${redis.url}/4`;
    const args = [...GRID, '--queue', url, '--out', 'qi', '--json'];
    // No worker yet, so the run is still unfinished when Ctrl-C arrives (with workers up, the
    // grid's 0.1-0.4 s cells could all finish before the coordinator's next safe point).
    const child = spawnLers(args, { cwd });
    let stderr = '';
    let sent = false;
    child.stdout!.resume();
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Once, at the first status line (a second Ctrl-C quits at once).
      if (!sent && /queue run [0-9a-f]{12}: 0\/\d+ done/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((r) => child.on('close', (c) => { r(c); }));
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('detached from run');
    expect(existsSync(join(cwd, 'qi', 'results.json'))).toBe(false);
    const ws = [startWorker(url, cwd, ['--lock-seconds', '5']), startWorker(url, cwd, ['--lock-seconds', '5'])];
    workers.push(...ws);
    const r = await coordinator(args, cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('attached to run');
    expect(stable((JSON.parse(r.stdout) as BenchJson).cells)).toBe(stable(local.cells));
    const c = await lers([...GRID, '--queue', url, '--cancel'], { cwd });
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^run [0-9a-f]{12} cancelled/);
    const st = await lers([...GRID, '--queue', url, '--status'], { cwd });
    expect(st.stdout).toMatch(/^no run [0-9a-f]{12} on redis:\/\/127\.0\.0\.1:\d+\/4/);
    await stopWorkers(ws);
  });

  it('a cell that throws is retried up to --attempts, then recorded with its error (exit 2)', async () => {
    const url = `${redis.url}/5`;
    const w = startWorker(url, cwd, ['--lock-seconds', '5']);
    workers.push(w);
    const args = ['bench', '--datasets', 'synthetic-cf', '--targets', '0.5', '--methods', 'qr', '--data-option', 'users=120', '--data-option', 'items=150', '--epochs', '1', '--lr', '1e30', '--attempts', '2', '--queue', url, '--out', 'qa'];
    const r = await coordinator([...args, '--json'], cwd);
    expect(r.code).toBe(2);
    const out = JSON.parse(readFileSync(join(cwd, 'qa', 'results.json'), 'utf8')) as BenchJson;
    expect(out.cells.map((c) => [c.status, c.message])).toEqual(Array(2).fill(['failed', expect.stringContaining('training diverged')]));
    const s = JSON.parse((await lers([...args, '--status', '--json'], { cwd })).stdout) as { starts: Record<string, number> };
    expect(Object.values(s.starts)).toEqual([2, 2]);
    expect(w.stderr()).toMatch(/failed \(attempt 1\/2\), to be retried/);
    await stopWorkers([w]);
  });

  it('a wrong or malformed URL: one clear error, exit 2 / 1, nothing written', async () => {
    const port = await freePort();
    const r = await lers([...GRID, '--queue', `redis://127.0.0.1:${port}`, '--out', 'bad-url'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot reach Redis at redis://127.0.0.1:${port}: connection refused`);
    expect(r.stderr).not.toContain('looks like a bug');
    expect(existsSync(join(cwd, 'bad-url'))).toBe(false);
    const m = await lers([...GRID, '--queue', 'http://127.0.0.1:1', '--out', 'bad-url'], { cwd });
    expect(m.code).toBe(1);
    expect(m.stderr).toContain('is not a redis:// or rediss:// URL');
    const w = await lers(['worker', '--queue', `redis://127.0.0.1:${port}`], { cwd });
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('connection refused');
  });

  it('a wrong password: refused, exit 2, the password never printed; the right one works (flag or LERS_REDIS_URL)', async () => {
    const locked = await RedisServer.start(['--requirepass', 'right-S3cret']);
    try {
      const wrong = `redis://:wrong-S3cret@127.0.0.1:${locked.port}`;
      const r = await lers([...GRID, '--queue', wrong, '--out', 'bad-pass'], { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`Redis at redis://:***@127.0.0.1:${locked.port} refused the credentials`);
      expect(r.stderr).not.toContain('looks like a bug');
      expect(r.stderr + r.stdout).not.toContain('wrong-S3cret');
      expect(existsSync(join(cwd, 'bad-pass'))).toBe(false);
      const w = await lers(['worker'], { cwd, env: { LERS_REDIS_URL: wrong } });
      expect(w.code).toBe(2);
      expect(w.stderr).toContain('refused the credentials');
      expect(w.stderr + w.stdout).not.toContain('wrong-S3cret');
      const none = await lers([...GRID, '--queue', `redis://127.0.0.1:${locked.port}`, '--status'], { cwd });
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('needs a password');
      const ok = await lers([...GRID, '--queue', '--status'], { cwd, env: { LERS_REDIS_URL: `redis://:right-S3cret@127.0.0.1:${locked.port}` } });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/no run [0-9a-f]{12} on redis:\/\/:\*\*\*@127\.0\.0\.1/);
      expect(ok.stderr + ok.stdout).not.toContain('right-S3cret');
    } finally {
      await locked.stop();
    }
  });

  it('TLS (rediss://): verified against the server certificate (NODE_EXTRA_CA_CERTS for a private CA); an untrusted one or redis:// on a TLS port: clear errors', async (ctx) => {
    const noOpenssl = opensslMissing();
    if (noOpenssl !== null && process.env.LERS_REQUIRE_REDIS === undefined) {
      console.log(`TLS queue test skipped: ${noOpenssl}`);
      ctx.skip();
    }
    const tls = await RedisServer.start(['--requirepass', 'tls-S3cret'], true);
    try {
      const url = `rediss://:tls-S3cret@127.0.0.1:${tls.port}`;
      const status = [...GRID, '--queue', url, '--status'];
      const ok = await lers(status, { cwd, env: { NODE_EXTRA_CA_CERTS: tls.certificate } });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/^no run [0-9a-f]{12} on rediss:\/\/:\*\*\*@127\.0\.0\.1/);
      const untrusted = await lers(status, { cwd });
      expect(untrusted.code).toBe(2);
      expect(untrusted.stderr).toContain('its TLS certificate is not trusted');
      const plain = await lers([...GRID, '--queue', url.replace('rediss:', 'redis:'), '--status'], { cwd });
      expect(plain.code).toBe(2);
      expect(plain.stderr).toContain('if it serves TLS, use rediss://');
      for (const r of [ok, untrusted, plain]) expect(r.stdout + r.stderr).not.toContain('tls-S3cret');
    } finally {
      await tls.stop();
    }
  });

  it('a dataset the worker cannot load: every cell fails at once with the reason (no retries), exit 2, results whole', async () => {
    const url = `${redis.url}/3`;
    const w = startWorker(url, cwd, ['--lock-seconds', '5']);
    workers.push(w);
    const args = ['bench', '--datasets', './not-on-this-worker', '--targets', '0.5', '--methods', 'qr,magprune', '--epochs', '1', '--queue', url, '--out', 'qd', '--json'];
    const r = await coordinator(args, cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/lers: error: 3 cell\(s\) failed on the queue/);
    const out = JSON.parse(readFileSync(join(cwd, 'qd', 'results.json'), 'utf8')) as BenchJson;
    const byMethod = Object.fromEntries(out.cells.map((c) => [c.id.split('__')[2], c]));
    expect(byMethod.full.message).toMatch(/^worker \S+ cannot load the dataset "\.\/not-on-this-worker": /);
    expect(byMethod.qr.message).toMatch(/^worker \S+ cannot load the dataset/);
    expect(byMethod.magprune.message).toMatch(/the full baseline .* is not available \(failed: worker/);
    const s = JSON.parse((await lers([...args.filter((a) => a !== '--json'), '--status', '--json'], { cwd })).stdout) as { starts: Record<string, number> };
    expect(Object.values(s.starts).every((n) => n === 1)).toBe(true);
    await stopWorkers([w]);
  });
});
