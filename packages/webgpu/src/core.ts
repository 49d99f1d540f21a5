import type { BackendKind, Buf, DType, ScratchScope, TypedArrayFor } from '@lers/kernels';
import { BYTES_PER_ELEMENT } from '@lers/kernels';
import { checkAllocLength, checkReinterpret, checkSlice, newBackendId, ownedHandle, scratchScope, TYPED_CTOR } from '@lers/kernels/backend-kit';
import { GpuBuf, GpuStorage, isShadowed } from './buffer.js';
import type { AcquiredDevice } from './device.js';
import { DeferredKernelError, WebGpuDeviceLostError, WebGpuLimitError, WebGpuValidationError } from './errors.js';
import { elementShift, generateWgsl, needsAtomic, paramBytes, wordType, type BindingPlan, type KernelDef } from './wgsl/codegen.js';
import { WGSL_LIB } from './wgsl/lib.js';

/** Integer buffers up to this many elements keep a host shadow (ids checked on the host). */
const SHADOW_MAX = 1 << 22;
/** Bytes of the uniform arena: parameter blocks of the dispatches recorded between two submits. */
const ARENA_BYTES = 1 << 20;
/** Most error slots per error buffer (slot = [first bad position, its value]); fewer if a page is smaller. */
const MAX_ERROR_SLOTS = 1024;
/**
 * The WebGPU flag values (fixed by the spec), so that this module does not need the GPU* globals
 * at load time (Node has them only once Dawn is loaded).
 */
const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 } as const;
const MAP_READ = 1;
const COMPUTE_STAGE = 4;
const STORAGE_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;

/** A device-side argument check waiting for the next read/sync: which slot, and the error it means. */
interface PendingCheck {
  readonly buffer: GPUBuffer;
  readonly slot: number;
  readonly describe: (position: number, value: number) => Error;
}

/** One slot of an error buffer, handed to the check kernels (a u32 buffer of this backend). */
export interface ErrorSlot {
  readonly errs: GpuBuf<'u32'>;
  readonly slot: number;
}

/** Options of the core that are not about acquiring the device. */
export interface CoreOptions {
  /**
   * Cap on the bytes of one storage binding (and so of one page of a buffer); default and maximum:
   * the device's maxStorageBufferBindingSize and maxBufferSize. A small cap makes every buffer
   * larger than it take the chunked path (tests do this; browsers do not let a device's limits be
   * lowered below the defaults).
   */
  readonly maxBindingBytes?: number;
}

/**
 * Buffer management, command recording and kernel dispatch of the WebGPU backend. Kernels are
 * recorded into one command encoder and submitted together at `read`, `sync`, or when the
 * parameter arena fills up; nothing reads back except `read` (and the error checks it carries).
 */
export class WebGpuCore {
  readonly kind: BackendKind = 'webgpu';
  readonly id = newBackendId();
  readonly threads = 1;
  readonly device: GPUDevice;
  /** Bytes of one page of a buffer: the largest binding (a multiple of 256). */
  readonly pageBytes: number;
  private readonly acquired: AcquiredDevice;
  private readonly storages = new Set<GpuStorage>();
  private readonly pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly arena: GPUBuffer;
  private readonly arenaHost = new ArrayBuffer(ARENA_BYTES);
  private arenaUsed = 0;
  private readonly uniformAlign: number;
  /** Buffers to destroy once the commands recorded so far are submitted. */
  private doomed: GPUBuffer[] = [];
  private errorBuffer: GpuBuf<'u32'> | null = null;
  private errorNext = 0;
  /** Error slots per error buffer: one page holds them all. */
  private readonly errorSlots: number;
  private pendingChecks: PendingCheck[] = [];
  private lostError: WebGpuDeviceLostError | null = null;
  private readonly lostPromise: Promise<never>;
  private gpuError: string | null = null;
  private disposed = false;

  constructor(acquired: AcquiredDevice, options: CoreOptions = {}) {
    this.acquired = acquired;
    this.device = acquired.device;
    const limits = this.device.limits;
    const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, options.maxBindingBytes ?? Infinity);
    this.pageBytes = Math.floor(cap / 256) * 256;
    if (this.pageBytes < 256) throw new RangeError(`maxBindingBytes must be at least 256, got ${options.maxBindingBytes}`);
    this.uniformAlign = Math.max(256, limits.minUniformBufferOffsetAlignment);
    this.errorSlots = Math.min(MAX_ERROR_SLOTS, this.pageBytes / 8);
    this.arena = this.device.createBuffer({ size: ARENA_BYTES, usage: USAGE.UNIFORM | USAGE.COPY_DST, label: 'lers params' });
    this.lostPromise = this.device.lost.then((info) => {
      this.lostError = new WebGpuDeviceLostError(info.reason ?? 'unknown', info.message);
      throw this.lostError;
    });
    this.lostPromise.catch(() => undefined); // observed where awaited; never an unhandled rejection
    this.device.addEventListener('uncapturederror', (event) => {
      this.gpuError ??= (event).error.message;
    });
  }

  /** Bytes of the buffers allocated and not yet freed (the uniform arena aside). */
  get liveBytes(): number {
    let bytes = 0;
    for (const s of this.storages) bytes += s.byteLength;
    return bytes;
  }

  /** The adapter's description. */
  get adapterDescription(): string {
    return this.acquired.description;
  }

  /** The handle behind a buffer of this backend (checks ownership and liveness). */
  handle<D extends DType>(buf: Buf<D>): GpuBuf<D> {
    return ownedHandle(buf, this.id, GpuBuf);
  }

  // ---- buffers ----

  alloc<D extends DType>(dtype: D, length: number): GpuBuf<D> {
    this.alive();
    checkAllocLength(length);
    const bytes = length * BYTES_PER_ELEMENT[dtype];
    const pages: GPUBuffer[] = [];
    for (let at = 0; at === 0 || at < bytes; at += this.pageBytes) {
      pages.push(this.device.createBuffer({ size: align4(Math.max(4, Math.min(this.pageBytes, bytes - at))), usage: STORAGE_USAGE }));
    }
    const storage = new GpuStorage(pages, bytes, this.pageBytes);
    if (isShadowed(dtype) && length <= SHADOW_MAX) storage.shadow = new TYPED_CTOR[dtype](new ArrayBuffer(bytes), 0, length) as Int32Array | Uint32Array;
    this.storages.add(storage);
    return new GpuBuf(dtype, length, this.id, null, storage, 0);
  }

  upload<D extends DType>(dtype: D, data: ArrayLike<number>): GpuBuf<D> {
    const buf = this.alloc(dtype, data.length);
    this.write(buf, data);
    return buf;
  }

  /** The host shadow of an id buffer (all its writes came from the host), or null (see Backend.knownIds). */
  knownIds(ids: Buf<'i32'>): Int32Array | null {
    const h = this.handle(ids);
    const shadow = h.storage.shadow;
    return shadow === null ? null : new Int32Array(shadow.buffer, shadow.byteOffset + 4 * h.offset, h.length);
  }

  write(buf: Buf, data: ArrayLike<number>, offset = 0): void {
    const h = this.handle(buf);
    this.alive();
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > h.length) {
      throw new RangeError(`write of ${data.length} elements at ${offset} overflows a ${buf.dtype}[${buf.length}] buffer`);
    }
    if (data.length === 0) return;
    const typed = toTyped(h.dtype, data);
    const shadow = h.storage.shadow;
    if (shadow) shadow.set(typed, h.offset + offset);
    const bpe = BYTES_PER_ELEMENT[h.dtype];
    const start = h.byteOffset + offset * bpe;
    const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    if (start % 4 === 0 && bytes.length % 4 === 0) {
      this.copyIn(h.storage, start, bytes);
    } else {
      // A sub-word range that does not start or end on a word: stage it, then a kernel stores
      // its elements bit-exactly into the words they share with their neighbours.
      const staged = this.alloc(h.dtype, data.length);
      this.copyIn(staged.storage, 0, padded4(bytes));
      this.dispatch(COPY_KERNEL, { src: staged, dst: this.slice(h, offset, data.length) }, {}, data.length);
      this.free(staged);
    }
  }

  /** Records a copy of host bytes (4-byte aligned, length a multiple of 4) into a storage from byte `start`. */
  private copyIn(storage: GpuStorage, start: number, bytes: Uint8Array): void {
    const enc = this.copyEncoder();
    for (const piece of pieces(storage, start, start + bytes.length)) {
      const staging = this.device.createBuffer({ size: piece.size, usage: USAGE.COPY_SRC, mappedAtCreation: true });
      new Uint8Array(staging.getMappedRange()).set(bytes.subarray(piece.at - start, piece.at - start + piece.size));
      staging.unmap();
      enc.copyBufferToBuffer(staging, 0, storage.pages[piece.page], piece.offset, piece.size);
      this.doomed.push(staging);
    }
  }

  async read<D extends DType>(buf: Buf<D>): Promise<TypedArrayFor[D]> {
    const h = this.handle(buf);
    this.alive();
    const start = h.byteOffset;
    const a0 = start - (start % 4);
    const a1 = align4(start + h.byteLength);
    const enc = this.copyEncoder();
    const stagings: { buffer: GPUBuffer; at: number }[] = [];
    if (a1 > a0) {
      for (const piece of pieces(h.storage, a0, a1)) {
        const staging = this.device.createBuffer({ size: piece.size, usage: USAGE.MAP_READ | USAGE.COPY_DST });
        enc.copyBufferToBuffer(h.storage.pages[piece.page], piece.offset, staging, 0, piece.size);
        stagings.push({ buffer: staging, at: piece.at - a0 });
      }
    }
    const checks = this.recordErrorReadback(enc);
    this.flush();
    const host = new Uint8Array(a1 - a0);
    try {
      await this.guard(Promise.all(stagings.map((s) => s.buffer.mapAsync(MAP_READ))));
      for (const s of stagings) host.set(new Uint8Array(s.buffer.getMappedRange()), s.at);
    } finally {
      for (const s of stagings) s.buffer.destroy();
    }
    await this.raiseErrors(checks);
    return new TYPED_CTOR[h.dtype](host.buffer.slice(start - a0, start - a0 + h.byteLength), 0, h.length) as TypedArrayFor[D];
  }

  slice<D extends DType>(buf: Buf<D>, start: number, length: number): GpuBuf<D> {
    const parent = this.handle(buf);
    checkSlice(buf, start, length);
    const root = (parent.root as GpuBuf | null) ?? parent;
    return new GpuBuf(buf.dtype, length, this.id, root, parent.storage, parent.offset + start);
  }

  /**
   * A `dtype` view of bytes of a u8 buffer, sharing its pages like a slice. The storage keeps no
   * host shadow for it (u8 allocations have none), so ids read through it are checked on the device.
   */
  reinterpret<D extends DType>(bytes: Buf<'u8'>, byteOffset: number, dtype: D, length: number): GpuBuf<D> {
    const parent = this.handle(bytes);
    const at = parent.byteOffset + byteOffset;
    checkReinterpret(bytes, byteOffset, dtype, length, at);
    const root = (parent.root as GpuBuf | null) ?? parent;
    return new GpuBuf(dtype, length, this.id, root, parent.storage, at / BYTES_PER_ELEMENT[dtype]);
  }

  free(buf: Buf): void {
    const h = ownedHandle(buf, this.id, GpuBuf, true);
    h.markFreed();
    this.storages.delete(h.storage);
    this.doomed.push(...h.storage.pages);
    if (!this.encoder) this.destroyDoomed();
  }

  scope(): ScratchScope {
    return scratchScope(this);
  }

  async sync(): Promise<void> {
    this.alive();
    const checks = this.encoder || this.pendingChecks.length > 0 ? this.recordErrorReadback(this.copyEncoder()) : null;
    this.flush();
    await this.guard(this.device.queue.onSubmittedWorkDone());
    await this.raiseErrors(checks);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pass = null;
    this.encoder = null;
    for (const s of this.storages) for (const p of s.pages) p.destroy();
    this.storages.clear();
    this.destroyDoomed();
    this.arena.destroy();
    if (this.acquired.owned) this.device.destroy();
  }

  // ---- kernels ----

  /**
   * Records one kernel: `count` invocations (mode 'threads') or workgroups (mode 'groups'), each
   * operand bound page by page, the parameters in the uniform arena. When the pages do not fit in
   * the device's storage bindings and the kernel declares spans, the call is split into ranges of
   * invocations whose pages fit. Invalidates the host shadow of every integer buffer it may write.
   */
  dispatch(def: KernelDef, operands: Readonly<Record<string, Buf>>, params: Readonly<Record<string, number>>, count: number): void {
    this.alive();
    if (count === 0) return;
    const names = Object.keys(def.operands);
    const handles = names.map((x) => {
      const b = operands[x] as Buf | undefined;
      if (!b) throw new Error(`kernel ${def.name}: operand ${x} missing`);
      return this.handle(b);
    });
    const rangesFor = (g0: number, g1: number) =>
      handles.map((h, i) => {
        const span = def.spans?.[names[i]]?.(g0, g1, params);
        return span ? pageRange(h, this.pageBytes, span[0], span[1]) : pageRange(h, this.pageBytes);
      });
    const maxBindings = this.device.limits.maxStorageBuffersPerShaderStage;
    const whole = rangesFor(0, count);
    if (bindingCount(handles, whole) <= maxBindings) {
      this.record(def, names, handles, whole, params, 0, count);
    } else {
      for (let g0 = 0; g0 < count; ) {
        // The longest range from g0 whose pages fit (page counts grow with the range).
        let lo = g0;
        let hi = count;
        while (lo < hi) {
          const mid = Math.ceil((lo + 1 + hi) / 2);
          if (bindingCount(handles, rangesFor(g0, mid)) <= maxBindings) lo = mid;
          else hi = mid - 1;
        }
        if (lo === g0) {
          const detail = names.map((x, i) => `${x}: ${whole[i].last - whole[i].first + 1}`).join(', ');
          throw new WebGpuLimitError(`${def.name} needs more storage bindings than the device allows (${maxBindings}) even for one invocation (pages per operand: ${detail}); buffers this large need a device with a larger maxStorageBufferBindingSize`);
        }
        this.record(def, names, handles, rangesFor(g0, lo), params, g0, lo);
        g0 = lo;
      }
    }
    handles.forEach((h, i) => {
      if (def.operands[names[i]] !== 'read' && h.storage.shadow) h.storage.shadow = null;
    });
  }

  /** Records invocations [g0, g1) of a kernel with the given pages bound. */
  private record(def: KernelDef, names: readonly string[], handles: readonly GpuBuf[], ranges: readonly PageRange[], params: Readonly<Record<string, number>>, g0: number, g1: number): void {
    // One variable per distinct page; shared by the operands on it (see BindingPlan).
    const vars: { name: string; writable: boolean; atomic: boolean; dtype: DType; buffer: GPUBuffer }[] = [];
    const varOf = new Map<GPUBuffer, number>();
    const storageAtomic = new Map<GpuStorage, boolean>();
    // Operands of different 32-bit word types on one storage (typed handles over one byte buffer)
    // share variables of u32 words, which their accessors bitcast.
    const storageWord = new Map<GpuStorage, DType>();
    names.forEach((x, i) => {
      const h = handles[i];
      storageAtomic.set(h.storage, (storageAtomic.get(h.storage) ?? false) || needsAtomic(h.dtype, def.operands[x]));
      const word = wordType(h.dtype);
      const seen = storageWord.get(h.storage);
      storageWord.set(h.storage, seen === undefined || seen === word ? word : 'u32');
    });
    const operandVars: Record<string, { dtype: DType; vars: string[] }> = {};
    names.forEach((x, i) => {
      const h = handles[i];
      const list: string[] = [];
      for (let p = ranges[i].first; p <= ranges[i].last; p++) {
        const buffer = h.storage.pages[p];
        let at = varOf.get(buffer);
        if (at === undefined) {
          at = vars.length;
          varOf.set(buffer, at);
          vars.push({ name: `v${at}`, writable: false, atomic: storageAtomic.get(h.storage)!, dtype: storageWord.get(h.storage)!, buffer });
        }
        vars[at].writable ||= def.operands[x] !== 'read';
        list.push(vars[at].name);
      }
      operandVars[x] = { dtype: h.dtype, vars: list };
    });
    const { pipeline, layout } = this.pipeline(def, { operands: operandVars, vars });
    const size = paramBytes(def);
    if (this.arenaUsed + size > ARENA_BYTES) this.flush();
    const at = this.arenaUsed;
    this.arenaUsed = align(at + size, this.uniformAlign);
    const u32 = new Uint32Array(this.arenaHost, at, size / 4);
    const i32 = new Int32Array(this.arenaHost, at, size / 4);
    const f32 = new Float32Array(this.arenaHost, at, size / 4);
    u32[0] = g1;
    u32[1] = g0;
    names.forEach((_, i) => { u32[2 + i] = ranges[i].base; });
    let field = 2 + names.length;
    for (const [p, type] of Object.entries(def.params ?? {})) {
      const v = params[p];
      if (v === undefined) throw new Error(`kernel ${def.name}: parameter ${p} missing`);
      if (type === 'f32') f32[field] = v;
      else if (type === 'i32') i32[field] = v;
      else u32[field] = v;
      field++;
    }
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.arena, offset: at, size } }];
    vars.forEach((v, i) => { entries.push({ binding: i + 1, resource: { buffer: v.buffer } }); });
    const groups = def.mode === 'groups' ? g1 - g0 : Math.ceil((g1 - g0) / (def.workgroupSize ?? 64));
    const maxDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    const y = Math.ceil(groups / maxDim);
    const x = Math.ceil(groups / y);
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, this.device.createBindGroup({ layout, entries }));
    pass.dispatchWorkgroups(x, y);
  }

  /** The element-wise copy kernel (any dtype, sub-word stores included). */
  copyKernel(): KernelDef {
    return COPY_KERNEL;
  }

  /** Records a buffer-to-buffer copy of byte range [from, from + size) of src to byte `to` of dst (4-byte aligned). */
  copyBytes(src: GpuStorage, from: number, dst: GpuStorage, to: number, size: number): void {
    const enc = this.copyEncoder();
    for (const a of pieces(src, from, from + size)) {
      for (const b of pieces(dst, to + (a.at - from), to + (a.at - from) + a.size)) {
        enc.copyBufferToBuffer(src.pages[a.page], a.offset + (b.at - to - (a.at - from)), dst.pages[b.page], b.offset, b.size);
      }
    }
  }

  /**
   * A slot for a device-side argument check: the check kernels write [first bad position, value]
   * there; `describe` turns them into the error that the next read/sync raises.
   */
  errorSlot(describe: (position: number, value: number) => Error): ErrorSlot {
    if (!this.errorBuffer || this.errorNext === this.errorSlots) {
      this.errorBuffer = this.upload('u32', new Uint32Array(2 * this.errorSlots).fill(0xffffffff));
      this.errorNext = 0;
    }
    const slot = this.errorNext++;
    this.pendingChecks.push({ buffer: this.errorBuffer.storage.pages[0], slot, describe });
    return { errs: this.errorBuffer, slot };
  }

  /** Reads a small integer buffer back (for data-dependent sizes, e.g. denseToCsr's counts). */
  readInts(buf: GpuBuf<'i32'>): Promise<Int32Array> {
    return this.read(buf);
  }

  // ---- internals ----

  private pipeline(def: KernelDef, plan: BindingPlan): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout } {
    const operands = Object.entries(plan.operands).map(([x, o]) => `${x}:${o.dtype}:${o.vars.join('.')}`);
    const key = `${def.name}|${operands.join(',')}|${plan.vars.map((v) => `${v.writable ? 'w' : 'r'}${v.atomic ? 'a' : ''}${v.dtype}`).join('')}`;
    let entry = this.pipelines.get(key);
    if (!entry) {
      const code = generateWgsl(def, plan, this.pageBytes / 4, WGSL_LIB);
      const layoutEntries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: COMPUTE_STAGE, buffer: { type: 'uniform' } }];
      plan.vars.forEach((v, i) => { layoutEntries.push({ binding: i + 1, visibility: COMPUTE_STAGE, buffer: { type: v.writable ? 'storage' : 'read-only-storage' } }); });
      const layout = this.device.createBindGroupLayout({ entries: layoutEntries, label: def.name });
      const module = this.device.createShaderModule({ code, label: def.name });
      const pipeline = this.device.createComputePipeline({ layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: 'main' }, label: def.name });
      entry = { pipeline, layout };
      this.pipelines.set(key, entry);
    }
    return entry;
  }

  private computePass(): GPUComputePassEncoder {
    this.pass ??= this.commandEncoder().beginComputePass();
    return this.pass;
  }

  private copyEncoder(): GPUCommandEncoder {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return this.commandEncoder();
  }

  private commandEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  /** Submits everything recorded so far. */
  private flush(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (this.encoder) {
      if (this.arenaUsed > 0) this.device.queue.writeBuffer(this.arena, 0, this.arenaHost, 0, this.arenaUsed);
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      this.arenaUsed = 0;
    }
    this.destroyDoomed();
  }

  private destroyDoomed(): void {
    for (const b of this.doomed.splice(0)) b.destroy();
  }

  /** Copies the error buffers of the pending checks into a mappable buffer (recorded in `enc`). */
  private recordErrorReadback(enc: GPUCommandEncoder): { checks: PendingCheck[]; staging: GPUBuffer; buffers: GPUBuffer[] } | null {
    if (this.pendingChecks.length === 0) return null;
    const checks = this.pendingChecks.splice(0);
    const buffers = [...new Set(checks.map((c) => c.buffer))];
    const staging = this.device.createBuffer({ size: buffers.length * this.errorSlots * 8, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    buffers.forEach((b, i) => { enc.copyBufferToBuffer(b, 0, staging, i * this.errorSlots * 8, this.errorSlots * 8); });
    // Later checks go to a fresh buffer; these are destroyed once read.
    if (this.errorBuffer && buffers.includes(this.errorBuffer.storage.pages[0])) {
      this.storages.delete(this.errorBuffer.storage);
      this.errorBuffer = null;
    }
    return { checks, staging, buffers };
  }

  /** Raises the first failed device-side check, or a WebGPU validation error, if any. */
  private async raiseErrors(readback: { checks: PendingCheck[]; staging: GPUBuffer; buffers: GPUBuffer[] } | null): Promise<void> {
    let failure: Error | null = null;
    if (readback) {
      try {
        await this.guard(readback.staging.mapAsync(MAP_READ));
        const words = new Uint32Array(readback.staging.getMappedRange());
        for (const c of readback.checks) {
          const at = readback.buffers.indexOf(c.buffer) * this.errorSlots * 2 + c.slot * 2;
          if (words[at] !== 0xffffffff) {
            failure = new DeferredKernelError(c.describe(words[at], words[at + 1] | 0));
            break;
          }
        }
      } finally {
        readback.staging.destroy();
        for (const b of readback.buffers) b.destroy();
      }
    }
    if (this.gpuError !== null) {
      const message = this.gpuError;
      this.gpuError = null;
      throw new WebGpuValidationError(message);
    }
    if (failure) throw failure;
  }

  /** Rejects with WebGpuDeviceLostError instead of waiting forever on a lost device. */
  private guard<T>(p: Promise<T>): Promise<T> {
    return Promise.race([
      p.catch((e: unknown) => {
        if (this.lostError) throw this.lostError;
        throw e;
      }),
      this.lostPromise,
    ]);
  }

  private alive(): void {
    if (this.disposed) throw new Error('backend used after dispose()');
    if (this.lostError) throw this.lostError;
  }
}

/** Copies src into dst element by element (same dtype; sub-word stores are atomic on their bits). */
const COPY_KERNEL: KernelDef = {
  name: 'copy',
  operands: { src: 'read', dst: 'write' },
  body: 'dst_st(gi, src_cp(gi));',
};

/** The pages of a storage that byte range [from, to) covers, each with its bytes. */
function pieces(storage: GpuStorage, from: number, to: number): { page: number; offset: number; at: number; size: number }[] {
  const out = [];
  for (let at = from; at < to; ) {
    const page = Math.floor(at / storage.pageBytes);
    const offset = at - page * storage.pageBytes;
    const size = Math.min(to - at, storage.pageSize(page) - offset);
    out.push({ page, offset, at, size });
    at += size;
  }
  return out;
}

/** Pages [first, last] of a storage bound for an operand, and its element 0's index within page `first`. */
interface PageRange {
  readonly first: number;
  readonly last: number;
  readonly base: number;
}

/** The pages holding elements [e0, e1) of an operand (default: all of it). */
function pageRange(h: GpuBuf, pageBytes: number, e0 = 0, e1 = h.length): PageRange {
  const bpe = BYTES_PER_ELEMENT[h.dtype];
  const n = h.storage.pages.length;
  const lo = Math.max(0, Math.min(e0, h.length));
  const hi = Math.max(lo, Math.min(e1, h.length));
  const start = h.byteOffset + lo * bpe;
  const first = Math.min(Math.floor(start / pageBytes), n - 1);
  const last = Math.max(first, Math.min(Math.floor((start + Math.max((hi - lo) * bpe, 1) - 1) / pageBytes), n - 1));
  return { first, last, base: h.offset - (first * pageBytes) / bpe };
}

/** Distinct pages bound by a call. */
function bindingCount(handles: readonly GpuBuf[], ranges: readonly PageRange[]): number {
  const pages = new Set<GPUBuffer>();
  handles.forEach((h, i) => {
    for (let p = ranges[i].first; p <= ranges[i].last; p++) pages.add(h.storage.pages[p]);
  });
  return pages.size;
}

function toTyped(dtype: DType, data: ArrayLike<number>): TypedArrayFor[DType] {
  const Ctor = TYPED_CTOR[dtype];
  const out = new Ctor(new ArrayBuffer(align4(data.length * BYTES_PER_ELEMENT[dtype])), 0, data.length);
  out.set(data);
  return out;
}

function padded4(bytes: Uint8Array): Uint8Array {
  if (bytes.length % 4 === 0) return bytes;
  const out = new Uint8Array(align4(bytes.length));
  out.set(bytes);
  return out;
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export { elementShift };
