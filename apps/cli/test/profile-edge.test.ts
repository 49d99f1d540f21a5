/**
 * lers profile for edge devices: the defaults (1 thread, LightGCN propagated per request, as on
 * the paper's Raspberry Pi) and --memory-limit (refused before loading past it, or warned about).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lers, tempDir } from './helpers.js';

interface ProfileJson {
  threads: number;
  serving: { mode: string } | null;
  memoryBytes: number;
  memoryLimit: { bytes: number; action: string; exceeded: boolean } | null;
}

describe('lers profile on the edge', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  let held = 0;
  beforeAll(async () => {
    const r = await lers(['train', '--data', 'synthetic-cf', '--data-option', 'users=300', '--data-option', 'items=200', '--epochs', '1', '--dim', '16', '--seed', '3', '-q', '-o', 'm.lers'], { cwd });
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => {
    tmp.cleanup();
  });

  it('defaults to 1 thread and propagation per request, and reports no limit', async () => {
    const r = await lers(['profile', 'm.lers', '--repeats', '2', '--warmup', '1', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as ProfileJson;
    expect(p.threads).toBe(1);
    expect(p.serving?.mode).toBe('propagate');
    expect(p.memoryLimit).toBeNull();
    held = p.memoryBytes;
    expect(held).toBeGreaterThan(0);
  });

  it('profiles within --memory-limit', async () => {
    const r = await lers(['profile', 'm.lers', '--repeats', '2', '--warmup', '1', '--memory-limit', `${held + 65536}`, '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as ProfileJson).memoryLimit).toEqual({ bytes: held + 65536, action: 'refuse', exceeded: false });
  });

  it('refuses a model over --memory-limit (exit 1, nothing on stdout), or warns and profiles it', async () => {
    const limit = Math.floor(held / 2);
    const refused = await lers(['profile', 'm.lers', '--memory-limit', `${limit}`, '--json'], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(new RegExp(`needs more than the memory limit of ${limit} bytes`));
    const warned = await lers(['profile', 'm.lers', '--repeats', '2', '--warmup', '1', '--memory-limit', `${limit}`, '--on-memory-limit', 'warn', '--json'], { cwd });
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toMatch(new RegExp(`holds ${held} bytes while serving \\(propagate\\), over --memory-limit ${limit} by ${held - limit} bytes`));
    expect((JSON.parse(warned.stdout) as ProfileJson).memoryLimit).toEqual({ bytes: limit, action: 'warn', exceeded: true });
  });

  it('names a malformed --memory-limit', async () => {
    const r = await lers(['profile', 'm.lers', '--memory-limit', 'lots'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--memory-limit must be a size such as 500000, 500KB or 1\.5MB; got "lots"/);
  });
});
