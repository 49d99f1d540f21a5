import { createWasmBackend } from '@lers/kernels';
for (const T of [1, 2, 1, 2]) {
  const be = await createWasmBackend({ threads: T });
  const a = be.alloc('f32', 1024 * 64), b = be.alloc('f32', 64 * 1024), c = be.alloc('f32', 1024 * 1024);
  be.fillUniform(a, -1, 1, 1); be.fillUniform(b, -1, 1, 2);
  const ts: number[] = [];
  for (let i = 0; i < 50; i++) { const t = performance.now(); be.gemm(false, false, 1024, 1024, 64, 1, a, b, 0, c); ts.push(performance.now() - t); }
  ts.sort((x, y) => x - y);
  const big = be.alloc('f32', 4 << 20), big2 = be.alloc('f32', 4 << 20);
  const t2: number[] = [];
  for (let i = 0; i < 30; i++) { const t = performance.now(); be.fillUniform(big, 0, 1, i); t2.push(performance.now() - t); }
  t2.sort((x, y) => x - y);
  console.log(`threads ${T}: gemm min ${ts[0].toFixed(2)} ms median ${ts[25].toFixed(2)}; fillUniform 4M min ${t2[0].toFixed(2)}`);
  be.dispose();
}
