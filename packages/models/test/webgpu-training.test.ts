/**
 * Training on WebGPU (Dawn in Node; Mesa's llvmpipe without a GPU) gives the WASM backend's losses:
 * LightGCN (with and without the InfoNCE term), DeepFM and DCN-Mix built on both backends from the
 * same WASM-initialised parameters (the GPU's random fills agree only to an ulp), trained through
 * the same loop on the same seeded batches, step losses within 1e-4 relative. Without an adapter
 * the tests skip with the reason printed; with LERS_REQUIRE_WEBGPU=1 (CI) that is a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type Backend, type HostBackend } from '@lers/kernels';
import { generateSyntheticCf, generateSyntheticCtr } from '@lers/data';
import type { WebGpuBackend } from '@lers/webgpu';
import { createNodeWebGpuBackend } from '@lers/webgpu/node';
import { DcnMix, DeepFm, LightGcn, train, type Model } from '../src/index.js';
import { webGpuOrSkip } from '@lers/test-support';

const gpu: WebGpuBackend | null = await webGpuOrSkip('WebGPU training tests', () => createNodeWebGpuBackend());
const TOLERANCE = 1e-4;

/** Writes every parameter and buffer of `from` (host backend) into `to` (same architecture). */
async function copyState(from: Model, to: Model): Promise<void> {
  const src = from.parameters();
  const dst = to.parameters();
  expect(dst.map((p) => p.name)).toEqual(src.map((p) => p.name));
  for (const [i, p] of src.entries()) to.backend.write(dst[i].value, await from.backend.read(p.value));
  const bufs = from.buffers();
  for (const [name, b] of Object.entries(to.buffers())) to.backend.write(b, await from.backend.read(bufs[name]));
}

/** The loss of every training step of `epochs` epochs of the seeded loop (no validation). */
async function stepLosses(model: Model, epochs: number, lazy: boolean): Promise<number[]> {
  const losses: number[] = [];
  await train(model, { epochs, seed: 5, validEvery: 0, test: false, optimizer: { kind: 'adam', lr: 0.01, lazy } }, { onEvent: (e) => { if (e.type === 'batch') losses.push(e.loss); } });
  return losses;
}

/** Trains `make(wasm)` and `make(gpu)` from the same parameters; the step losses and the largest relative gap. */
async function compare(wasm: HostBackend, make: (be: Backend) => Model, epochs: number, lazy = false): Promise<{ want: number[]; got: number[]; gap: number }> {
  const a = make(wasm);
  const b = make(gpu!);
  try {
    await copyState(a, b);
    const want = await stepLosses(a, epochs, lazy);
    const got = await stepLosses(b, epochs, lazy);
    const gap = Math.max(...want.map((w, i) => Math.abs(got[i] - w) / Math.abs(w)));
    return { want, got, gap };
  } finally {
    a.dispose();
    b.dispose();
  }
}

describe.skipIf(gpu === null)('training on WebGPU: the WASM backend\'s step losses within 1e-4 relative', () => {
  let wasm: HostBackend;
  beforeAll(async () => {
    wasm = await createWasmBackend();
  });
  afterAll(() => {
    wasm.dispose();
    gpu?.dispose();
  });

  const cf = generateSyntheticCf({ users: 60, items: 80, seed: 3 }).dataset;
  it.each([
    ['without InfoNCE', 0],
    ['with InfoNCE (joint softmax)', 0.1],
  ] as const)('LightGCN %s', async (_label, clWeight) => {
    const { want, got, gap } = await compare(wasm, (be) => LightGcn.create(be, cf, { dim: 8, layers: 2, batchSize: 128, clWeight, seed: 2 }), 2);
    console.log(`LightGCN clWeight ${clWeight}: ${want.length} steps, largest relative loss gap ${gap.toExponential(2)}`);
    expect(got.length).toBe(want.length);
    expect(want.length).toBeGreaterThanOrEqual(4);
    expect(gap).toBeLessThanOrEqual(TOLERANCE);
  });

  it('LightGCN with InfoNCE per side', async () => {
    const { want, gap } = await compare(wasm, (be) => LightGcn.create(be, cf, { dim: 8, layers: 1, batchSize: 128, clWeight: 0.1, clSoftmax: 'per-side', seed: 2 }), 1);
    console.log(`LightGCN per-side InfoNCE: ${want.length} steps, largest relative loss gap ${gap.toExponential(2)}`);
    expect(gap).toBeLessThanOrEqual(TOLERANCE);
  });

  const ctr = generateSyntheticCtr({ rows: 800, cardinalities: [30, 12, 6, 4], seed: 4 }).dataset;
  it('DeepFM (dropout, BatchNorm)', async () => {
    const { want, gap } = await compare(wasm, (be) => new DeepFm({ dataset: ctr, backend: be, hidden: [16, 8], dropout: 0.2, batchSize: 128, seed: 1 }), 2);
    console.log(`DeepFM: ${want.length} steps, largest relative loss gap ${gap.toExponential(2)}`);
    expect(want.length).toBeGreaterThanOrEqual(8);
    expect(gap).toBeLessThanOrEqual(TOLERANCE);
  });

  it('DCN-Mix (dropout, BatchNorm)', async () => {
    const { want, gap } = await compare(wasm, (be) => new DcnMix({ dataset: ctr, backend: be, hidden: [16, 8], crossLayers: 2, experts: 2, rank: 4, dropout: 0.2, batchSize: 128, seed: 1 }), 2);
    console.log(`DCN-Mix: ${want.length} steps, largest relative loss gap ${gap.toExponential(2)}`);
    expect(want.length).toBeGreaterThanOrEqual(8);
    expect(gap).toBeLessThanOrEqual(TOLERANCE);
  });

  // Tables whose steps need ids on the host: lazy Adam's touched rows and QR's derived ids (read
  // from WebGPU's copy of host-written ids), TT-Rec's cache (filled after epoch 1, then ids split
  // between cores and cache), and a fixed-mask retraining table.
  const noBn = { dataset: ctr, hidden: [8], dropout: 0, batchNorm: false, batchSize: 128, seed: 1 };
  const tableRows = ctr.fieldDims.reduce((a, b) => a + b, 0);
  it.each([
    ['QR with lazy Adam', { method: 'qr', options: { divider: 7 } }, true],
    ['TT-Rec with its LFU cache', { method: 'ttrec', options: { ranks: 4, cacheRows: 20 } }, false],
    ['a PEP retraining table (fixed mask)', { method: 'pep', options: { masks: Uint8Array.from({ length: tableRows * 8 }, (_, e) => (e % 3 === 0 ? 0 : 1)) } }, false],
  ] as const)('DeepFM over %s', async (_label, table, lazy) => {
    const { want, gap } = await compare(wasm, (be) => new DeepFm({ ...noBn, backend: be, embedDim: 8, table }), 2, lazy);
    console.log(`DeepFM over ${table.method}${lazy ? ' (lazy Adam)' : ''}: ${want.length} steps, largest relative loss gap ${gap.toExponential(2)}`);
    expect(gap).toBeLessThanOrEqual(TOLERANCE);
  });
});
