import { createWasmBackend } from '@lers/kernels';
const T = Number(process.argv[2]);
const be = await createWasmBackend({ threads: T });
const n = 19273, d = 64;
const x = be.alloc('f32', n * d), y = be.alloc('f32', n * d);
be.fillUniform(x, -1, 1, 1);
const perm = new Int32Array(n); for (let i = 0; i < n; i++) perm[i] = (i * 2) % n + ((i * 2) >= n ? 1 : 0);
const ids = be.upload('i32', perm);
const iota = be.upload('i32', Int32Array.from({ length: n }, (_, i) => i));
function t(name: string, f: () => void) { const ts: number[] = []; for (let i = 0; i < 200; i++) { const s = performance.now(); f(); ts.push(performance.now() - s); } ts.sort((a, b) => a - b); console.log(T, name.padEnd(14), 'min', ts[0].toFixed(3), 'p25', ts[50].toFixed(3)); }
t('copy', () => be.copy(x, y));
t('gather iota', () => be.gather(x, n, d, iota, y));
t('gather perm', () => be.gather(x, n, d, ids, y));
be.dispose();
