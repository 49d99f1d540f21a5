/**
 * A probe of how the machine's CPUs 0 and 1 share their cores, for reading thread ratios: the
 * same cache-bound loop (a 256 KB array, one load per 64-byte line, L2-resident) runs pinned to
 * CPU 0 alone, to CPU 1 alone, then to both at once. Both-at-once runs about as fast as alone on
 * two physical cores of our own, and 1.5-1.7x slower when the two CPUs are hyperthreads of one
 * core; a CPU whose core someone else's work shares is slower even alone. Memory-bound kernels
 * (SpMM) cannot run much faster on two threads then. On the shared 2-core VM this project is
 * measured on, all three placements came and went within minutes.
 * Pinning uses Linux's `taskset` (unpinned threads were placed too unevenly for a short probe):
 * without it, or with fewer than 2 CPUs, the probe returns null.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

const LOOP = `
const a = new Float64Array(32768).fill(1.5);
const pass = (reps) => { let s = 0; for (let r = 0; r < reps; r++) for (let i = 0; i < a.length; i += 8) s += a[i]; return s; };
pass(50);
const go = Number(process.argv[1]);
while (Date.now() < go) {}
const t0 = performance.now();
const s = pass(3000);
console.log(JSON.stringify({ ms: performance.now() - t0, s }));
`;

/** Milliseconds of the loop pinned to `cpu`, started at wall time `go`. */
function loopOn(cpu: number, go: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', String(cpu), process.execPath, '-e', LOOP, String(go)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve((JSON.parse(out) as { ms: number }).ms);
      else reject(new Error(`core-sharing probe on CPU ${cpu} exited with ${code}`));
    });
  });
}

let pinnable: boolean | undefined;

/** Whether `taskset` can pin to CPUs 0 and 1 here (asked once per process). */
function canPin(): boolean {
  pinnable ??= cpus().length >= 2 && spawnSync('taskset', ['-c', '1', process.execPath, '-e', ''], { stdio: 'ignore' }).status === 0;
  return pinnable;
}

/** The probe's loop times (ms): CPU 0 and CPU 1 each alone, then both at once. */
export interface CoreProbe {
  readonly alone: readonly [number, number];
  readonly together: readonly [number, number];
}

/**
 * Runs the loop on CPU 0 alone, CPU 1 alone, then on both at once; null when the loops cannot be
 * pinned (no taskset, one CPU). About 1 s.
 */
export async function probeCores(): Promise<CoreProbe | null> {
  if (!canPin()) return null;
  // Node starts in well under 300 ms; the loops then wait for the same wall-clock start.
  const alone0 = await loopOn(0, Date.now() + 300);
  const alone1 = await loopOn(1, Date.now() + 300);
  const go = Date.now() + 300;
  const [both0, both1] = await Promise.all([loopOn(0, go), loopOn(1, go)]);
  return { alone: [alone0, alone1], together: [both0, both1] };
}

/**
 * Table columns for a probe: the slowdown with both CPUs busy (mean of both / alone; ~1.0 on two
 * physical cores, 1.5-1.7 on two hyperthreads of one core) and CPU 0's loop time over CPU 1's
 * alone (far from 1: one CPU shares its core with someone else's work).
 */
export function probeColumns(probe: CoreProbe | null): Record<string, number | string> {
  if (probe === null) return { 'probe: both busy / alone': 'n/a', 'probe: cpu0 / cpu1 alone': 'n/a' };
  const slowdown = (probe.together[0] / probe.alone[0] + probe.together[1] / probe.alone[1]) / 2;
  return { 'probe: both busy / alone': Number(slowdown.toFixed(2)), 'probe: cpu0 / cpu1 alone': Number((probe.alone[0] / probe.alone[1]).toFixed(2)) };
}
