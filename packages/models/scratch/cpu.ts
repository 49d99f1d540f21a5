import { createWasmBackend } from '@lers/kernels';
for (const T of [1, 2]) {
  const be = await createWasmBackend({ threads: T });
  const a = be.alloc('f32', 1024 * 64), b = be.alloc('f32', 64 * 1024), c = be.alloc('f32', 1024 * 1024);
  const u0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < 200; i++) be.gemm(false, false, 1024, 1024, 64, 1, a, b, 0, c);
  const wall = performance.now() - t0; const u = process.cpuUsage(u0);
  console.log(`threads ${T}: wall ${wall.toFixed(0)} ms, cpu user ${(u.user / 1000).toFixed(0)} ms`);
  be.dispose();
}
