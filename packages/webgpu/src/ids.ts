/**
 * Checks of kernel arguments that live in buffers (ids, bag offsets, hash moduli). The contract:
 * a bad value throws before anything is written. When every write to the buffer came from the
 * host, its shadow (GpuStorage.shadow) is checked at once and the error thrown synchronously,
 * exactly as on the host backends. Otherwise (ids a kernel produced) a check kernel records the
 * first bad position in an error slot, the op's kernels are the guarded variants that return
 * without writing when the slot is set, and the next read/sync raises DeferredKernelError.
 */
import type { Buf } from '@lers/kernels';
import { badBagOffsets, idOutOfRange } from '@lers/kernels/backend-kit';
import type { ErrorSlot, WebGpuCore } from './core.js';
import type { KernelDef } from './wgsl/codegen.js';

/** A device-side check an op must respect (null: checked on the host). */
export type Guard = ErrorSlot | null;

const CHECK_RANGE: KernelDef = {
  name: 'checkRange',
  operands: { ids: 'read', errs: 'atomic' },
  params: { rows: 'u32', slot: 'u32' },
  body: 'let v = ids_ld(gi); if (v < 0 || u32(v) >= P.rows) { errs_amin(P.slot * 2u, gi); }',
};

const CHECK_OFFSETS: KernelDef = {
  name: 'checkOffsets',
  operands: { ids: 'read', errs: 'atomic' },
  params: { count: 'i32', last: 'u32', slot: 'u32' },
  body: `let v = ids_ld(gi);
  var bad = (gi == 0u && v != 0) || (gi == P.last && v != P.count);
  if (gi > 0u) { bad = bad || v < ids_ld(gi - 1u); }
  if (bad) { errs_amin(P.slot * 2u, gi); }`,
};

const CHECK_NONZERO: KernelDef = {
  name: 'checkNonZero',
  operands: { ids: 'read', errs: 'atomic' },
  params: { slot: 'u32' },
  body: 'if (ids_ld(gi) == 0u) { errs_amin(P.slot * 2u, gi); }',
};

/** Copies the value at the recorded position next to it (for the error message). */
const RECORD_VALUE: KernelDef = {
  name: 'recordValue',
  operands: { ids: 'read', errs: 'atomic' },
  params: { slot: 'u32' },
  body: 'let p = errs_ald(P.slot * 2u); if (p != NONE) { errs_ast(P.slot * 2u + 1u, bitcast<u32>(ids_ld(p))); }',
};

/** Checks 0 <= ids[i] < rows (see the module comment). */
export function checkIds(core: WebGpuCore, op: string, ids: Buf, rows: number): Guard {
  const h = core.handle(ids);
  const shadow = h.storage.shadow;
  if (shadow) {
    for (let i = 0; i < h.length; i++) {
      const v = shadow[h.offset + i];
      if (v < 0 || v >= rows) throw idOutOfRange(op, i, v, rows);
    }
    return null;
  }
  return deviceCheck(core, CHECK_RANGE, h, { rows: Math.min(rows, 0xffffffff) }, (at, v) => idOutOfRange(op, at, v, rows));
}

/** Checks that bag offsets rise from 0 to idCount (the first offending entry is reported). */
export function checkOffsets(core: WebGpuCore, op: string, offsets: Buf, idCount: number): Guard {
  const h = core.handle(offsets);
  const shadow = h.storage.shadow;
  const last = h.length - 1;
  if (shadow) {
    const at = (i: number) => shadow[h.offset + i];
    if (at(0) !== 0) throw badBagOffsets(op, 0, at(0), idCount);
    for (let b = 1; b <= last; b++) if (at(b) < at(b - 1)) throw badBagOffsets(op, b, at(b), idCount);
    if (at(last) !== idCount) throw badBagOffsets(op, last, at(last), idCount);
    return null;
  }
  return deviceCheck(core, CHECK_OFFSETS, h, { count: idCount, last }, (at, v) => badBagOffsets(op, at, v, idCount));
}

/** Checks that every value is non-zero; `error(position)` is what a zero means. */
export function checkNonZero(core: WebGpuCore, values: Buf<'u32'>, error: (position: number) => Error): Guard {
  const h = core.handle(values);
  const shadow = h.storage.shadow;
  if (shadow) {
    for (let i = 0; i < h.length; i++) if (shadow[h.offset + i] === 0) throw error(i);
    return null;
  }
  return deviceCheck(core, CHECK_NONZERO, h, {}, (at) => error(at));
}

function deviceCheck(core: WebGpuCore, def: KernelDef, values: Buf, params: Record<string, number>, describe: (at: number, value: number) => Error): Guard {
  if (values.length === 0) return null;
  const slot = core.errorSlot(describe);
  core.dispatch(def, { ids: values, errs: slot.errs }, { ...params, slot: slot.slot }, values.length);
  core.dispatch(RECORD_VALUE, { ids: values, errs: slot.errs }, { slot: slot.slot }, 1);
  return slot;
}

/** Marks slot `to` failed when slot `from` failed (its own message is never reported then). */
const MERGE: KernelDef = {
  name: 'mergeGuards',
  operands: { from: 'read', errs: 'atomic' },
  params: { fromSlot: 'u32', slot: 'u32' },
  body: 'if (from_ld(P.fromSlot * 2u) != NONE) { errs_amin(P.slot * 2u, 0u); }',
};

/**
 * One guard for two checks made in this order: the op writes nothing if either failed, and the
 * first one's error is the one reported (pending checks are reported in the order they were made).
 */
export function bothGuards(core: WebGpuCore, first: Guard, second: Guard): Guard {
  if (!first || !second) return first ?? second;
  core.dispatch(MERGE, { from: first.errs, errs: second.errs }, { fromSlot: first.slot, slot: second.slot }, 1);
  return second;
}

const guardedVariants = new WeakMap<KernelDef, KernelDef>();

/** `def`, or for a device-side check its variant that writes nothing when the check failed. */
function guardedKernel(def: KernelDef): KernelDef {
  let g = guardedVariants.get(def);
  if (!g) {
    g = {
      ...def,
      name: `${def.name}+guard`,
      operands: { ...def.operands, errs: 'read' },
      params: { ...def.params, slot: 'u32' },
      body: `if (errs_ld(P.slot * 2u) != NONE) { return; }\n${def.body}`,
    };
    guardedVariants.set(def, g);
  }
  return g;
}

/** Dispatches `def`, guarded by a device-side check when there is one. */
export function dispatchGuarded(core: WebGpuCore, guard: Guard, def: KernelDef, operands: Readonly<Record<string, Buf>>, params: Readonly<Record<string, number>>, count: number): void {
  if (!guard) core.dispatch(def, operands, params, count);
  else core.dispatch(guardedKernel(def), { ...operands, errs: guard.errs }, { ...params, slot: guard.slot }, count);
}
