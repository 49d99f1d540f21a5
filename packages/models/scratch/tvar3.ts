import { createWasmBackend, type HostBackend } from '@lers/kernels';
const b1 = await createWasmBackend({ threads: 1 }), b2 = await createWasmBackend({ threads: 2 });
function g(be: HostBackend, same: boolean, m: number, k: number, alpha: number): Float32Array {
  const a = be.alloc('f32', m * k); be.fillUniform(a, -1, 1, 5);
  const b = same ? a : be.upload('f32', be.view(a));
  const c = be.alloc('f32', m * m);
  be.gemm(false, true, m, m, k, alpha, a, b, 0, c); return be.view(c).slice();
}
for (const same of [false, true]) for (const alpha of [1, 5]) for (const m of [511, 700]) {
  const r1 = g(b1, same, m, 16, alpha), r2 = g(b2, same, m, 16, alpha), r1b = g(b1, same, m, 16, alpha);
  let diff = 0, self = 0; for (let i = 0; i < r1.length; i++) { if (r1[i] !== r2[i]) diff++; if (r1[i] !== r1b[i]) self++; }
  console.log(`A ${same ? 'is' : 'is not'} B, alpha ${alpha}, m ${m}: ${diff} differ 1t vs 2t; ${self} differ 1t vs 1t`);
}
b1.dispose(); b2.dispose();
