/**
 * Adding a method is one registration: a method registered in this process (QR with the `add`
 * combination under a name of its own) is listed by `lers methods` and runs as a `lers bench` cell
 * (trained to its target, evaluated, saved, served), with the CLI run in-process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QrTable, qrMethod } from '@lers/embeddings';
import { registerMethod } from '@lers/models';
import { runCli } from '../src/index.js';
import type { Streams } from '../src/cli/io.js';
import { tempDir } from './helpers.js';

/** Streams that keep what the CLI writes. */
function captured(): Streams & { out: string; err: string } {
  const s = {
    out: '',
    err: '',
    stdout: (t: string) => {
      s.out += t;
    },
    stderr: (t: string) => {
      s.err += t;
    },
    stderrIsTTY: false,
  };
  return s;
}

registerMethod({
  ...qrMethod,
  name: 'toy-qr-add',
  summary: 'QR with the add combination (a method registered by a test)',
  create: (options) => new QrTable({ ...options, op: 'add' }),
});

describe('a method of your own', () => {
  const tmp = tempDir();
  afterAll(() => {
    tmp.cleanup();
  });

  it('is listed by lers methods', async () => {
    const io = captured();
    expect(await runCli(['methods', '--json'], io), io.err).toBe(0);
    const listed = JSON.parse(io.out) as { name: string; kind: string }[] | { methods: { name: string; kind: string }[] };
    const methods = Array.isArray(listed) ? listed : listed.methods;
    expect(methods.find((m) => m.name === 'toy-qr-add')).toMatchObject({ kind: 'trained' });
  });

  it('runs as a bench cell, next to the built-in QR', async () => {
    const out = join(tmp.dir, 'grid');
    const io = captured();
    const args = ['bench', '--datasets', 'synthetic-cf', '--data-option', 'users=120', '--data-option', 'items=150', '--methods', 'qr,toy-qr-add', '--targets', '0.8', '--epochs', '1', '--dim', '16', '--batch-size', '512', '--out', out, '-q'];
    expect(await runCli(args, io), io.err).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { cells: { method: string; status: string; sparsity?: number; test?: Record<string, number>; model?: string }[] };
    const toy = results.cells.find((c) => c.method === 'toy-qr-add');
    const qr = results.cells.find((c) => c.method === 'qr');
    expect(toy?.status, JSON.stringify(toy)).toBe('ok');
    expect(toy?.sparsity).toBeCloseTo(0.8, 1);
    expect(toy?.test?.['ndcg@20']).toBeGreaterThan(0);
    // The same structure as QR's, a different combination: not QR's cell under another name.
    expect(toy?.test?.['ndcg@20']).not.toBe(qr?.test?.['ndcg@20']);
  });
});
