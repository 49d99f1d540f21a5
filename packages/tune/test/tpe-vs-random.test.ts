/**
 * TPE against random search on known functions, 20 seeds each, equal trials: TPE's median best
 * value must be better. The medians are printed (they are quoted in the package README).
 */
import { describe, expect, it } from 'vitest';
import { Study, type SamplerOptions, type SearchSpace, type Params } from '../src/index.js';
import { BRANIN_MIN, BRANIN_SPACE, branin } from './fixtures/objectives.js';
import { median } from './reference.js';

const SEEDS = 20;

async function medianBest(space: SearchSpace, f: (p: Params) => number, nTrials: number, sampler: SamplerOptions): Promise<number> {
  const bests: number[] = [];
  for (let seed = 0; seed < SEEDS; seed++) {
    const study = Study.create({ space, direction: 'minimize', seed, sampler });
    const best = await study.optimize({ nTrials, objective: f });
    bests.push(best!.value!);
  }
  return median(bests);
}

const cases: [string, SearchSpace, (p: Params) => number, number][] = [
  ['shifted quadratic (x - 1.7)^2 + (y + 0.8)^2 on [-5, 5]^2', { x: { type: 'float', low: -5, high: 5 }, y: { type: 'float', low: -5, high: 5 } }, (p) => ((p.x as number) - 1.7) ** 2 + ((p.y as number) + 0.8) ** 2, 50],
  ['Branin on [-5, 10] x [0, 15] (minimum 0.397887)', BRANIN_SPACE, branin, 50],
  [
    'mixed: int n in [1, 64] (log), a categorical and a stepped float',
    { n: { type: 'int', low: 1, high: 64, log: true }, act: { type: 'categorical', choices: ['relu', 'tanh', 'mish', 'gelu'] }, p: { type: 'float', low: 0, high: 0.9, step: 0.1 } },
    // Minimum 0 at n = 12, mish, p = 0.3.
    (q) => Math.log2((q.n as number) / 12) ** 2 + (q.act === 'mish' ? 0 : 0.5) + 4 * ((q.p as number) - 0.3) ** 2,
    50,
  ],
];

describe('TPE beats random search at equal trials (median best of 20 seeds)', () => {
  for (const [name, space, f, nTrials] of cases) {
    it(`${name}, ${nTrials} trials`, async () => {
      const random = await medianBest(space, f, nTrials, { kind: 'random' });
      const tpe = await medianBest(space, f, nTrials, {});
      const multivariate = await medianBest(space, f, nTrials, { multivariate: true });
      console.log(`${name}, ${nTrials} trials: median best random ${random.toPrecision(4)}, TPE ${tpe.toPrecision(4)}, multivariate TPE ${multivariate.toPrecision(4)}`);
      expect(tpe).toBeLessThan(random);
      expect(multivariate).toBeLessThan(random);
    });
  }

  it('finds Branin\'s minimum to within 0.1 in 100 trials (median of 20 seeds)', async () => {
    const tpe = await medianBest(BRANIN_SPACE, branin, 100, {});
    console.log(`Branin, 100 trials: median best TPE ${tpe.toPrecision(4)} (minimum ${BRANIN_MIN.toPrecision(6)})`);
    expect(tpe - BRANIN_MIN).toBeLessThan(0.1);
  });
});
