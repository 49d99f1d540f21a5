import { Rng } from '@lers/kernels';
import { DimSampler, dimProbabilities, keptAtTarget, solveDimAlpha, type OptEmbedTable } from '@lers/embeddings';
import type { Model } from '../model.js';

/** Settings of OptEmbed's evolutionary search (defaults: the protocol's). */
export interface EvolutionOptions {
  /** Generations (default 30). */
  readonly generations?: number;
  /** Candidates of the first generation (default 20). */
  readonly population?: number;
  /** Children by crossover per generation (default 10). */
  readonly crossovers?: number;
  /** Children by mutation per generation (default 10). */
  readonly mutations?: number;
  /** Probability that a mutation redraws a group's dims (default 0.1). */
  readonly mutationProbability?: number;
  /** Candidates kept after each generation (default 15). */
  readonly keep?: number;
  /** How dims are drawn: P(k) proportional to alpha^(d-k) with alpha solved for the target (default), or uniform. */
  readonly sampling?: 'alpha' | 'uniform';
  /** Draws allowed for one candidate that meets the target before the search gives up (default 1000). */
  readonly maxTries?: number;
  /** Seed of every random choice of the search. */
  readonly seed: number;
}

/** A candidate: the kept dims of every group of every table, and what it costs. */
export interface Candidate {
  /** Per table (in the order given to the search), dims per group. */
  readonly dims: readonly Int32Array[];
  /** Parameters of the candidate: sum over kept rows of their dims. */
  readonly params: number;
  /** 1 - params / sum(rows x dim). */
  readonly sparsity: number;
}

/** A candidate with its validation metric. */
export interface ScoredCandidate extends Candidate {
  readonly fitness: number;
  /** Generation (0-based) in which it was evaluated. */
  readonly generation: number;
}

/** What the search found. */
export interface EvolutionResult {
  readonly best: ScoredCandidate;
  /** Every evaluated candidate, in evaluation order (each meets the target). */
  readonly evaluated: readonly ScoredCandidate[];
  /** The best fitness and its sparsity after each generation. */
  readonly history: readonly { readonly generation: number; readonly fitness: number; readonly sparsity: number }[];
  /** The alpha of P(k) per table (1 when sampling is uniform). */
  readonly alpha: readonly number[];
}

/**
 * OptEmbed's evolutionary search of per-group dims on a trained supernet: a population of random
 * candidates that meet the target sparsity; each generation evaluates its candidates (the model's
 * validation metric with the tables' evaluation dims set to the candidate, reusing the model's
 * buffers), keeps the best `keep` of all so far, and breeds the next generation by uniform
 * crossover of two kept parents and by mutation (each group redrawn with probability p), every
 * child redrawn until it meets the target. Rows pruned by the supernet's thresholds cost nothing;
 * dims are drawn with P(k) proportional to alpha^(d-k), alpha solved so that the expected cost
 * equals the target's budget. Deterministic for a seed (ties keep the earlier candidate). The
 * tables' evaluation dims are reset to all d at the end.
 *
 * Evaluation cost: the tables are frozen for the search (OptEmbedTable.freeze), so a candidate
 * costs one write of its masked values into a buffer reused for all candidates, then one
 * `model.evaluate('valid')` on the model's own buffers (LightGCN's propagation and ranking
 * buffers, a CTR model's batch and layer buffers): no buffer is allocated per candidate (only the
 * dense kernels' short-lived scratch inside a call, as in any evaluation). What runs in parallel
 * is inside each evaluation: the backend's kernels (table gather/copy, SpMM propagation, scores,
 * top-k, the CTR head's dense layers) use its thread pool. Candidates are evaluated one after
 * another, each with all threads; evaluating several at once (e.g. one SpMM over k candidates'
 * tables side by side) would multiply the propagation buffers by k for no gain on a pool that one
 * evaluation already keeps busy, so it is not done.
 */
export async function evolutionarySearch(model: Model, tables: readonly OptEmbedTable[], target: number, options: EvolutionOptions): Promise<EvolutionResult> {
  if (!(target > 0 && target < 1)) throw new RangeError(`optembed search: target must be in (0, 1), got ${target}`);
  const o = {
    generations: options.generations ?? 30,
    population: options.population ?? 20,
    crossovers: options.crossovers ?? 10,
    mutations: options.mutations ?? 10,
    p: options.mutationProbability ?? 0.1,
    keep: options.keep ?? 15,
    maxTries: options.maxTries ?? 1000,
  };
  for (const [name, v] of Object.entries(o)) {
    if (name !== 'p' && !(Number.isInteger(v) && v >= (name === 'crossovers' || name === 'mutations' ? 0 : 1))) throw new RangeError(`optembed search: ${name} must be a positive integer, got ${v}`);
  }
  if (!(o.p >= 0 && o.p <= 1)) throw new RangeError(`optembed search: mutationProbability must be in [0, 1], got ${o.p}`);
  const entries = tables.reduce((s, t) => s + t.rows * t.dim, 0);
  const budget = keptAtTarget(target, entries);
  const perGroup = tables.map((t) => t.keptPerGroup());
  const keptRows = perGroup.reduce((s, g) => s + g.reduce((a, b) => a + b, 0), 0);
  if (keptRows > budget) {
    throw new RangeError(`optembed search: target ${target} cannot be reached: with 1 dimension per kept row the sparsity is ${(1 - keptRows / entries).toFixed(4)}`);
  }
  // The fraction of each table's width a kept row may use on average.
  const fraction = keptRows === 0 ? 1 : budget / tables.reduce((s, t, i) => s + perGroup[i].reduce((a, b) => a + b, 0) * t.dim, 0);
  const alpha = tables.map((t) => (options.sampling === 'uniform' ? 1 : solveDimAlpha(t.dim, Math.min(t.dim, fraction * t.dim))));
  const samplers = tables.map((t, i) => new DimSampler(dimProbabilities(t.dim, alpha[i])));
  const rng = new Rng(options.seed, 0x65766f);

  const cost = (dims: readonly Int32Array[]): number => {
    let params = 0;
    dims.forEach((d, i) => {
      const kept = perGroup[i];
      for (let g = 0; g < d.length; g++) params += kept[g] * d[g];
    });
    return params;
  };
  /** The first of up to maxTries draws that meets the budget. */
  const drawUntilValid = (what: string, draw: () => Int32Array[]): Candidate => {
    for (let tries = 0; tries < o.maxTries; tries++) {
      const dims = draw();
      const params = cost(dims);
      if (params <= budget) return { dims, params, sparsity: 1 - params / entries };
    }
    throw new RangeError(`optembed search: no ${what} met target ${target} in ${o.maxTries} draws; lower the target or use more tries`);
  };
  const random = (): Candidate => drawUntilValid('random candidate', () => tables.map((t, i) => samplers[i].fill(rng, new Int32Array(t.groups))));
  const pick = (top: readonly ScoredCandidate[]): ScoredCandidate => top[rng.nextInt(top.length)];
  const crossover = (top: readonly ScoredCandidate[]): Candidate =>
    drawUntilValid('crossover child', () => {
      const father = pick(top);
      const mother = pick(top);
      return father.dims.map((f, i) => f.map((x, g) => (rng.nextFloat() < 0.5 ? x : mother.dims[i][g])));
    });
  const mutate = (top: readonly ScoredCandidate[]): Candidate =>
    drawUntilValid('mutated child', () => {
      const parent = pick(top);
      return parent.dims.map((d, i) => d.map((x) => (rng.nextFloat() < o.p ? samplers[i].sample(rng) : x)));
    });

  const evaluated: ScoredCandidate[] = [];
  const history: { generation: number; fitness: number; sparsity: number }[] = [];
  let top: ScoredCandidate[] = [];
  let candidates: Candidate[] = Array.from({ length: o.population }, random);
  for (const t of tables) t.freeze();
  try {
    for (let generation = 0; generation < o.generations; generation++) {
      const scored: ScoredCandidate[] = [];
      for (const c of candidates) {
        c.dims.forEach((d, i) => { tables[i].setDims(d); });
        const value = (await model.evaluate('valid'))[model.selectionMetric];
        scored.push({ ...c, fitness: typeof value === 'number' && !Number.isNaN(value) ? value : -Infinity, generation });
      }
      evaluated.push(...scored);
      // A stable sort: among equal fitness the earlier candidate stays ahead.
      top = [...top, ...scored].sort((a, b) => b.fitness - a.fitness || 0).slice(0, o.keep);
      history.push({ generation, fitness: top[0].fitness, sparsity: top[0].sparsity });
      if (generation === o.generations - 1) break;
      candidates = [...Array.from({ length: o.crossovers }, () => crossover(top)), ...Array.from({ length: o.mutations }, () => mutate(top))];
    }
  } finally {
    for (const t of tables) {
      t.thaw();
      t.setDims(null);
    }
  }
  return { best: top[0], evaluated, history, alpha };
}
