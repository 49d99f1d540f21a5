/** The advice on synthetic bench cells and profiles: budgets nobody meets, ties, one candidate, tolerance, what is never picked. */
import { describe, expect, it } from 'vitest';
import { advise, candidateSets, parseBenchResults, type BenchCell, type DeviceProfile } from '../src/index.js';

/** A CF cell with a test NDCG@20. */
function cell(method: string, target: number | null, ndcg: number | null, extra: Partial<BenchCell> = {}): BenchCell {
  const id = `syn__lightgcn__${method}__${target === null ? 'full' : Math.round(target * 100)}`;
  return {
    id,
    dataset: 'syn',
    backbone: 'lightgcn',
    method,
    target,
    status: ndcg === null ? 'unreachable' : 'ok',
    metric: 'ndcg@20',
    ...(ndcg !== null ? { test: { 'ndcg@20': ndcg } } : {}),
    ...extra,
  };
}

function profile(memoryBytes: number, latencyMs: number): DeviceProfile {
  return { memoryBytes, latencyMs, phases: { total: { minMs: latencyMs, medianMs: latencyMs, maxMs: latencyMs } }, backend: 'wasm', threads: 1, reason: 'wasm as asked; 1 thread' };
}

function setOf(cells: BenchCell[]) {
  return candidateSets(parseBenchResults({ cells }))[0];
}

const CELLS = [cell('full', null, 0.2), cell('qr', 0.8, 0.15), cell('ttrec', 0.8, 0.17), cell('magprune', 0.8, 0.18), cell('qr', 0.95, 0.1), cell('optembed', 0.95, null)];
const PROFILES = {
  syn__lightgcn__full__full: profile(400_000, 10),
  syn__lightgcn__qr__80: profile(120_000, 4),
  syn__lightgcn__ttrec__80: profile(110_000, 9),
  syn__lightgcn__magprune__80: profile(150_000, 6),
  syn__lightgcn__qr__95: profile(60_000, 3),
};

describe('advise', () => {
  it('picks the most accurate candidate within both budgets and explains it against the full model', () => {
    const a = advise(setOf(CELLS), PROFILES, { memoryBytes: 200_000, latencyMs: 8 });
    expect(a.pick?.candidate.label).toBe('magprune@80%');
    expect(a.reference?.candidate.label).toBe('full');
    expect(a.reference?.overMemory).toBe(true);
    // ttrec is over the latency budget; qr@80% and qr@95% fit; optembed@95% has no result.
    expect(a.rows.filter((r) => r.fits).map((r) => r.candidate.label)).toEqual(['magprune@80%', 'qr@80%', 'qr@95%']);
    expect(a.rows.find((r) => r.candidate.label === 'ttrec@80%')?.overLatency).toBe(true);
    expect(a.skipped.map((s) => s.cell.method)).toEqual(['optembed']);
    expect(a.explanation[0]).toMatch(/^Ship magprune@80%: the most accurate method that fits the budget \(195\.3 KB of memory, 8\.0 ms per request\).*NDCG@20 0\.1800, 146\.5 KB held, 6\.0 ms per request on wasm, 1 thread/);
    expect(a.explanation[1]).toMatch(/keeps 90.0% of the accuracy with 38% of the memory and 0\.60x the latency/);
    expect(a.explanation.join(' ')).toMatch(/For less memory: qr@95% holds 58\.6 KB \(60% less\) at NDCG@20 0\.1000 \(-0\.0800\)/);
    expect(a.explanation.join(' ')).toMatch(/More accurate but over the budget: full/);
    expect(a.explanation.at(-1)).toMatch(/5 candidates .*: 3 fit, 1 over the memory budget, 2 over the latency budget; 1 bench cell without a result \(unreachable\)/);
  });

  it('picks nothing when nobody meets the budgets, and says how far the closest are', () => {
    const a = advise(setOf(CELLS), PROFILES, { memoryBytes: 50_000, latencyMs: 2 });
    expect(a.pick).toBeNull();
    expect(a.rows.every((r) => !r.fits)).toBe(true);
    expect(a.explanation[0]).toBe('No method fits the budget (48.8 KB of memory, 2.0 ms per request) on this device.');
    // Every candidate is over the latency budget, so neither single relaxation is named; the smallest is.
    expect(a.explanation[1]).toMatch(/Every measured method is over both budgets; the smallest, qr@95%, needs 58\.6 KB and 3\.0 ms/);
  });

  it('names the least memory budget that would admit a candidate within the latency budget', () => {
    const a = advise(setOf(CELLS), PROFILES, { memoryBytes: 50_000, latencyMs: 5 });
    expect(a.pick).toBeNull();
    expect(a.explanation.join(' ')).toMatch(/The least memory held within the latency budget is 58\.6 KB \(qr@95%, NDCG@20 0\.1000\): 9\.8 KB over; a memory budget of 58\.6 KB would admit it/);
  });

  it('breaks accuracy ties by bytes, then latency, and says so', () => {
    const cells = [cell('qr', 0.8, 0.15), cell('ttrec', 0.8, 0.15), cell('dhe', 0.8, 0.15)];
    const a = advise(setOf(cells), { syn__lightgcn__qr__80: profile(100, 5), syn__lightgcn__ttrec__80: profile(90, 7), syn__lightgcn__dhe__80: profile(90, 6) }, { memoryBytes: 1000 });
    expect(a.pick?.candidate.label).toBe('dhe@80%');
    expect(a.tiedWith.map((r) => r.candidate.label)).toEqual(['ttrec@80%', 'qr@80%']);
    expect(a.explanation.join(' ')).toMatch(/ttrec@80%, qr@80% tie with it on NDCG@20 \(0\.1500, 0\.1500\); dhe@80% was picked because it answers faster with the same bytes/);
    // Same accuracy, bytes and latency: the name decides, deterministically.
    const same = advise(setOf(cells), { syn__lightgcn__qr__80: profile(90, 5), syn__lightgcn__ttrec__80: profile(90, 5), syn__lightgcn__dhe__80: profile(90, 5) }, {});
    expect(same.pick?.candidate.label).toBe('dhe@80%');
    expect(same.explanation.join(' ')).toMatch(/comes first by name/);
  });

  it('treats metrics within the tolerance as ties, and still picks a point on the front', () => {
    const cells = [cell('qr', 0.8, 0.151), cell('ttrec', 0.8, 0.15), cell('magprune', 0.8, 0.1505)];
    const profiles = { syn__lightgcn__qr__80: profile(200, 5), syn__lightgcn__ttrec__80: profile(100, 5), syn__lightgcn__magprune__80: profile(100, 5) };
    expect(advise(setOf(cells), profiles, {}).pick?.candidate.label).toBe('qr@80%');
    const a = advise(setOf(cells), profiles, {}, { accuracyTolerance: 0.002 });
    // ttrec and magprune hold the same bytes at the same speed; magprune is more accurate, so ttrec would be dominated.
    expect(a.pick?.candidate.label).toBe('magprune@80%');
    expect(a.pick?.onFront).toBe(true);
    expect(a.rows.find((r) => r.candidate.label === 'ttrec@80%')?.onFront).toBe(false);
  });

  it('advises on a single candidate: picked when it fits, refused with the gap when it does not', () => {
    const one = [cell('qr', 0.8, 0.15)];
    const fits = advise(setOf(one), { syn__lightgcn__qr__80: profile(1000, 1) }, { memoryBytes: 2000, latencyMs: 5 });
    expect(fits.pick?.candidate.label).toBe('qr@80%');
    expect(fits.reference).toBeNull();
    expect(fits.explanation).toHaveLength(2);
    const over = advise(setOf(one), { syn__lightgcn__qr__80: profile(3000, 1) }, { memoryBytes: 2000 });
    expect(over.pick).toBeNull();
    expect(over.explanation[1]).toMatch(/The least memory held is 2\.9 KB \(qr@80%.*1000 B over; a memory budget of 2\.9 KB would admit it/);
  });

  it('never picks a candidate that was not measured here', () => {
    const a = advise(setOf(CELLS), { syn__lightgcn__qr__95: profile(60_000, 3) }, {});
    expect(a.pick?.candidate.label).toBe('qr@95%');
    expect(a.rows.filter((r) => r.profile === null)).toHaveLength(4);
    expect(a.explanation.at(-1)).toMatch(/4 not measured on this device/);
    const none = advise(setOf(CELLS), {}, { memoryBytes: 1e9 });
    expect(none.pick).toBeNull();
    expect(none.explanation[1]).toMatch(/No candidate was measured on this device/);
  });

  it('recommends the full model when it fits and is the most accurate', () => {
    const a = advise(setOf(CELLS), PROFILES, {});
    expect(a.pick?.candidate.label).toBe('full');
    expect(a.explanation[0]).toMatch(/^Ship the full model: with no budget given it is the most accurate \(NDCG@20 0\.2000, 390\.6 KB held, 10\.0 ms per request on wasm, 1 thread\), so compression buys nothing here/);
  });

  it('rejects budgets that are not positive', () => {
    expect(() => advise(setOf(CELLS), PROFILES, { memoryBytes: 0 })).toThrow(/memory budget must be a positive number/);
    expect(() => advise(setOf(CELLS), PROFILES, { latencyMs: -1 })).toThrow(/latency budget/);
  });
});
