/** Bad input gives one clear message and the documented exit code (1 usage, 2 data/model). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLine, lers, SMALL_CF, tempDir } from './helpers.js';

describe('lers: bad input', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  beforeAll(async () => {
    const r = await lers(['train', ...SMALL_CF, '--epochs', '1', '-o', 'm.lers', '-q'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const bytes = readFileSync(join(cwd, 'm.lers'));
    writeFileSync(join(cwd, 'truncated.lers'), bytes.subarray(0, bytes.length - 100));
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(join(cwd, 'corrupt.lers'), flipped);
    const newer = Buffer.from(bytes);
    newer.writeUInt32LE(99, 8);
    writeFileSync(join(cwd, 'newer.lers'), newer);
    writeFileSync(join(cwd, 'notes.txt'), 'hello\n');
    writeFileSync(join(cwd, 'bad.yaml'), 'epochs: 3\n  lr: [1, 2\n');
    writeFileSync(join(cwd, 'bad.json'), '{"epochs": 3,,}');
    writeFileSync(join(cwd, 'typo.json'), '{"epoch": 3}');
    writeFileSync(join(cwd, 'range.yaml'), 'lr: -1\n');
  });
  afterAll(() => { tmp.cleanup(); });

  it('missing model file: exit 2 naming the file', async () => {
    for (const cmd of [['eval'], ['recommend', '-u', '1'], ['profile'], ['compress', '--method', 'magprune', '--target', '0.5', '-o', 'x.lers']]) {
      const r = await lers([cmd[0], 'nope.lers', ...cmd.slice(1)], { cwd });
      expect(r.code, cmd[0]).toBe(2);
      expect(errorLine(r.stderr)).toBe('lers: error: nope.lers: no such model file');
    }
  });

  it('truncated, corrupted, newer-version and foreign files: exit 2', async () => {
    const t = await lers(['eval', 'truncated.lers'], { cwd });
    expect(t.code).toBe(2);
    expect(errorLine(t.stderr)).toMatch(/truncated\.lers: bad lers model file \((truncated|checksum)\)/);
    const c = await lers(['recommend', 'corrupt.lers', '-u', '1'], { cwd });
    expect(c.code).toBe(2);
    expect(errorLine(c.stderr)).toMatch(/corrupt\.lers: bad lers model file \(checksum\)/);
    const v = await lers(['profile', 'newer.lers'], { cwd });
    expect(v.code).toBe(2);
    expect(errorLine(v.stderr)).toMatch(/newer\.lers: unsupported lers model file version/);
    const f = await lers(['eval', 'notes.txt'], { cwd });
    expect(f.code).toBe(2);
    expect(errorLine(f.stderr)).toMatch(/notes\.txt: bad lers model file/);
  });

  it('malformed config files: exit 1 naming the file (and line for YAML)', async () => {
    const y = await lers(['train', '--config', 'bad.yaml', '--dry-run'], { cwd });
    expect(y.code).toBe(1);
    expect(errorLine(y.stderr)).toMatch(/bad\.yaml:\d+:\d+: malformed YAML config/);
    const j = await lers(['train', '--config', 'bad.json', '--dry-run'], { cwd });
    expect(j.code).toBe(1);
    expect(errorLine(j.stderr)).toMatch(/bad\.json: malformed JSON config/);
    const k = await lers(['train', '--config', 'typo.json', '--dry-run'], { cwd });
    expect(k.code).toBe(1);
    expect(errorLine(k.stderr)).toMatch(/typo\.json: unknown setting "epoch" \(known: .*epochs/);
    const r = await lers(['train', '--config', 'range.yaml', '--dry-run'], { cwd });
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toContain('range.yaml: lr must be > 0, got -1');
    const m = await lers(['train', '--config', 'missing.yaml'], { cwd });
    expect(m.code).toBe(2);
    expect(errorLine(m.stderr)).toContain('missing.yaml: no such file or directory');
  });

  it('unknown method, post-training method in train, impossible target: exit 1', async () => {
    const u = await lers(['train', ...SMALL_CF, '--method', 'zip', '--target', '0.5'], { cwd });
    expect(u.code).toBe(1);
    expect(errorLine(u.stderr)).toMatch(/unknown method "zip" \(known: full, .*qr/);
    const p = await lers(['train', ...SMALL_CF, '--method', 'magprune', '--target', '0.5'], { cwd });
    expect(p.code).toBe(1);
    expect(errorLine(p.stderr)).toContain('lers compress model.lers --method magprune');
    const q = await lers(['train', ...SMALL_CF, '--method', 'qat', '--target', '0.8'], { cwd });
    expect(q.code).toBe(1);
    expect(errorLine(q.stderr)).toMatch(/qat: a 150 x 16 table cannot reach sparsity 0\.8 .* the closest achievable sparsity is 0\.750000/);
    const c = await lers(['compress', 'm.lers', '--method', 'ptq', '--target', '0.95', '-o', 'x.lers'], { cwd });
    expect(c.code).toBe(1);
    expect(errorLine(c.stderr)).toContain('cannot reach sparsity 0.95');
    const n = await lers(['train', ...SMALL_CF, '--method', 'qr'], { cwd });
    expect(n.code).toBe(1);
    expect(errorLine(n.stderr)).toContain('method qr needs --target');
    const b = await lers(['train', '--backbone', 'deepfm', '--task', 'cf'], { cwd });
    expect(b.code).toBe(1);
  });

  it('missing or unknown data: exit 2', async () => {
    const m = await lers(['train', '--data', './no/such/dir', '--dry-run'], { cwd });
    expect(m.code).toBe(2);
    expect(errorLine(m.stderr)).toBe('lers: error: ./no/such/dir: no such file or directory');
    const u = await lers(['train', '--data', 'gowala', '--dry-run'], { cwd });
    expect(u.code).toBe(2);
    expect(errorLine(u.stderr)).toMatch(/unknown dataset "gowala"/);
    const o = await lers(['train', '--data', 'synthetic-cf', '--data-option', 'user=3', '--dry-run'], { cwd });
    expect(o.code).toBe(1);
    expect(errorLine(o.stderr)).toMatch(/unknown option "user" for synthetic-cf data/);
  });

  it('malformed data files report file and line (exit 2)', async () => {
    writeFileSync(join(cwd, 'train.txt'), '0 1 2\n1 x 3\n');
    writeFileSync(join(cwd, 'test.txt'), '0 3\n');
    const r = await lers(['train', '--data', '.', '--dry-run'], { cwd });
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(/train\.txt:2: .*\(value: "x"\)/);
  });
});
