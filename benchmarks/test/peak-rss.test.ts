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
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', "import { peakRss } from '@lers/eval'; console.log(JSON.stringify(peakRss()))"], { cwd: HERE, encoding: 'utf8' });
    const own = JSON.parse(out) as { bytes: number; source: string };
    expect(ballast[4096]).toBe(1);
    expect(own.source).toBe('VmHWM');
    expect(own.bytes).toBeLessThan(200 * MIB); // a bare Node with @lers/eval: about 45 MiB
    expect(own.bytes).toBeGreaterThan(10 * MIB);
  });
});
