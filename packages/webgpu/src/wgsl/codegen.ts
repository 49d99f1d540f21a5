/**
 * WGSL generation for one kernel: a uniform parameter block, one storage binding per page of each
 * operand, and accessor functions (`x_ld(i)`, `x_st(i, v)`, ...) that hide paging, slice offsets
 * and sub-word element types from the kernel bodies.
 */
import type { DType } from '@lers/kernels';

/**
 * How a kernel uses an operand:
 * - read: `x_ld(i)` (f32, i32, u32; i8/i16 sign-extended to i32, u8/u16 to u32, f16 decoded to f32
 *   with `x_bits(i)` for the raw half); u8 also `x_word(i)`, 4 bytes from byte i at any alignment.
 * - write: read plus `x_st(i, v)` (f16 takes the half's bits; sub-word stores are atomic on their
 *   bits, so neighbouring elements can be written by other invocations) and, for u8, `x_stword(i, w)`.
 * - add: f32 only, read plus `x_add(i, v)`: an atomic float add (compare-exchange loop).
 * - atomic: i32/u32 only, `x_ald`, `x_ast`, `x_amin`, `x_amax`, `x_aadd`.
 */
export type Access = 'read' | 'write' | 'add' | 'atomic';

export type ParamType = 'u32' | 'i32' | 'f32';

/** A kernel: its operands, parameters and WGSL body. */
export interface KernelDef {
  readonly name: string;
  readonly operands: Readonly<Record<string, Access>>;
  readonly params?: Readonly<Record<string, ParamType>>;
  /** Invocations per workgroup (1-D); default 64. */
  readonly workgroupSize?: number;
  /**
   * 'threads' (default): the body runs for gi in [0, count) (gi = global invocation index);
   * 'groups': count workgroups, the body sees wgi (workgroup index) and li (local index) and may
   * use barriers.
   */
  readonly mode?: 'threads' | 'groups';
  /** Module-scope WGSL: helper functions, `var<workgroup>` declarations, constants. */
  readonly helpers?: string;
  readonly body: string;
  /**
   * Operands that an invocation range touches only in part: for invocations (or workgroups)
   * [g0, g1), the element range [e0, e1) of the operand (null: all of it). When the pages of a
   * whole call do not fit in the device's storage bindings, the call is split into ranges whose
   * pages do; operands without a span are bound whole.
   */
  readonly spans?: Readonly<Record<string, Span>>;
}

/** The element range an invocation range [g0, g1) touches, given the call's parameters. */
export type Span = (g0: number, g1: number, params: Readonly<Record<string, number>>) => readonly [number, number] | null;

/**
 * How one call binds its operands: each distinct page gets one variable (operands that share a
 * buffer share its variables: WebGPU forbids binding a buffer twice when one binding writes it),
 * atomic when any operand on it needs atomics.
 */
export interface BindingPlan {
  readonly operands: Readonly<Record<string, { readonly dtype: DType; readonly vars: readonly string[] }>>;
  readonly vars: readonly { readonly name: string; readonly writable: boolean; readonly atomic: boolean; readonly dtype: DType }[];
}

const SHIFT: Readonly<Record<DType, number>> = { f32: 0, i32: 0, u32: 0, f16: 1, i16: 1, u16: 1, i8: 2, u8: 2 };

/** log2 of the elements per 32-bit word of a dtype. */
export function elementShift(dtype: DType): number {
  return SHIFT[dtype];
}

/** Does this access need the operand's words declared atomic? */
export function needsAtomic(dtype: DType, access: Access): boolean {
  return access === 'add' || access === 'atomic' || (access === 'write' && SHIFT[dtype] > 0);
}

/** The 32-bit word a dtype is stored in: f32 and i32 as themselves, everything else in u32 words. */
export function wordType(dtype: DType): 'f32' | 'i32' | 'u32' {
  return dtype === 'f32' || dtype === 'i32' ? dtype : 'u32';
}

function varType(dtype: DType, atomic: boolean): string {
  const word = wordType(dtype);
  if (!atomic) return word;
  return word === 'i32' ? 'atomic<i32>' : 'atomic<u32>';
}

/** Statements that run `stmt` on word `w` (relative to the first bound page) of an operand. */
function paged(vars: readonly string[], stmt: (ref: string) => string): string {
  if (vars.length === 1) return stmt(`${vars[0]}[w]`);
  const cases = vars.map((v, p) => `${p === vars.length - 1 ? 'default' : `case ${p}u`}: { ${stmt(`${v}[o]`)} }`);
  return `let pg = w / PW; let o = w - pg * PW; switch pg { ${cases.join(' ')} }`;
}

/**
 * The accessor functions of one operand whose variables hold `varWord` words (its own word type,
 * or u32 when it shares them with an operand of another word type: then loads and stores bitcast).
 */
function accessors(x: string, dtype: DType, vars: readonly string[], atomic: boolean, access: Access, varWord: 'f32' | 'i32' | 'u32'): string {
  const shift = SHIFT[dtype];
  const out: string[] = [];
  const word = wordType(dtype);
  // The variable's element as this operand's word (atomic variables hold u32 or i32 words).
  const stored = atomic ? (varWord === 'i32' ? 'i32' : 'u32') : varWord;
  const asWord = (v: string) => (stored === word ? v : `bitcast<${word}>(${v})`);
  const asStored = (v: string) => (stored === word ? v : `bitcast<${stored}>(${v})`);
  const load = (ref: string) => asWord(atomic ? `atomicLoad(&${ref})` : ref);
  const store = (ref: string, v: string) => (!atomic ? `${ref} = ${asStored(v)};` : `atomicStore(&${ref}, ${asStored(v)});`);
  if (access === 'atomic' && stored !== wordType(dtype)) throw new Error(`operand ${x}: atomics on ${dtype} elements cannot share a buffer with another word type`);
  if (access === 'atomic') {
    const t = dtype === 'i32' ? 'i32' : 'u32';
    out.push(`fn ${x}_ald(i: u32) -> ${t} { let w = P.${x}_b + i; ${paged(vars, (r) => `return atomicLoad(&${r});`)} }`);
    out.push(`fn ${x}_ast(i: u32, v: ${t}) { let w = P.${x}_b + i; ${paged(vars, (r) => `atomicStore(&${r}, v);`)} }`);
    for (const op of ['Min', 'Max', 'Add', 'Or'] as const) {
      out.push(`fn ${x}_a${op.toLowerCase()}(i: u32, v: ${t}) -> ${t} { let w = P.${x}_b + i; ${paged(vars, (r) => `return atomic${op}(&${r}, v);`)} }`);
    }
    return out.join('\n');
  }
  if (shift === 0) {
    out.push(`fn ${x}_ld(i: u32) -> ${word} { let w = P.${x}_b + i; ${paged(vars, (r) => `return ${load(r)};`)} }`);
    out.push(`fn ${x}_cp(i: u32) -> ${word} { return ${x}_ld(i); }`);
    if (access === 'write' || access === 'add') out.push(`fn ${x}_st(i: u32, v: ${word}) { let w = P.${x}_b + i; ${paged(vars, (r) => store(r, 'v'))} }`);
    if (access === 'add') {
      out.push(
        `fn ${x}_add(i: u32, v: f32) { let w = P.${x}_b + i; ${paged(vars, (r) => `loop { let old = atomicLoad(&${r}); let res = atomicCompareExchangeWeak(&${r}, old, ${asStored('bitcast<f32>(old) + v')}); if (res.exchanged) { break; } }`)} }`,
      );
    }
    return out.join('\n');
  }
  // Sub-word dtypes: words of 2 or 4 elements.
  const bits = 32 >> shift;
  const mask = bits === 16 ? '0xffffu' : '0xffu';
  out.push(`fn ${x}_w(w: u32) -> u32 { ${paged(vars, (r) => `return ${load(r)};`)} }`);
  out.push(`fn ${x}_raw(i: u32) -> u32 { let e = P.${x}_b + i; return (${x}_w(e >> ${shift}u) >> ((e & ${(1 << shift) - 1}u) * ${bits}u)) & ${mask}; }`);
  const signed = dtype === 'i8' || dtype === 'i16';
  if (dtype === 'f16') {
    out.push(`fn ${x}_bits(i: u32) -> u32 { return ${x}_raw(i); }`);
    out.push(`fn ${x}_ld(i: u32) -> f32 { return f16_to_f32(${x}_raw(i)); }`);
  } else if (signed) {
    out.push(`fn ${x}_ld(i: u32) -> i32 { return (bitcast<i32>(${x}_raw(i)) << ${32 - bits}u) >> ${32 - bits}u; }`);
  } else {
    out.push(`fn ${x}_ld(i: u32) -> u32 { return ${x}_raw(i); }`);
  }
  out.push(`fn ${x}_cp(i: u32) -> ${signed ? 'i32' : 'u32'} { return ${dtype === 'f16' ? `${x}_raw(i)` : `${x}_ld(i)`}; }`);
  if (dtype === 'u8') {
    out.push(
      `fn ${x}_word(i: u32) -> u32 { let e = P.${x}_b + i; let s = (e & 3u) * 8u; let lo = ${x}_w(e >> 2u); if (s == 0u) { return lo; } return (lo >> s) | (${x}_w((e >> 2u) + 1u) << (32u - s)); }`,
    );
  }
  if (access === 'write') {
    out.push(
      `fn ${x}_st(i: u32, v: ${signed ? 'i32' : 'u32'}) { let e = P.${x}_b + i; let w = e >> ${shift}u; let s = (e & ${(1 << shift) - 1}u) * ${bits}u; let b = (bitcast<u32>(v) & ${mask}) << s; ${paged(vars, (r) => `atomicAnd(&${r}, ~(${mask} << s)); atomicOr(&${r}, b);`)} }`,
    );
    if (dtype === 'u8') {
      out.push(
        `fn ${x}_stword(i: u32, v: u32) { let e = P.${x}_b + i; if ((e & 3u) == 0u) { let w = e >> 2u; ${paged(vars, (r) => `atomicStore(&${r}, v);`)} } else { for (var k = 0u; k < 4u; k++) { ${x}_st(i + k, (v >> (8u * k)) & 0xffu); } } }`,
      );
    }
  }
  return out.join('\n');
}

/** The full WGSL module of a kernel for a binding plan. */
export function generateWgsl(def: KernelDef, plan: BindingPlan, pageWords: number, lib: string): string {
  const wg = def.workgroupSize ?? 64;
  const fields = ['_n: u32', '_g0: u32'];
  for (const x of Object.keys(def.operands)) fields.push(`${x}_b: u32`);
  for (const [p, t] of Object.entries(def.params ?? {})) fields.push(`${p}: ${t}`);
  const lines = [`const PW: u32 = ${pageWords}u;`, `const WG: u32 = ${wg}u;`, `struct Params { ${fields.join(', ')} }`, '@group(0) @binding(0) var<uniform> P: Params;'];
  plan.vars.forEach((v, i) => {
    lines.push(`@group(0) @binding(${i + 1}) var<storage, ${v.writable ? 'read_write' : 'read'}> ${v.name}: array<${varType(v.dtype, v.atomic)}>;`);
  });
  lines.push(lib);
  const varOf = new Map(plan.vars.map((v) => [v.name, v]));
  for (const [x, access] of Object.entries(def.operands)) {
    const o = plan.operands[x];
    const v = varOf.get(o.vars[0]);
    lines.push(accessors(x, o.dtype, o.vars, v?.atomic ?? false, access, wordType(v?.dtype ?? o.dtype)));
  }
  if (def.helpers) lines.push(def.helpers);
  const guard = def.mode === 'groups' ? 'if (wgi >= P._n) { return; }' : 'let gi = P._g0 + (wid.y * nwg.x + wid.x) * WG + li; if (gi >= P._n) { return; }';
  lines.push(
    `@compute @workgroup_size(${wg}) fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {`,
    `  let wgi = ${def.mode === 'groups' ? 'P._g0 + ' : ''}wid.y * nwg.x + wid.x; ${guard}`,
    def.body,
    '}',
  );
  return lines.join('\n');
}

/** Bytes of the uniform block: 4 per field, rounded up to 16. */
export function paramBytes(def: KernelDef): number {
  const fields = 2 + Object.keys(def.operands).length + Object.keys(def.params ?? {}).length;
  return Math.ceil((fields * 4) / 16) * 16;
}
