/**
 * onnxruntime-web (WASM backend) as the kernel peer: MatMul and Gather on the same shapes as ours.
 * Skipped with a printed reason when the package cannot start here.
 */
import { ONNX_FLOAT, ONNX_INT32, singleOpModel } from './onnx-model.js';

type Ort = typeof import('onnxruntime-web');

/** A ready-to-run peer operation: `run()` performs one inference. */
export interface PeerOp {
  run(): Promise<unknown>;
  /** Runs once and returns the output, for a correctness spot-check against our kernel. */
  output(): Promise<Float32Array>;
}

let ortPromise: Promise<Ort | null> | undefined;

/** Loads onnxruntime-web with `threads` WASM threads, or null (with the reason printed). */
export function loadOrt(threads: number): Promise<Ort | null> {
  ortPromise ??= import('onnxruntime-web')
    .then((ort) => {
      ort.env.wasm.numThreads = threads;
      ort.env.wasm.simd = true;
      ort.env.logLevel = 'error';
      return ort;
    })
    .catch((e: unknown) => {
      console.log(`onnxruntime-web unavailable, peer skipped: ${String(e)}`);
      return null;
    });
  return ortPromise;
}

/** C (m x n) = A (m x k, fed per run) @ B (k x n, a weight baked into the model). */
export async function ortMatMul(ort: Ort, m: number, n: number, k: number, a: Float32Array, b: Float32Array): Promise<PeerOp> {
  const model = singleOpModel('MatMul', ['A', 'B'], [{ name: 'A', elemType: ONNX_FLOAT, shape: [m, k] }], [{ name: 'B', shape: [k, n], data: b }], [{ name: 'OUT', elemType: ONNX_FLOAT, shape: [m, n] }]);
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = { A: new ort.Tensor('float32', a, [m, k]) };
  return {
    run: () => session.run(feeds),
    output: async () => (await session.run(feeds)).OUT.data as Float32Array,
  };
}

/** out (ids x dim) = table (rows x dim, baked in) gathered at int32 ids (fed per run). */
export async function ortGather(ort: Ort, rows: number, dim: number, table: Float32Array, ids: Int32Array): Promise<PeerOp> {
  const model = singleOpModel('Gather', ['T', 'ids'], [{ name: 'ids', elemType: ONNX_INT32, shape: [ids.length] }], [{ name: 'T', shape: [rows, dim], data: table }], [{ name: 'OUT', elemType: ONNX_FLOAT, shape: [ids.length, dim] }]);
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = { ids: new ort.Tensor('int32', ids, [ids.length]) };
  return {
    run: () => session.run(feeds),
    output: async () => (await session.run(feeds)).OUT.data as Float32Array,
  };
}
