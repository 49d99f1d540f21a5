/**
 * Single-thread cost estimates of the threaded WASM kernels, in nanoseconds per unit of work, for
 * the decision to hand work to the thread pool (WasmCore.parallel: below PARALLEL_MIN_NS of
 * estimated work a call stays on the calling thread). Measured at 1 thread on the project's 2-core
 * AMD EPYC VM (Node 20, the SIMD build), rounded; each figure is the cost of the kind of pass
 * named, so that one time threshold serves every kernel (the former rough-flop counts put a relu-like
 * pass and a GEMM flop on one scale, 100x apart in time). `pnpm bench --only kernels` checks that
 * work just under the threshold is not slower at 2 threads than at 1 (the "small work" group).
 */
export const NS = {
  /** One flop of the register-blocked SIMD GEMM (30-45 GFLOP/s: 0.022-0.039 ns). */
  gemmFlop: 0.03,
  /** One flop of a sparse product or small dense products (SpMM, CSR gathers, TT rows: ~8 GFLOP/s). */
  sparseFlop: 0.12,
  /** One f32 read or written by a sequential SIMD pass (axpy, 3 streams: 0.19-0.21 ns per element). */
  stream: 0.07,
  /** One f32 of a randomly addressed row, read or accumulated (gather 2048-16384 rows x 64: 0.14-0.4 ns). */
  gathered: 0.25,
  /** One f32 decoded from a quantized row (row-wise int8 gather, 2048-16384 x 64: 0.26-0.29 ns). */
  decoded: 0.28,
  /** One f32 encoded into a quantized row (min/max pass, divide, round). */
  encoded: 1,
  /** One transcendental function of an element in f64 (sigmoid 64k-1M: 18-19 ns per element). */
  transcendental: 18,
  /** One element of an optimizer or dropout step (several streams, a sqrt or a hash). */
  update: 0.6,
  /** One normal (Box-Muller: log, sqrt, cos) or uniform (a hash) random number. */
  normal: 8,
  uniform: 1,
} as const;

/**
 * Below this much estimated single-thread work (ns) a kernel runs on the calling thread alone:
 * twice the measured hand-off to a sleeping worker (~30 us: the notify and the worker's wake-up on
 * a VM), so that a split pays for it even when the worker wakes late. Work handed off back to back
 * (training steps) finds the worker still spinning and pays ~5 us, so splitting earlier would gain
 * there, but a single call (serving) would lose.
 */
export const PARALLEL_MIN_NS = 60_000;
