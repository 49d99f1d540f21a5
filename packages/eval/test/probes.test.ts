import { afterEach, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { EvalArgumentError, memorySnapshot, parseVmHwm, peakRss, timeIt, timeItAsync } from '../src/index.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

/** Makes performance.now() return the given readings in order. */
function scriptClock(readings: number[]): void {
  let i = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => readings[i++]);
}

describe('timeIt', () => {
  it('times each repeat with performance.now and summarises min / median / max', () => {
    // runs take 3, 1, 5, 2 ms -> min 1, median (2 + 3)/2 = 2.5, max 5
    scriptClock([0, 3, 10, 11, 20, 25, 30, 32]);
    let calls = 0;
    const t = timeIt(() => calls++, 4, 2);
    expect(calls).toBe(6); // 2 warm-up + 4 timed
    expect(t).toEqual({ minMs: 1, medianMs: 2.5, maxMs: 5, samplesMs: [3, 1, 5, 2] });
  });

  it('odd repeat counts take the middle run', () => {
    scriptClock([0, 4, 0, 9, 0, 1]); // 4, 9, 1 -> median 4
    expect(timeIt(() => 0, 3).medianMs).toBe(4);
  });

  it('timeItAsync awaits each run', async () => {
    scriptClock([0, 2, 0, 6]);
    let done = 0;
    const t = await timeItAsync(async () => { await Promise.resolve(); done++; }, 2);
    expect(done).toBe(2);
    expect(t).toEqual({ minMs: 2, medianMs: 4, maxMs: 6, samplesMs: [2, 6] });
  });

  it('rejects bad repeat counts', () => {
    expect(() => timeIt(() => 0, 0)).toThrow(EvalArgumentError);
    expect(() => timeIt(() => 0, 2, -1)).toThrow(EvalArgumentError);
  });
});

describe('memorySnapshot', () => {
  it('reports process memory in Node', () => {
    const m = memorySnapshot();
    for (const v of [m.rssBytes, m.maxRssBytes, m.heapUsedBytes, m.heapTotalBytes, m.arrayBuffersBytes]) {
      expect(typeof v).toBe('number');
    }
    expect(m.rssBytes).toBeGreaterThan(0);
    expect(m.maxRssBytes).toBeGreaterThan(0);
    expect(m.heapUsedBytes).toBeLessThanOrEqual(m.heapTotalBytes ?? -1);
  });

  it('returns nulls where there is no process (browsers)', () => {
    vi.stubGlobal('process', undefined);
    const m = memorySnapshot();
    vi.unstubAllGlobals();
    expect(m).toEqual({ rssBytes: null, maxRssBytes: null, maxRssSource: null, heapUsedBytes: null, heapTotalBytes: null, arrayBuffersBytes: null });
  });
});

describe('peakRss', () => {
  it('parses the VmHWM line of /proc/self/status', () => {
    expect(parseVmHwm('Name:\tnode\nVmPeak:\t  999 kB\nVmHWM:\t   2048 kB\nVmRSS:\t 1024 kB\n')).toBe(2048 * 1024);
    expect(parseVmHwm('Name:\tnode\nVmRSS:\t 1024 kB\n')).toBeNull();
  });

  it.runIf(process.platform === 'linux')('reads VmHWM on Linux: at least the RSS now, the same as the kernel says', () => {
    const p = peakRss();
    expect(p?.source).toBe('VmHWM');
    expect(p?.bytes).toBeGreaterThanOrEqual(process.memoryUsage().rss * 0.9);
    const kernel = parseVmHwm(readFileSync('/proc/self/status', 'utf8'));
    expect(Math.abs((p?.bytes ?? 0) - (kernel ?? -1))).toBeLessThan(64 << 20);
    expect(memorySnapshot().maxRssSource).toBe('VmHWM');
  });

  it('says it used getrusage where there is no /proc', () => {
    const platform = Object.getOwnPropertyDescriptor(process, 'platform');
    Object.defineProperty(process, 'platform', { value: 'darwin' });
    try {
      const p = peakRss();
      expect(p).toEqual({ bytes: process.resourceUsage().maxRSS * 1024, source: 'maxRSS' });
    } finally {
      if (platform !== undefined) Object.defineProperty(process, 'platform', platform);
    }
  });

  it('is null where there is no process (browsers)', () => {
    vi.stubGlobal('process', undefined);
    const p = peakRss();
    vi.unstubAllGlobals();
    expect(p).toBeNull();
  });
});
