import { KernelArgumentError } from '@lers/kernels/backend-kit';
import type { Buf, CompressionOps, ScratchScope, ThresholdGranularity, TtShape } from '@lers/kernels';
import type { WebGpuCore } from '../core.js';
import { bothGuards, checkIds, checkNonZero, dispatchGuarded, type Guard } from '../ids.js';
import type { KernelDef, Span } from '../wgsl/codegen.js';
import { ACTIVATION_MATH } from '../wgsl/math.js';
import { ELEMENT, elementSpans, kernel, perGroupOf, reduceSum, sumKernel, withScope } from './shared.js';

/** The rows of the QR output (width pd, or 2 pd for concat) that invocations [g0, g1) write. */
const QR_OUT: Span = (g0, g1, p) => {
  const w = p.op === 2 ? 2 * p.pd : p.pd;
  return [Math.floor(g0 / p.pd) * w, Math.ceil(g1 / p.pd) * w];
};

const QR_OPS = { mult: 0, add: 1, concat: 2 } as const;
const QR_COMBINE = kernel('qrCombine', { r: 'read', q: 'read', ids: 'read', out: 'write' }, { m: 'u32', pd: 'u32', op: 'u32' }, `
  let i = gi / P.pd;
  let c = gi - i * P.pd;
  let id = u32(ids_ld(i));
  let qi = id / P.m;
  let a = r_ld((id - qi * P.m) * P.pd + c);
  let b = q_ld(qi * P.pd + c);
  if (P.op == 0u) { out_st(gi, a * b); }
  else if (P.op == 1u) { out_st(gi, a + b); }
  else { out_st(i * 2u * P.pd + c, a); out_st(i * 2u * P.pd + P.pd + c, b); }`, undefined, { ids: perGroupOf('pd'), out: QR_OUT });
const QR_BACKWARD = kernel('qrCombineBackward', { r: 'read', q: 'read', ids: 'read', dOut: 'read', dR: 'add', dQ: 'add' }, { m: 'u32', pd: 'u32', op: 'u32' }, `
  let i = gi / P.pd;
  let c = gi - i * P.pd;
  let id = u32(ids_ld(i));
  let qi = id / P.m;
  let ra = (id - qi * P.m) * P.pd + c;
  let qa = qi * P.pd + c;
  let w = select(P.pd, 2u * P.pd, P.op == 2u);
  let g = dOut_ld(i * w + c);
  if (P.op == 0u) { dR_add(ra, g * q_ld(qa)); dQ_add(qa, g * r_ld(ra)); }
  else if (P.op == 1u) { dR_add(ra, g); dQ_add(qa, g); }
  else { dR_add(ra, g); dQ_add(qa, dOut_ld(i * w + P.pd + c)); }`, undefined, { ids: perGroupOf('pd'), dOut: QR_OUT });

/** The digit of id over radix pk with pdiv the product of the radices after it. */
const TT_DIGIT = 'fn digit(id: u32) -> u32 { return (id / P.pdiv) % P.pk; }';
const TT_PARAMS = { pdiv: 'u32', pk: 'u32', qk: 'u32', rin: 'u32', rout: 'u32', wprev: 'u32', wnext: 'u32', first: 'u32', last: 'u32' } as const;
/** T_{k+1}[i][(jp qk + jk) rout + b] = sum_a T_k[i][jp rin + a] core_k[a, i_k, jk, b]; T_0 = [1]. */
const TT_LEFT = kernel('ttLeft', { ids: 'read', core: 'read', tin: 'read', tout: 'write' }, TT_PARAMS, `
  let b = gi % P.rout;
  var t = gi / P.rout;
  let jk = t % P.qk; t = t / P.qk;
  let jp = t % P.wprev;
  let i = t / P.wprev;
  let ik = digit(u32(ids_ld(i)));
  var s = 0.0;
  for (var a = 0u; a < P.rin; a++) {
    var left = 1.0;
    if (P.first == 0u) { left = tin_ld((i * P.wprev + jp) * P.rin + a); }
    s += left * core_ld(((a * P.pk + ik) * P.qk + jk) * P.rout + b);
  }
  tout_st(gi, s);`, TT_DIGIT);
/** R_k[i][a (qk wnext) + jk wnext + jn] = sum_b core_k[a, i_k, jk, b] R_{k+1}[i][b wnext + jn]; R_K = [1]. */
const TT_RIGHT = kernel('ttRight', { ids: 'read', core: 'read', rnext: 'read', rcur: 'write' }, TT_PARAMS, `
  let jn = gi % P.wnext;
  var t = gi / P.wnext;
  let jk = t % P.qk; t = t / P.qk;
  let a = t % P.rin;
  let i = t / P.rin;
  let ik = digit(u32(ids_ld(i)));
  var s = 0.0;
  for (var b = 0u; b < P.rout; b++) {
    var right = 1.0;
    if (P.last == 0u) { right = rnext_ld((i * P.rout + b) * P.wnext + jn); }
    s += core_ld(((a * P.pk + ik) * P.qk + jk) * P.rout + b) * right;
  }
  rcur_st(gi, s);`, TT_DIGIT);
/** dCore_k[a, i_k, jk, b] += sum_{jp, jn} g[i, (jp qk + jk) wnext + jn] T_k[i][jp, a] R_{k+1}[i][b, jn]. */
const TT_GRAD = kernel('ttGrad', { ids: 'read', g: 'read', left: 'read', right: 'read', dCore: 'add' }, TT_PARAMS, `
  let b = gi % P.rout;
  var t = gi / P.rout;
  let jk = t % P.qk; t = t / P.qk;
  let a = t % P.rin;
  let i = t / P.rin;
  let ik = digit(u32(ids_ld(i)));
  let width = P.wprev * P.qk * P.wnext;
  var s = 0.0;
  for (var jp = 0u; jp < P.wprev; jp++) {
    var l = 1.0;
    if (P.first == 0u) { l = left_ld((i * P.wprev + jp) * P.rin + a); }
    var inner = 0.0;
    for (var jn = 0u; jn < P.wnext; jn++) {
      var r = 1.0;
      if (P.last == 0u) { r = right_ld((i * P.rout + b) * P.wnext + jn); }
      inner += g_ld(i * width + (jp * P.qk + jk) * P.wnext + jn) * r;
    }
    s += l * inner;
  }
  dCore_add(((a * P.pk + ik) * P.qk + jk) * P.rout + b, s);`, TT_DIGIT);

/** Exact ((a x + b) mod p) mod m by shift-and-add mod p (every step below 2^32). */
const DHE = kernel('dheEncode', { ids: 'read', a: 'read', b: 'read', p: 'read', out: 'write' }, { k: 'u32', m: 'u32' }, `
  let i = gi / P.k;
  let j = gi - i * P.k;
  let x = u32(ids_ld(i));
  let pj = p_ld(j);
  let aj = a_ld(j) % pj;
  var r = 0u;
  for (var bit = 31; bit >= 0; bit--) {
    r = r << 1u; if (r >= pj) { r -= pj; }
    if (((x >> u32(bit)) & 1u) == 1u) { r += aj; if (r >= pj) { r -= pj; } }
  }
  r += b_ld(j) % pj; if (r >= pj) { r -= pj; }
  let h = r % P.m;
  out_st(gi, div_rn(f32(2u * h), f32(P.m - 1u)) - 1.0);`, undefined, { ids: perGroupOf('k'), out: ELEMENT });

const GRANULARITY = { element: 0, row: 1, dim: 2, global: 3 } as const;
const S_INDEX = 'fn s_index(e: u32) -> u32 { let r = e / P.dim; switch P.gran { case 0u: { return e; } case 1u: { return r; } case 2u: { return e - r * P.dim; } default: { return 0u; } } }';
const SOFT_THRESHOLD = kernel('softThreshold', { w: 'read', s: 'read', out: 'write' }, { dim: 'u32', gran: 'u32' }, `
  let v = w_ld(gi);
  let t = sigm(s_ld(s_index(gi)));
  out_st(gi, sign(v) * max(abs(v) - t, 0.0));`, `${ACTIVATION_MATH}\n${S_INDEX}`, { w: ELEMENT, out: ELEMENT, s: (g0, g1, p) => (p.gran === 0 ? [g0, g1] : null) });
const THRESHOLD_TERM = `
fn term_at(e: u32) -> f32 {
  let v = w_ld(e);
  let t = sigm(s_ld(s_index(e)));
  if (!(abs(v) > t)) { return 0.0; }
  return -g_ld(e) * sign(v) * t * (1.0 - t);
}`;
const THRESHOLD_DW = kernel('softThresholdDw', { w: 'read', s: 'read', g: 'read', dW: 'write' }, { dim: 'u32', gran: 'u32' }, `
  let v = w_ld(gi);
  dW_st(gi, select(0.0, g_ld(gi), abs(v) > sigm(s_ld(s_index(gi)))));`, `${ACTIVATION_MATH}\n${S_INDEX}`, { ...elementSpans('w', 'g', 'dW'), s: (g0, g1, p) => (p.gran === 0 ? [g0, g1] : null) });
/** dS[j] += the sum of the terms of the elements that share s[j] (per element, row or column). */
const THRESHOLD_DS = kernel('softThresholdDs', { w: 'read', s: 'read', g: 'read', dS: 'write' }, { rows: 'u32', dim: 'u32', gran: 'u32' }, `
  var acc = 0.0;
  if (P.gran == 0u) { acc = term_at(gi); }
  else if (P.gran == 1u) { for (var c = 0u; c < P.dim; c++) { acc += term_at(gi * P.dim + c); } }
  else { for (var r = 0u; r < P.rows; r++) { acc += term_at(r * P.dim + gi); } }
  dS_st(gi, dS_ld(gi) + acc);`, `${ACTIVATION_MATH}\n${S_INDEX}\n${THRESHOLD_TERM}`);
const THRESHOLD_GLOBAL = sumKernel('softThresholdGlobal', { w: 'read', s: 'read', g: 'read' }, 'return term_at(i);', `${ACTIVATION_MATH}\nfn s_index(e: u32) -> u32 { return 0u; }\n${THRESHOLD_TERM}`);
const ADD_FIRST = kernel('addFirst', { x: 'read', out: 'write' }, {}, 'out_st(0u, out_ld(0u) + x_ld(0u));');

/** Radix select on |x|'s bits, 8 bits a pass from the top: histogram of the candidates, then pick the bin. */
const KTH_HISTOGRAM: KernelDef = {
  name: 'kthHistogram',
  operands: { x: 'read', state: 'read', hist: 'atomic' },
  params: { shift: 'u32', len: 'u32' },
  workgroupSize: 256,
  mode: 'groups',
  spans: { x: (g0, g1) => [g0 * 1024, g1 * 1024] },
  helpers: 'var<workgroup> local: array<atomic<u32>, 256>;',
  body: `
  atomicStore(&local[li], 0u);
  workgroupBarrier();
  let prefix = state_ld(0u);
  let mask = state_ld(1u);
  for (var e = 0u; e < 4u; e++) {
    let i = wgi * 1024u + e * 256u + li;
    if (i < P.len) {
      let b = bitcast<u32>(x_ld(i)) & 0x7fffffffu;
      if ((b & mask) == prefix) { atomicAdd(&local[(b >> P.shift) & 255u], 1u); }
    }
  }
  workgroupBarrier();
  let c = atomicLoad(&local[li]);
  if (c != 0u) { hist_aadd(li, c); }`,
};
const KTH_PICK = kernel('kthPick', { hist: 'read', state: 'write' }, { shift: 'u32' }, `
  var k = state_ld(2u);
  var bin = 0u;
  loop { if (bin == 255u) { break; } let c = hist_ld(bin); if (k <= c) { break; } k -= c; bin++; }
  state_st(0u, state_ld(0u) | (bin << P.shift));
  state_st(1u, state_ld(1u) | (255u << P.shift));
  state_st(2u, k);`);
const KTH_OUT = kernel('kthOut', { state: 'read', out: 'write' }, {}, 'out_st(0u, bitcast<f32>(state_ld(0u)));');

function product(values: readonly number[], from = 0, to = values.length): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= values[i];
  return p;
}

/** The parameters of TT pass k. */
function ttParams(shape: TtShape, k: number): Record<string, number> {
  const K = shape.p.length;
  return {
    pdiv: product(shape.p, k + 1),
    pk: shape.p[k],
    qk: shape.q[k],
    rin: shape.ranks[k],
    rout: shape.ranks[k + 1],
    wprev: product(shape.q, 0, k),
    wnext: product(shape.q, k + 1),
    first: k === 0 ? 1 : 0,
    last: k === K - 1 ? 1 : 0,
  };
}

/**
 * Compression primitives on WebGPU. QR one invocation per element; TT as a chain of passes over
 * batched intermediates (T_k: ids x prod(q[<k]) x ranks[k], and for the backward the suffix
 * products R_k), any rank; DHE exact integer hashing; kthSmallestAbs a 4-pass radix select.
 * Backward accumulations are atomic float adds.
 */
export function webgpuCompression(core: WebGpuCore): CompressionOps {
  /** T_0..T_K for the ids (T_K = the rows, written into `out` when given). */
  const leftChain = (shape: TtShape, cores: readonly Buf[], ids: Buf, guard: Guard, scope: ScratchScope, out?: Buf): Buf[] => {
    const K = shape.p.length;
    const n = ids.length;
    const t: Buf[] = [cores[0]]; // T_0 = [1] is implicit (first = 1): any f32 buffer as a placeholder binding
    for (let k = 0; k < K; k++) {
      const p = ttParams(shape, k);
      const size = n * p.wprev * p.qk * p.rout;
      const next = k === K - 1 && out ? out : scope.alloc('f32', size);
      dispatchGuarded(core, guard, TT_LEFT, { ids, core: cores[k], tin: t[k], tout: next }, p, size);
      t.push(next);
    }
    return t;
  };
  return {
    qrCombine(op, r, m, q, qRows, partDim, ids, out) {
      const guard = checkIds(core, 'qrCombine', ids, m * qRows);
      dispatchGuarded(core, guard, QR_COMBINE, { r, q, ids, out }, { m, pd: partDim, op: QR_OPS[op] }, ids.length * partDim);
    },
    qrCombineBackward(op, r, m, q, qRows, partDim, ids, dOut, dR, dQ) {
      const guard = checkIds(core, 'qrCombineBackward', ids, m * qRows);
      dispatchGuarded(core, guard, QR_BACKWARD, { r, q, ids, dOut, dR, dQ }, { m, pd: partDim, op: QR_OPS[op] }, ids.length * partDim);
    },
    ttRows(shape, cores, ids, out) {
      const guard = checkIds(core, 'ttRows', ids, product(shape.p));
      withScope(core, (scope) => leftChain(shape, cores, ids, guard, scope, out));
    },
    ttRowsBackward(shape, cores, ids, dOut, dCores) {
      const guard = checkIds(core, 'ttRowsBackward', ids, product(shape.p));
      const K = shape.p.length;
      const n = ids.length;
      if (n === 0) return;
      withScope(core, (scope) => {
        const left = leftChain(shape, cores, ids, guard, scope);
        const right: Buf[] = new Array<Buf>(K + 1);
        for (let k = K - 1; k >= 1; k--) {
          const p = ttParams(shape, k);
          const size = n * p.rin * p.qk * p.wnext;
          right[k] = scope.alloc('f32', size);
          dispatchGuarded(core, guard, TT_RIGHT, { ids, core: cores[k], rnext: right[k + 1] ?? cores[k], rcur: right[k] }, p, size);
        }
        for (let k = 0; k < K; k++) {
          const p = ttParams(shape, k);
          const size = n * p.rin * p.qk * p.rout;
          dispatchGuarded(core, guard, TT_GRAD, { ids, g: dOut, left: left[k], right: right[k + 1] ?? cores[k], dCore: dCores[k] }, p, size);
        }
      });
    },
    dheEncode(ids, a, b, p, m, out) {
      const guard = bothGuards(
        core,
        checkIds(core, 'dheEncode', ids, 2 ** 31),
        checkNonZero(core, p, (j) => new KernelArgumentError('dheEncode', `p[${j}] must be positive`)),
      );
      dispatchGuarded(core, guard, DHE, { ids, a, b, p, out }, { k: a.length, m }, ids.length * a.length);
    },
    softThreshold(w, s, rows, dim, granularity, out) {
      core.dispatch(SOFT_THRESHOLD, { w, s, out }, { dim, gran: GRANULARITY[granularity] }, rows * dim);
    },
    softThresholdBackward(w, s, rows, dim, granularity, dOut, dW, dS) {
      const gran = GRANULARITY[granularity];
      if (granularity === 'global') {
        withScope(core, (scope) => {
          const total = scope.alloc('f32', 1);
          reduceSum(core, THRESHOLD_GLOBAL, { w, s, g: dOut }, rows * dim, 1, total);
          core.dispatch(ADD_FIRST, { x: total, out: dS }, {}, 1);
        });
      } else {
        core.dispatch(THRESHOLD_DS, { w, s, g: dOut, dS }, { rows, dim, gran }, dsCount(granularity, rows, dim));
      }
      core.dispatch(THRESHOLD_DW, { w, s, g: dOut, dW }, { dim, gran }, rows * dim);
    },
    kthSmallestAbs(x, k, out) {
      withScope(core, (scope) => {
        const state = scope.alloc('u32', 3);
        core.write(state, [0, 0, k]);
        const hist = scope.alloc('u32', 4 * 256);
        for (let pass = 0; pass < 4; pass++) {
          const shift = 24 - 8 * pass;
          const bins = core.slice(hist, pass * 256, 256);
          core.dispatch(KTH_HISTOGRAM, { x, state, hist: bins }, { shift, len: x.length }, Math.ceil(x.length / 1024));
          core.dispatch(KTH_PICK, { hist: bins, state }, { shift }, 1);
        }
        core.dispatch(KTH_OUT, { state, out }, {}, 1);
      });
    },
  };
}

function dsCount(granularity: ThresholdGranularity, rows: number, dim: number): number {
  return granularity === 'element' ? rows * dim : granularity === 'row' ? rows : dim;
}

