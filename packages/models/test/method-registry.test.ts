import { describe, expect, it } from 'vitest';
import { createReferenceBackend } from '@lers/kernels';
import * as embeddings from '@lers/embeddings';
import { FullTable, type MethodDefinition, type SerializedTable } from '@lers/embeddings';
import { createTable, loadTable, methodNamed, methodNames, methodRegistrations, registerMethod, solveBudget } from '../src/index.js';

function isDefinition(x: unknown): x is MethodDefinition {
  const d = x as Partial<MethodDefinition> | null;
  return typeof d === 'object' && d !== null && typeof d.name === 'string' && typeof d.kind === 'string' && typeof d.create === 'function' && typeof d.load === 'function';
}

describe('method registry', () => {
  const be = createReferenceBackend();

  it('holds every method @lers/embeddings defines, each with its kind, a summary, and a pipeline exactly when it is search-then-retrain', () => {
    const exported = Object.values(embeddings).filter(isDefinition).map((d) => d.name).sort();
    expect(exported).toHaveLength(12);
    expect([...methodNames()].sort()).toEqual(exported);
    for (const m of methodRegistrations()) {
      expect(m.summary.length, m.name).toBeGreaterThan(10);
      expect(m.pipeline !== undefined, m.name).toBe(m.kind === 'search-then-retrain');
      // Sized methods have a solver; the search methods stop at the target themselves.
      expect(m.budget !== undefined, m.name).toBe(m.kind === 'trained' || m.kind === 'post-training');
    }
    expect(methodRegistrations().filter((m) => m.kind === 'search-then-retrain').map((m) => m.name)).toEqual(['pep', 'optembed', 'cerp']);
  });

  it('creates, restores and sizes tables by name, and names the registered methods when one is unknown', () => {
    const t = createTable('full', { rows: 4, dim: 2, backend: be, seed: 1 });
    expect(t).toBeInstanceOf(FullTable);
    t.dispose();
    expect(() => createTable('nope', { rows: 4, dim: 2, backend: be, seed: 1 })).toThrow(/unknown method "nope" \(known: full/);
    const bogus: SerializedTable = { method: 'nope', header: {}, sections: {} };
    expect(() => loadTable(bogus, be)).toThrow(/unknown method/);
    expect(solveBudget({ method: 'qr', rows: 1000, dim: 8, sparsity: 0.5 }).options).toMatchObject({ divider: 2 });
    expect(() => solveBudget({ method: 'pep', rows: 1000, dim: 8, sparsity: 0.5 })).toThrow(/no budget solver/);
  });

  it('registers a method of your own: created, restored and sized by name; names are unique; search methods need a pipeline', () => {
    let seenOption: unknown;
    const scaled: MethodDefinition = {
      name: 'test-scaled',
      kind: 'trained',
      summary: 'a full table filled with one value (test)',
      servedAs: 'fp32 rows',
      create: (o) => {
        seenOption = o.scale;
        return new FullTable({ ...o, name: 'scaled', init: { kind: 'uniform', low: Number(o.scale), high: Number(o.scale) } });
      },
      load: (s, backend) => FullTable.deserialize({ ...s, method: 'full' }, backend),
      budget: embeddings.fractionBudget('keep'),
    };
    registerMethod(scaled);
    expect(methodNames()).toContain('test-scaled');
    expect(methodNamed('test-scaled').kind).toBe('trained');
    expect(() => { registerMethod(scaled); }).toThrow(/already registered/);
    expect(() => { registerMethod({ ...scaled, name: 'test-search', kind: 'search-then-retrain' }); }).toThrow(/has no pipeline/);
    expect(() => { registerMethod({ ...scaled, name: 'Bad Name' }); }).toThrow(/lowercase/);
    const t = createTable('test-scaled', { rows: 3, dim: 2, backend: be, seed: 0, scale: 0.25 });
    expect(seenOption).toBe(0.25);
    expect(Array.from(be.view(t.parameters()[0].value))).toEqual(new Array(6).fill(0.25));
    const restored = loadTable({ method: 'test-scaled', header: { rows: 1, dim: 2 }, sections: { weight: new Float32Array([1, 2]) } }, be);
    expect(Array.from(be.view(restored.parameters()[0].value))).toEqual([1, 2]);
    expect(solveBudget({ method: 'test-scaled', rows: 10, dim: 10, sparsity: 0.5 }).options).toEqual({ keep: 0.5 });
    t.dispose();
    restored.dispose();
  });
});
