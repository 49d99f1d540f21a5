/** The app's pieces that run without a browser: axis ticks, backend picks, the demo's settings. */
import { describe, expect, it } from 'vitest';
import { generateSyntheticCf, generateSyntheticCtr } from '@lers/data';
import { planTables } from '@lers/models';
import { byteTick, byteTicks, msTicks } from '../../src/plots/axes.js';
import { DEMO_DATA, demoSettings } from '../../src/engine/demo.js';
import { parsePick } from '../../src/views/backend-select.js';

describe('byte axis', () => {
  it('ticks at 16 B x 4^k inside the data range, printed without needless decimals', () => {
    expect(byteTicks(10_000, 400_000)).toEqual([16384, 65536, 262144]);
    expect(byteTicks(3000, 3000)).toEqual([4096]);
    expect([1024, 4096, 1048576, 1536].map(byteTick)).toEqual(['1 KB', '4 KB', '1 MB', '1.5 KB']);
  });

  it('ticks milliseconds at 1-2-5 steps, thinned when the range is wide', () => {
    expect(msTicks(0.03, 0.2)).toEqual([0.05, 0.1, 0.2]);
    expect(msTicks(0.5, 50)).toEqual([0.5, 1, 2, 5, 10, 20, 50]);
    expect(msTicks(0.01, 100)).toEqual([0.01, 0.05, 0.1, 0.5, 1, 5, 10, 50, 100]);
  });
});

describe('backend pick', () => {
  it('reads the select values', () => {
    expect(parsePick('wasm:2')).toEqual({ backend: 'wasm', threads: 2 });
    expect(parsePick('webgpu:1')).toEqual({ backend: 'webgpu', threads: 1 });
  });
});

describe('the demo model', () => {
  const cf = generateSyntheticCf(DEMO_DATA.cf).dataset;
  const ctr = generateSyntheticCtr({ ...DEMO_DATA.ctr, cardinalities: [...DEMO_DATA.ctr.cardinalities] }).dataset;
  it.each(['full', 'qr', 'ttrec', 'dhe', 'qat'])('plans %s at every target the page offers, on both tasks', (method) => {
    for (const target of method === 'qat' ? [0.5] : [0.5, 0.8]) {
      for (const [task, ds] of [['cf', cf], ['ctr', ctr]] as const) {
        const s = demoSettings({ task, method, target, epochs: 1, threads: 1 });
        expect(s.target).toBe(method === 'full' ? null : target);
        expect(() => planTables(s, ds)).not.toThrow();
      }
    }
  });
});
