import { createWasmBackend, type HostBackend } from '@lers/kernels';
const b1 = await createWasmBackend({ threads: 1 }), b2 = await createWasmBackend({ threads: 2 });
function g(be: HostBackend, ta: boolean, tb: boolean, m: number, n: number, k: number): Float32Array {
  const a = be.alloc('f32', m * k); be.fillUniform(a, -1, 1, 5);
  const b = be.alloc('f32', k * n); be.fillUniform(b, -1, 1, 6);
  const c = be.alloc('f32', m * n);
  be.gemm(ta, tb, m, n, k, 1, a, b, 0, c); return be.view(c).slice();
}
for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) for (const [m, n, k] of [[511, 511, 16], [651, 16, 651], [129, 77, 64]]) {
  const r1 = g(b1, ta, tb, m, n, k), r2 = g(b2, ta, tb, m, n, k);
  let diff = 0; for (let i = 0; i < r1.length; i++) if (r1[i] !== r2[i]) diff++;
  console.log(`gemm(transA=${ta}, transB=${tb}, m=${m}, n=${n}, k=${k}): ${diff} elements differ between 1 and 2 threads`);
}
b1.dispose(); b2.dispose();
