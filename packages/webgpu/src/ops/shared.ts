/** Kernel factories and helpers shared by the op families. */
import type { Buf, ScratchScope } from '@lers/kernels';
import type { WebGpuCore } from '../core.js';
import type { KernelDef, ParamType, Span } from '../wgsl/codegen.js';

/** Span of an operand indexed by the invocation: element gi. */
export const ELEMENT: Span = (g0, g1) => [g0, g1];
/** Span of an operand with `per` elements per invocation (a row of `param` columns, ...). */
export const rowsOf = (param: string): Span => (g0, g1, p) => [g0 * p[param], g1 * p[param]];
/** Span of an operand with one element per `param` invocations (the ids of a gather of `dim` columns). */
export const perGroupOf = (param: string): Span => (g0, g1, p) => [Math.floor(g0 / p[param]), Math.ceil(g1 / p[param])];

/** `def` with spans (see KernelDef.spans): lets an oversized call be split into ranges. */
export function withSpans(def: KernelDef, spans: Readonly<Record<string, Span>>): KernelDef {
  return { ...def, spans };
}

/** out[i] = f(x[i]) for a WGSL expression of `v`. */
export function unaryKernel(name: string, expr: string, helpers?: string): KernelDef {
  return { name, operands: { x: 'read', out: 'write' }, helpers, body: `let v = x_ld(gi); out_st(gi, ${expr});`, spans: { x: ELEMENT, out: ELEMENT } };
}

/** dx[i] = f(a[i], dy[i]) for a WGSL expression of `v` (the forward input or output) and `g`. */
export function backwardKernel(name: string, expr: string, helpers?: string): KernelDef {
  return { name, operands: { a: 'read', dy: 'read', dx: 'write' }, helpers, body: `let v = a_ld(gi); let g = dy_ld(gi); dx_st(gi, ${expr});`, spans: { a: ELEMENT, dy: ELEMENT, dx: ELEMENT } };
}

/** Elements a reduction workgroup sums (256 invocations x 4). */
const REDUCE_SPAN = 1024;

/**
 * A first-level sum kernel: workgroup g writes out[g] = scale * sum of term(i) over its span of
 * [0, len), a fixed-shape tree (deterministic). `term` is a WGSL function body returning f32.
 */
export function sumKernel(name: string, operands: Readonly<Record<string, 'read'>>, term: string, helpers = ''): KernelDef {
  const spans: Record<string, Span> = { out: ELEMENT };
  for (const x of Object.keys(operands)) spans[x] = (g0, g1) => [g0 * REDUCE_SPAN, g1 * REDUCE_SPAN];
  return {
    name,
    spans,
    operands: { ...operands, out: 'write' },
    params: { len: 'u32', scale: 'f32' },
    workgroupSize: 256,
    mode: 'groups',
    helpers: `${helpers}
var<workgroup> red: array<f32, 256>;
fn term(i: u32) -> f32 { ${term} }`,
    body: `
  let base = wgi * ${REDUCE_SPAN}u;
  var s = 0.0;
  for (var e = 0u; e < 4u; e++) { let i = base + e * 256u + li; if (i < P.len) { s += term(i); } }
  red[li] = s;
  workgroupBarrier();
  for (var st = 128u; st > 0u; st = st >> 1u) { if (li < st) { red[li] += red[li + st]; } workgroupBarrier(); }
  if (li == 0u) { out_st(wgi, red[0] * P.scale); }`,
  };
}

const PARTIALS = sumKernel('sumPartials', { x: 'read' }, 'return x_ld(i);');

/**
 * out[0] = scale * sum_i term(i), i < len: per-workgroup partial sums, then sums of the partials,
 * until one is left (scratch partials freed at the end). len = 0 gives 0.
 */
export function reduceSum(core: WebGpuCore, kernel: KernelDef, operands: Readonly<Record<string, Buf>>, len: number, scale: number, out: Buf<'f32'>): void {
  withScope(core, (scope) => {
    let groups = Math.max(1, Math.ceil(len / REDUCE_SPAN));
    let target = groups === 1 ? core.slice(out, 0, 1) : scope.alloc('f32', groups);
    core.dispatch(kernel, { ...operands, out: target }, { len, scale: groups === 1 ? scale : 1 }, groups);
    while (groups > 1) {
      const n = groups;
      groups = Math.ceil(n / REDUCE_SPAN);
      const next = groups === 1 ? core.slice(out, 0, 1) : scope.alloc('f32', groups);
      core.dispatch(PARTIALS, { x: target, out: next }, { len: n, scale: groups === 1 ? scale : 1 }, groups);
      target = next;
    }
  });
}

/** Runs `body` with a scratch scope released afterwards (buffers are destroyed after the next submit). */
export function withScope<T>(core: WebGpuCore, body: (scope: ScratchScope) => T): T {
  const scope = core.scope();
  try {
    return body(scope);
  } finally {
    scope.release();
  }
}

/** A kernel over `count` invocations with the given operands and parameters. */
export function kernel(name: string, operands: KernelDef['operands'], params: Readonly<Record<string, ParamType>>, body: string, helpers?: string, spans?: Readonly<Record<string, Span>>): KernelDef {
  return { name, operands, params, body, helpers, spans };
}

/** Every operand spanned element by element (element-wise kernels). */
export function elementSpans(...names: string[]): Record<string, Span> {
  return Object.fromEntries(names.map((x) => [x, ELEMENT]));
}
