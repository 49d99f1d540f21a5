/** Reading results files, sizes and times, and Pareto fronts. */
import { describe, expect, it } from 'vitest';
import { AdviceInputError, candidateSets, dominates, formatBytes, paretoFront, paretoFrontBy, parseBenchResults, parseBytes, parseMs } from '../src/index.js';

const ok = { id: 'a', dataset: 'd', backbone: 'deepfm', method: 'qr', target: 0.8, status: 'ok', metric: 'auc', test: { auc: 0.7 } };

describe('parseBenchResults', () => {
  it('reads cells and groups them by dataset and backbone, with the task of each', () => {
    const r = parseBenchResults(JSON.stringify({ profile: 'quick', cells: [ok, { ...ok, id: 'b', backbone: 'lightgcn', metric: 'ndcg@20', test: { 'ndcg@20': 0.1 } }] }));
    expect(r.profile).toBe('quick');
    const sets = candidateSets(r);
    expect(sets.map((s) => [s.group.backbone, s.group.task, s.metricName])).toEqual([['deepfm', 'ctr', 'auc'], ['lightgcn', 'cf', 'ndcg@20']]);
    expect(candidateSets(r, { task: 'cf' })).toHaveLength(1);
  });

  it('names the file, the cell and the value of a malformed entry', () => {
    expect(() => parseBenchResults('{"cells": [', 'r.json')).toThrow(/^r\.json: not JSON/);
    expect(() => parseBenchResults({ rows: [] }, 'r.json')).toThrow(/r\.json: not a lers bench results file/);
    expect(() => parseBenchResults({ cells: [ok, { ...ok, target: 80 }] }, 'r.json')).toThrow('r.json: cells[1].target must be a sparsity in (0, 1) or null, got 80');
    expect(() => parseBenchResults({ cells: [{ ...ok, backbone: 'bert' }] })).toThrow(/cells\[0\]\.backbone must be one of lightgcn, deepfm, dcnmix, got "bert"/);
    expect(() => parseBenchResults({ cells: [{ ...ok, latency: { total: { medianMs: 'x' } } }] })).toThrow(/cells\[0\]\.latency must be phase timings/);
    expect(() => parseBenchResults({ cells: [ok] })).not.toThrow();
    expect(() => candidateSets(parseBenchResults({ cells: [ok] }), { task: 'cf' }, 'r.json')).toThrow(AdviceInputError);
    expect(() => candidateSets(parseBenchResults({ cells: [ok] }), { task: 'cf' }, 'r.json')).toThrow('r.json: no cells of task cf (the file has d/deepfm (ctr))');
  });
});

describe('sizes and times', () => {
  it('parses sizes with binary multiples, as lers prints them', () => {
    expect(parseBytes('500000')).toBe(500000);
    expect(parseBytes('500KB')).toBe(512000);
    expect(parseBytes('500 KiB')).toBe(512000);
    expect(parseBytes('1.5MB')).toBe(1572864);
    expect(parseBytes('2g')).toBe(2147483648);
    expect(() => parseBytes('500 apples', '--budget-bytes')).toThrow('--budget-bytes must be a size such as 500000, 500KB or 1.5MB; got "500 apples"');
    expect(() => parseBytes('0KB')).toThrow(/more than 0 bytes/);
    expect(formatBytes(parseBytes('500KB'))).toBe('500.0 KB');
  });

  it('parses milliseconds', () => {
    expect(parseMs('20')).toBe(20);
    expect(parseMs('0.5 ms')).toBe(0.5);
    expect(() => parseMs('-3', '--latency-ms')).toThrow('--latency-ms must be a positive number of milliseconds such as 20 or 0.5; got "-3"');
  });
});

describe('Pareto fronts', () => {
  it('keeps the points nothing beats on bytes and metric, sorted by bytes', () => {
    const pts = [
      { method: 'a', target: null, bytes: 100, metric: 0.9 },
      { method: 'b', target: 0.8, bytes: 50, metric: 0.85 },
      { method: 'c', target: 0.8, bytes: 60, metric: 0.8 },
      { method: 'd', target: 0.95, bytes: 10, metric: 0.5 },
      { method: 'e', target: 0.95, bytes: 10, metric: 0.5 },
    ];
    expect(paretoFront(pts).map((p) => p.method)).toEqual(['d', 'e', 'b', 'a']);
  });

  it('handles three criteria and equal points', () => {
    const crit = [
      { value: (p: number[]) => p[0], better: 'higher' as const },
      { value: (p: number[]) => p[1], better: 'lower' as const },
      { value: (p: number[]) => p[2], better: 'lower' as const },
    ];
    expect(dominates([1, 1, 1], [1, 1, 1], crit)).toBe(false);
    expect(dominates([1, 1, 1], [1, 2, 1], crit)).toBe(true);
    expect(paretoFrontBy([[1, 1, 5], [1, 2, 1], [0.5, 2, 5], [1, 1, 5]], crit)).toEqual([[1, 1, 5], [1, 2, 1], [1, 1, 5]]);
  });
});
