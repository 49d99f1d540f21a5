/**
 * The suites' children report their own peak RSS: spawned by a runner holding far more memory than
 * they ever use, a child's figure stays near its own size (getrusage's maxRSS would report the
 * runner's RSS: Linux carries it across exec, which made the CI's ranking memory check miss).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MIB = 1048576;
const HERE = fileURLToPath(new URL('..', import.meta.url));

describe.runIf(process.platform === 'linux')('peak RSS of a spawned child', () => {
  it('is the child\'s own, not the runner\'s', () => {
    const ballast = new Uint8Array(384 * MIB);
    for (let i = 0; i < ballast.length; i += 4096) ballast[i] = 1; // resident, not just reserved
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', "import { peakRss } from '@lers/eval'; console.log(JSON.stringify({ own: peakRss(), maxRss: process.resourceUsage().maxRSS * 1024 }))"], { cwd: HERE, encoding: 'utf8' });
    const r = JSON.parse(out) as { own: { bytes: number; source: string }; maxRss: number };
    expect(ballast[4096]).toBe(1);
    expect(r.own.source).toBe('VmHWM');
    expect(r.own.bytes).toBeLessThan(200 * MIB); // a bare Node with @lers/eval: about 45 MiB
    expect(r.own.bytes).toBeGreaterThan(10 * MIB);
    // r.maxRss, getrusage's figure in the same child, counts the ballast (Node 20 spawns by fork).
  });
});
