/** Search spaces: validation, random sampling (as Optuna's random sampler), value checks. */
import { describe, expect, it } from 'vitest';
import { Rng } from '@lers/kernels';
import { compileSpace, sampleUniform, toExternal, toInternal, TuneError, type ParamSpec, type SearchSpace } from '../src/index.js';

describe('search spaces', () => {
  it('rejects bad parameters with a message naming them', () => {
    const bad: [SearchSpace, RegExp][] = [
      [{}, /no parameters/],
      [{ x: { type: 'float', low: 1, high: 1 } }, /"x": need finite low < high, got \[1, 1\]/],
      [{ x: { type: 'float', low: 0, high: 1, log: true } }, /"x": a log parameter needs low > 0, got 0/],
      [{ n: { type: 'int', low: 0.5, high: 3 } }, /"n": an int parameter needs integer bounds/],
      [{ n: { type: 'int', low: 0, high: 10, step: 3 } }, /"n": high - low = 10 is not a multiple of step 3/],
      [{ n: { type: 'int', low: 1, high: 9, step: 2, log: true } }, /"n": a log int parameter needs step 1/],
      [{ x: { type: 'float', low: 0.1, high: 1, step: 0.1, log: true } }, /"x": a float parameter cannot have both log and step/],
      [{ x: { type: 'float', low: 0, high: 1, step: 0.3 } }, /"x": high - low = 1 is not a multiple of step 0.3/],
      [{ c: { type: 'categorical', choices: ['a'] } }, /"c": a categorical needs at least two choices/],
      [{ c: { type: 'categorical', choices: ['a', 'b', 'a'] } }, /"c": choice "a" appears twice/],
      [{ c: { type: 'categorical', choices: [1, Number.NaN] } }, /"c": choice 1 \(NaN\) is not a string, finite number, boolean or null/],
      [{ x: { type: 'float', low: 0, high: 1, lg: true } as unknown as ParamSpec }, /"x": unknown key "lg" \(a float takes type, low, high, log, step\)/],
      [{ x: { type: 'double', low: 0, high: 1 } as unknown as ParamSpec }, /"x": type must be float, int or categorical, got "double"/],
    ];
    for (const [space, message] of bad) expect(() => compileSpace(space)).toThrow(message);
    expect(() => compileSpace({ x: { type: 'float', low: 0, high: 1 } })).not.toThrow();
    expect(() => compileSpace({ x: { type: 'float', low: 0.1, high: 0.7, step: 0.2 } })).not.toThrow();
  });

  it('samples uniformly: floats on the range, log floats in log space, grids on every point, choices evenly', () => {
    const rng = new Rng(3);
    const n = 30000;
    const [f, lf, g, li, c] = compileSpace({
      f: { type: 'float', low: -2, high: 6 },
      lf: { type: 'float', low: 1e-4, high: 1, log: true },
      g: { type: 'int', low: 2, high: 10, step: 4 },
      li: { type: 'int', low: 1, high: 8, log: true },
      c: { type: 'categorical', choices: ['x', 'y', 'z'] },
    });
    const draw = (d: typeof f): number[] => Array.from({ length: n }, () => sampleUniform(d, rng));
    const fs = draw(f);
    expect(Math.min(...fs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...fs)).toBeLessThan(6);
    expect(fs.filter((v) => v < 0).length / n).toBeCloseTo(0.25, 1);
    // Log-uniform: each decade of [1e-4, 1] gets a quarter.
    const lfs = draw(lf);
    expect(lfs.filter((v) => v < 1e-3).length / n).toBeCloseTo(0.25, 1);
    expect(lfs.filter((v) => v >= 1e-1).length / n).toBeCloseTo(0.25, 1);
    // Grid 2, 6, 10: each a third (its cell [v - 2, v + 2] is a third of [0, 12]).
    const gs = draw(g);
    expect([...new Set(gs)].sort((a, b) => a - b)).toEqual([2, 6, 10]);
    for (const v of [2, 6, 10]) expect(gs.filter((x) => x === v).length / n).toBeCloseTo(1 / 3, 1);
    // Log int on [1, 8]: uniform in log on [log 0.5, log 8.5]; 1 owns [0.5, 1.5] -> log 3 / log 17.
    const lis = draw(li);
    expect(lis.every((v) => Number.isInteger(v) && v >= 1 && v <= 8)).toBe(true);
    expect(lis.filter((v) => v === 1).length / n).toBeCloseTo(Math.log(3) / Math.log(17), 2);
    const cs = draw(c);
    for (const k of [0, 1, 2]) expect(cs.filter((x) => x === k).length / n).toBeCloseTo(1 / 3, 1);
  });

  it('converts values both ways and rejects values outside the domain', () => {
    const [x, n, c] = compileSpace({
      x: { type: 'float', low: 0, high: 1, step: 0.25 },
      n: { type: 'int', low: 1, high: 5 },
      c: { type: 'categorical', choices: ['adam', 'sgd', null, true] },
    });
    expect(toInternal(x, 0.75)).toBe(0.75);
    expect(() => toInternal(x, 0.7)).toThrow(/"x": 0.7 is not on the grid 0 \+ k x 0.25/);
    expect(() => toInternal(n, 2.5)).toThrow(/"n": 2.5 is not an integer/);
    expect(() => toInternal(n, 6)).toThrow(TuneError);
    expect(toInternal(c, null)).toBe(2);
    expect(toExternal(c, 3)).toBe(true);
    expect(() => toInternal(c, 'rmsprop')).toThrow(/"c": "rmsprop" is not one of/);
  });
});
