import { createWasmBackend, type HostBackend } from '@lers/kernels';
const b1 = await createWasmBackend({ threads: 1 }), b2 = await createWasmBackend({ threads: 2 });
function run(be: HostBackend, m: number, d: number): Record<string, Float32Array> {
  const x = be.alloc('f32', m * d); be.fillUniform(x, -1, 1, 5);
  const s = be.alloc('f32', m * m), dz = be.alloc('f32', m * d), n = be.alloc('f32', m), l = be.alloc('f32', m);
  const out: Record<string, Float32Array> = {};
  be.rowL2Norm(m, d, x, n); out.norm = be.view(n).slice();
  be.gemm(false, true, m, m, d, 5, x, x, 0, s); out.gemmNT = be.view(s).slice();
  be.logSumExp(m, m, s, l); out.lse = be.view(l).slice();
  be.softmax(m, m, s, s); out.softmax = be.view(s).slice();
  be.gemm(false, false, m, d, m, 5, s, x, 0, dz); out.gemmNN = be.view(dz).slice();
  be.gemm(true, false, m, d, m, 5, s, x, 1, dz); out.gemmTN = be.view(dz).slice();
  return out;
}
for (const m of [37, 129, 511, 651, 699, 1000]) { const d = 16;
const r1 = run(b1, m, d), r2 = run(b2, m, d);
for (const k of Object.keys(r1)) { let diff = 0; for (let i = 0; i < r1[k].length; i++) if (r1[k][i] !== r2[k][i]) diff++; console.log(m, k, diff); }
}
b1.dispose(); b2.dispose();
