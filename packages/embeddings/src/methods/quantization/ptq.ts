import { solvePtqBudget } from './budget.js';
import { rowwiseScaleOffset, rowwiseStride, type Backend, type Buf, type HostBackend, type RowwiseBits } from '@lers/kernels';
import type { Parameter } from '../../parameter.js';
import type { MethodDefinition, TableOptions } from '../../method.js';
import type { EmbeddingTable, LookupContext, SerializedTable, TableSize } from '../../table.js';
import { denseFromOptions, denseOf, type DenseSource, type DenseValues } from '../common/dense-source.js';
import { checkKnownIds, checkRowsLength, countNonZeros, roundHalfEven, withHostBackend } from '../common/host-access.js';

const fround = Math.fround;

/**
 * Storage formats of a post-training quantized table: fp16; per-tensor asymmetric int8/int16 (the
 * paper's form); row-wise int8/int4/int2 with a per-row f32 scale and bias (FBGEMM/TorchRec form).
 */
export type PtqFormat = 'fp16' | 'int8' | 'int16' | 'rowwise-int8' | 'rowwise-int4' | 'rowwise-int2';

/** Every PtqFormat, for validation and sweeps. */
export const PTQ_FORMATS: readonly PtqFormat[] = ['fp16', 'int8', 'int16', 'rowwise-int8', 'rowwise-int4', 'rowwise-int2'];

/** Size of a quantized table: full element count (the protocol counts quantization by bit width), real bytes, bit width. */
export interface QuantizedTableSize extends TableSize {
  /** Bits per stored element (per-row scale and bias not included). */
  readonly bitWidth: number;
  /** The protocol's sparsity of a quantized table: 1 - bitWidth / 32 (fp32 -> int8 is 0.75). */
  readonly sparsity: number;
  /** Real sparsity by bytes: 1 - memoryBytes / (4 x rows x dim). */
  readonly byteSparsity: number;
}

/** Per-tensor affine parameters: w' = (q - zeroPoint) * scale. */
export interface AffineParams {
  readonly scale: number;
  readonly zeroPoint: number;
}

/** Bit width of each format. */
export function ptqBitWidth(format: PtqFormat): number {
  switch (format) {
    case 'fp16':
    case 'int16':
      return 16;
    case 'int8':
    case 'rowwise-int8':
      return 8;
    case 'rowwise-int4':
      return 4;
    case 'rowwise-int2':
      return 2;
  }
}

/** The integer range [qmin, qmax] of a signed bits-wide code. */
export function signedRange(bits: number): { qmin: number; qmax: number } {
  return { qmin: -(2 ** (bits - 1)), qmax: 2 ** (bits - 1) - 1 };
}

/**
 * Per-tensor asymmetric min-max parameters: scale = (max - min) / (qmax - qmin),
 * zeroPoint = round(qmin - min / scale), in f32 as the kernel computes. As PyTorch's MinMaxObserver
 * does, the range is widened to include 0 (so 0 is exact and the zero point needs no clamping; for
 * tables spanning 0, as trained embeddings do, this changes nothing). An all-zero range gets scale 1.
 */
export function affineParams(min: number, max: number, bits: number): AffineParams {
  const { qmin, qmax } = signedRange(bits);
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  let scale = fround(fround(hi - lo) / (qmax - qmin));
  if (scale === 0) scale = 1;
  const zeroPoint = Math.min(qmax, Math.max(qmin, roundHalfEven(qmin - lo / scale)));
  return { scale, zeroPoint };
}

/** Row bits of a row-wise format. */
function rowwiseBits(format: PtqFormat): RowwiseBits | null {
  return format === 'rowwise-int8' ? 8 : format === 'rowwise-int4' ? 4 : format === 'rowwise-int2' ? 2 : null;
}

/**
 * Packs codes (rows x dim, each in [0, 2^bits)) and per-row scale and bias into the row-wise
 * kernel format (see QuantOps): codes packed low bits first, then f32 scale and bias, rows padded to 16 bytes.
 */
export function packRowwise(rows: number, dim: number, bits: RowwiseBits, codes: ArrayLike<number>, scale: ArrayLike<number>, bias: ArrayLike<number>): Uint8Array {
  const stride = rowwiseStride(dim, bits);
  const out = new Uint8Array(rows * stride);
  const view = new DataView(out.buffer);
  const levels = 2 ** bits - 1;
  for (let r = 0; r < rows; r++) {
    const base = r * stride;
    for (let c = 0; c < dim; c++) {
      const q = codes[r * dim + c];
      if (!(q >= 0 && q <= levels && Number.isInteger(q))) throw new RangeError(`packRowwise: code ${q} at row ${r}, column ${c} is not in [0, ${levels}]`);
      const bit = c * bits;
      out[base + (bit >> 3)] |= q << (bit & 7);
    }
    view.setFloat32(base + rowwiseScaleOffset(dim, bits), scale[r], true);
    view.setFloat32(base + rowwiseScaleOffset(dim, bits) + 4, bias[r], true);
  }
  return out;
}

type Codes = Buf<'f16'> | Buf<'i8'> | Buf<'i16'> | Buf<'u8'>;

/** The codes of `dense` in `format` (and the per-tensor parameters of int8 / int16), by the kernels of a host backend. */
function quantizeOnHost(be: HostBackend, dense: DenseValues, format: PtqFormat): { codes: HostCodes; params: AffineParams | null } {
  const { rows, dim } = dense;
  const n = rows * dim;
  const x = be.upload('f32', dense.values);
  const scratch = be.scope();
  try {
    if (format === 'fp16') {
      const out = scratch.alloc('f16', n);
      be.f32ToF16(x, out);
      return { codes: be.view(out).slice(), params: null };
    }
    if (format === 'int8' || format === 'int16') {
      const mm = scratch.alloc('f32', 2);
      be.minMax(x, mm);
      const [mn, mx] = be.view(mm);
      const params = affineParams(mn, mx, format === 'int8' ? 8 : 16);
      const out = format === 'int8' ? scratch.alloc('i8', n) : scratch.alloc('i16', n);
      be.quantizeAffine(x, params.scale, params.zeroPoint, out);
      return { codes: be.view(out).slice(), params };
    }
    const bits = rowwiseBits(format);
    if (bits === null) throw new RangeError(`ptq: format must be one of ${PTQ_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
    const out = scratch.alloc('u8', rows * rowwiseStride(dim, bits));
    be.quantizeRowwise(x, rows, dim, bits, out);
    return { codes: be.view(out).slice(), params: null };
  } finally {
    scratch.release();
    be.free(x);
  }
}
type HostCodes = Uint16Array | Int8Array | Int16Array | Uint8Array;

/**
 * A post-training quantized table. Lookups dequantize on the fly in the fused kernels (gatherF16,
 * gatherDequantAffine, gatherDequantRowwise); lookupAll dequantizes the whole table. Frozen:
 * parameters() is empty and backward only checks its arguments.
 */
export class PtqTable implements EmbeddingTable {
  readonly method = 'ptq';
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  readonly format: PtqFormat;
  /** Per-tensor parameters of int8 / int16 (null for the other formats). */
  readonly affine: AffineParams | null;
  /** The codes on the backend: f16 bits, int8/int16 codes, or the row-wise bytes. */
  readonly codes: Codes;
  private readonly name: string;
  private nonZeros: number | null = null;
  /** False when the codes are a model file's resident section (the file's, not freed here). */
  private readonly ownsCodes: boolean;
  private disposed = false;

  /**
   * Wraps already-quantized codes: host codes are copied to the backend; resident ones (a model
   * file's section in this backend's memory, not fp16's) are used in place. See `quantize` to make them.
   */
  constructor(backend: Backend, rows: number, dim: number, format: PtqFormat, codes: HostCodes | { readonly resident: Buf }, affine: AffineParams | null, name = 'ptq') {
    if (!PTQ_FORMATS.includes(format)) throw new RangeError(`ptq: format must be one of ${PTQ_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
    if (!Number.isInteger(rows) || rows <= 0 || !Number.isInteger(dim) || dim <= 0) throw new RangeError(`ptq table: bad shape ${rows} x ${dim}`);
    const bits = rowwiseBits(format);
    const expected = bits === null ? rows * dim : rows * rowwiseStride(dim, bits);
    const type = format === 'fp16' ? Uint16Array : format === 'int8' ? Int8Array : format === 'int16' ? Int16Array : Uint8Array;
    const dtype = format === 'fp16' ? 'f16' : format === 'int8' ? 'i8' : format === 'int16' ? 'i16' : 'u8';
    const resident = 'resident' in codes ? codes.resident : null;
    const fits = resident !== null ? resident.dtype === dtype : codes instanceof type;
    const length = resident !== null ? resident.length : (codes as HostCodes).length;
    if (!fits || length !== expected) throw new TypeError(`ptq ${format} table: codes must be a ${type.name} of ${expected} elements`);
    const isAffine = format === 'int8' || format === 'int16';
    if (isAffine !== (affine !== null)) throw new TypeError(`ptq ${format} table: affine parameters are ${isAffine ? 'required' : 'only for int8 / int16'}`);
    if (affine !== null && !(Number.isFinite(affine.scale) && affine.scale > 0 && Number.isInteger(affine.zeroPoint))) {
      throw new RangeError(`ptq ${format} table: need a positive finite scale and an integer zero point, got ${affine.scale}, ${affine.zeroPoint}`);
    }
    this.rows = rows;
    this.dim = dim;
    this.backend = backend;
    this.format = format;
    this.affine = affine === null ? null : { scale: fround(affine.scale), zeroPoint: affine.zeroPoint };
    this.name = name;
    this.ownsCodes = resident === null;
    this.codes = resident !== null ? (resident as Codes) : backend.upload(dtype, codes as HostCodes);
  }

  /**
   * Quantizes dense values into `format` with the kernels, on `backend` (default the source
   * table's) when it is a host backend, else on the host (a TypeScript reference backend: the
   * quantization kernels are bit-exact across backends) with the codes then uploaded.
   */
  static quantize(source: DenseSource, format: PtqFormat, backend?: Backend, name = 'ptq'): PtqTable {
    const be = backend ?? ('lookupAll' in source ? source.backend : undefined);
    if (be === undefined) throw new TypeError('ptq: quantizing DenseValues needs a backend');
    const dense: DenseValues = denseOf('ptq', source);
    const { rows, dim } = dense;
    const { codes, params } = withHostBackend(be, (host) => quantizeOnHost(host, dense, format));
    return new PtqTable(be, rows, dim, format, codes, params, name);
  }

  /** Restores a table serialised by `serialize()` (bit-exact). */
  static deserialize(serialized: SerializedTable, backend: Backend): PtqTable {
    if (serialized.method !== 'ptq') throw new TypeError(`PtqTable.deserialize: method is ${serialized.method}, not ptq`);
    const h = serialized.header;
    if (typeof h.rows !== 'number' || typeof h.dim !== 'number' || typeof h.format !== 'string') throw new TypeError('ptq table: header needs numeric rows, dim and a format');
    const affine = typeof h.scale === 'number' && typeof h.zeroPoint === 'number' ? { scale: h.scale, zeroPoint: h.zeroPoint } : null;
    const name = typeof h.name === 'string' ? h.name : 'ptq';
    // A file in this backend's memory: the codes are used where they lie (fp16's section is stored
    // as u16 and read as f16, the dtype of the fp16 kernels).
    const resident = h.format === 'fp16' ? serialized.residentAs?.('codes', 'f16') : serialized.resident?.codes;
    if (resident !== undefined) return new PtqTable(backend, h.rows, h.dim, h.format as PtqFormat, { resident }, affine, name);
    const codes = serialized.sections.codes;
    if (!(codes instanceof Uint16Array || codes instanceof Int8Array || codes instanceof Int16Array || codes instanceof Uint8Array)) {
      throw new TypeError('ptq table: section "codes" must be a Uint16Array, Int8Array, Int16Array or Uint8Array');
    }
    return new PtqTable(backend, h.rows, h.dim, h.format as PtqFormat, codes, affine, name);
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, _ctx: LookupContext): void {
    const be = this.backend;
    const { rows, dim } = this;
    const bits = rowwiseBits(this.format);
    if (this.format === 'fp16') be.gatherF16(this.codes as Buf<'f16'>, rows, dim, ids, out);
    else if (this.affine !== null) be.gatherDequantAffine(this.codes as Buf<'i8'> | Buf<'i16'>, rows, dim, this.affine.scale, this.affine.zeroPoint, ids, out);
    else if (bits !== null) be.gatherDequantRowwise(this.codes as Buf<'u8'>, rows, dim, bits, ids, out);
  }

  /** Frozen values: checks the arguments, accumulates nothing. */
  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    checkRowsLength('ptq backward', 'dOut', dOut.length, ids.length, this.dim);
    checkKnownIds(this.backend, 'ptq backward', ids, this.rows);
  }

  lookupAll(out: Buf<'f32'>, _ctx: LookupContext): void {
    checkRowsLength('ptq lookupAll', 'out', out.length, this.rows, this.dim);
    const be = this.backend;
    const bits = rowwiseBits(this.format);
    if (this.format === 'fp16') be.f16ToF32(this.codes as Buf<'f16'>, out);
    else if (this.affine !== null) be.dequantizeAffine(this.codes as Buf<'i8'> | Buf<'i16'>, this.affine.scale, this.affine.zeroPoint, out);
    else if (bits !== null) be.dequantizeRowwise(this.codes as Buf<'u8'>, this.rows, this.dim, bits, out);
  }

  /** Frozen values: checks the gradient's shape only. */
  backwardAll(dOut: Buf<'f32'>): void {
    checkRowsLength('ptq backwardAll', 'dOut', dOut.length, this.rows, this.dim);
  }

  parameters(): readonly Parameter[] {
    return [];
  }

  /**
   * params = rows x dim (quantization keeps every element); bytes = the codes (+ scale and zero
   * point for per-tensor formats; row-wise rows include their scale, bias and padding).
   * Counting non-zeros decodes the table once (and reads it back on non-host backends).
   */
  async size(): Promise<QuantizedTableSize> {
    const n = this.rows * this.dim;
    const bytes = this.codeBytes() + (this.affine !== null ? 8 : 0);
    if (this.nonZeros === null) {
      const be = this.backend;
      const tmp = be.alloc('f32', n);
      try {
        this.lookupAll(tmp, { training: false });
        this.nonZeros = await countNonZeros(be, [tmp]);
      } finally {
        be.free(tmp);
      }
    }
    const bitWidth = ptqBitWidth(this.format);
    return { params: n, nonZeros: this.nonZeros, memoryBytes: bytes, diskBytes: bytes, bitWidth, sparsity: 1 - bitWidth / 32, byteSparsity: 1 - bytes / (4 * n) };
  }

  async serialize(): Promise<SerializedTable> {
    const codes = await this.backend.read(this.codes);
    const header: Record<string, unknown> = { rows: this.rows, dim: this.dim, name: this.name, format: this.format };
    if (this.affine !== null) {
      header.scale = this.affine.scale;
      header.zeroPoint = this.affine.zeroPoint;
    }
    return { method: 'ptq', header, sections: { codes } };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.ownsCodes) this.backend.free(this.codes);
  }

  private codeBytes(): number {
    const bits = rowwiseBits(this.format);
    if (bits !== null) return this.rows * rowwiseStride(this.dim, bits);
    return this.rows * this.dim * (this.format === 'int8' ? 1 : 2);
  }
}

/** Checks a PtqFormat option. */
function checkFormat(format: unknown): PtqFormat {
  if (typeof format !== 'string' || !(PTQ_FORMATS as readonly string[]).includes(format)) {
    throw new RangeError(`ptq: option format must be one of ${PTQ_FORMATS.join(', ')}, got ${String(format)}`);
  }
  return format as PtqFormat;
}

/**
 * Registry entry: option `format` (a PtqFormat, default 'int8', the paper's form) and the dense
 * input as `source` (an EmbeddingTable) or `values` (Float32Array), else a fresh `init`/`seed` table.
 */
export const ptqMethod: MethodDefinition = {
  name: 'ptq',
  kind: 'post-training',
  summary: 'post-training quantization of a trained table: fp16, per-tensor int8/int16, row-wise int8/int4/int2',
  servedAs: 'the quantized codes, dequantized per lookup',
  budget: solvePtqBudget,
  create(options: TableOptions) {
    const dense = denseFromOptions('ptq', options);
    return PtqTable.quantize(dense, checkFormat(options.format ?? 'int8'), options.backend, options.name ?? 'ptq');
  },
  load: (serialized, backend) => PtqTable.deserialize(serialized, backend),
};
