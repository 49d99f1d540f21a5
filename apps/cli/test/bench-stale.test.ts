/**
 * A finished bench cell is reused only when it measured what the grid asks today: its hash (the
 * settings and tuning options) and, for a cell tuned on its own, the search space lers resolves
 * now (a space changed in lers re-runs the cell).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '@lers/models';
import { cellSpace, readFinished, workCheckpoint } from '../src/bench/run.js';

describe('readFinished', () => {
  it('reuses a cell of the same hash and space; a tuned cell recorded over another space is stale', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lers-stale-'));
    mkdirSync(join(dir, 'cells'));
    const settings = resolveSettings({ method: 'pep', target: 0.5 });
    const cell = { id: 'c', hash: 'h1', tune: { trials: 2 }, settings };
    const space = cellSpace(cell)!;
    expect(Object.keys(space)).toContain('l2');
    const write = (r: object) => { writeFileSync(join(dir, 'cells', 'c.json'), JSON.stringify({ id: 'c', hash: 'h1', status: 'ok', ...r })); };
    write({ tuning: { space } });
    expect((await readFinished(dir, cell))?.status).toBe('ok');
    expect(await readFinished(dir, { ...cell, hash: 'h2' })).toBeNull();
    // Recorded before PEP's space gained lambda on LightGCN.
    const { l2: _dropped, ...older } = space;
    write({ tuning: { space: older } });
    expect(await readFinished(dir, cell)).toBeNull();
    // An unreachable tuned cell is judged alike; one that does not say its space (written before
    // unreachable cells kept their tuning) is re-run, its study resumed.
    write({ status: 'unreachable', tuning: { space } });
    expect((await readFinished(dir, cell))?.status).toBe('unreachable');
    write({ status: 'unreachable' });
    expect(await readFinished(dir, cell)).toBeNull();
    // Cells not tuned on their own are judged by the hash alone.
    expect((await readFinished(dir, { id: 'c', hash: 'h1', tune: null, settings }))?.status).toBe('unreachable');
  });

  it("keys a cell's training checkpoint by the settings it trains, so a re-tuned cell starts afresh", () => {
    const settings = resolveSettings({ method: 'pep', target: 0.5 });
    const cell = { id: 'c', hash: 'h1' };
    expect(workCheckpoint('w', cell, settings)).toBe(workCheckpoint('w', cell, { ...settings }));
    expect(workCheckpoint('w', cell, { ...settings, l2: 0.05 })).not.toBe(workCheckpoint('w', cell, settings));
    expect(workCheckpoint('w', cell, settings)).toMatch(/^w\/c\.h1\.[0-9a-f]{8}\.ckpt$/);
  });
});
