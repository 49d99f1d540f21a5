import { describe, expect, it } from 'vitest';
import { createReferenceBackend } from '@lers/kernels';
import { createTable, FullTable, loadTable, registerMethod, tableMethods, type SerializedTable } from '../src/index.js';

describe('method registry', () => {
  const be = createReferenceBackend();

  it('has the full method built in', () => {
    expect(tableMethods()).toContain('full');
    const t = createTable('full', { rows: 4, dim: 2, backend: be, seed: 1 });
    expect(t).toBeInstanceOf(FullTable);
    expect(t.parameters()[0].name).toBe('full.weight');
    t.dispose();
  });

  it('names the registered methods when one is unknown', () => {
    expect(() => createTable('nope', { rows: 4, dim: 2, backend: be, seed: 1 })).toThrow(/unknown embedding method "nope".*full/);
    const bogus: SerializedTable = { method: 'nope', header: {}, sections: {} };
    expect(() => loadTable(bogus, be)).toThrow(/unknown embedding method/);
  });

  it('routes create and load to a registered method, with its own options', () => {
    let seenOption: unknown;
    registerMethod('test-scaled', {
      create: (o) => {
        seenOption = o.scale;
        return new FullTable({ ...o, name: 'scaled', init: { kind: 'uniform', low: Number(o.scale), high: Number(o.scale) } });
      },
      load: (s, backend) => FullTable.deserialize({ ...s, method: 'full' }, backend),
    });
    expect(() => {
      registerMethod('test-scaled', { create: () => createTable('full', { rows: 1, dim: 1, backend: be, seed: 0 }), load: () => createTable('full', { rows: 1, dim: 1, backend: be, seed: 0 }) });
    }).toThrow(/already registered/);
    const t = createTable('test-scaled', { rows: 3, dim: 2, backend: be, seed: 0, scale: 0.25 });
    expect(seenOption).toBe(0.25);
    expect(Array.from(be.view(t.parameters()[0].value))).toEqual(new Array(6).fill(0.25));
    const restored = loadTable({ method: 'test-scaled', header: { rows: 1, dim: 2 }, sections: { weight: new Float32Array([1, 2]) } }, be);
    expect(Array.from(be.view(restored.parameters()[0].value))).toEqual([1, 2]);
    t.dispose();
    restored.dispose();
  });

  it('rejects bad shapes and malformed serialised tables', () => {
    expect(() => createTable('full', { rows: 0, dim: 2, backend: be, seed: 1 })).toThrow(/rows must be a positive integer/);
    expect(() => createTable('full', { rows: 3, dim: 1.5, backend: be, seed: 1 })).toThrow(/dim must be a positive integer/);
    const bad: SerializedTable = { method: 'full', header: { rows: 2, dim: 2 }, sections: { weight: new Float32Array(3) } };
    expect(() => loadTable(bad, be)).toThrow(/Float32Array of 2 x 2/);
  });
});
