import type { Backend, Buf } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import { SeedSequence, initTensor, type InitScheme } from './init.js';
import { rowsOf, type Layer, type LayerContext } from './layer.js';
import { createParameter, freeParameter } from './parameters.js';
import { RowBuffer } from './row-buffer.js';
import { RowScaler } from './row-scale.js';

/**
 * How expert outputs are weighted. `identity`: the raw linear gate g_e(x) = G_e . x, as in the
 * benchmark's reference code (recsys-benchmark `DCN_MixHead`, whose default gate activation is the
 * identity and which DCN_Mix never overrides). `softmax`: a softmax over the experts of the linear
 * gate outputs, as in DCN-V2's reference implementation (DeepCTR `CrossNetMix`).
 */
export type GateActivation = 'identity' | 'softmax';

/** Options of `CrossNetMix` (defaults: the benchmark's DCN-Mix). */
export interface CrossNetMixOptions {
  /** Number of cross layers (default 3). */
  readonly layers?: number;
  /** Experts per layer (default 4). */
  readonly experts?: number;
  /** Rank of each expert (default 64). */
  readonly rank?: number;
  /** Default `identity` (see GateActivation). */
  readonly gate?: GateActivation;
  /** Initialiser of U, C, V and the gates (default `kaiming-normal`, fans of the 3-D tensors). */
  readonly init?: InitScheme;
  readonly seed: number;
}

/** Per-expert views (slices) of one layer's parameters or gradients. */
interface ExpertMats {
  readonly u: Buf<'f32'>[];
  readonly c: Buf<'f32'>[];
  readonly v: Buf<'f32'>[];
}

/** What a cross layer keeps from its forward for backward. */
interface LayerState {
  input: Buf<'f32'> | null;
  readonly output: RowBuffer;
  readonly gateAct: RowBuffer; // rows x experts, after the gate activation
  readonly gateCols: RowBuffer; // experts x rows: column e of gateAct, contiguous
  readonly h1: RowBuffer[]; // per expert: tanh(x V_e), rows x rank
  readonly h2: RowBuffer[]; // per expert: tanh(h1 C_e), rows x rank
  readonly ub: RowBuffer[]; // per expert: h2 U_e + b, rows x d
}

/**
 * The cross network of DCN-Mix (DCN-V2's mixture of low-rank experts), on rows x = x0 of width d:
 *
 *   x_{l+1} = sum_e g_e(x_l) * [x0 (.) (tanh(tanh(x_l V_e) C_e) U_e + b_l)] + x_l
 *
 * with V_e (d x r), C_e (r x r), U_e (r x d) per layer and expert (stored `experts x . x .` as in
 * the benchmark's code, so row-vector products need no transposes), a bias per layer shared by the
 * experts, and linear gates G (experts x d) shared by all layers, as both reference codes do.
 * Backward is hand-written; x0 receives gradient both as the first x_l and through the Hadamard
 * products of every layer.
 */
export class CrossNetMix implements Layer {
  readonly outFeatures: number;
  readonly layerCount: number;
  readonly experts: number;
  readonly rank: number;
  readonly gate: GateActivation;
  readonly u: Parameter[] = [];
  readonly c: Parameter[] = [];
  readonly v: Parameter[] = [];
  readonly bias: Parameter[] = [];
  readonly gates: Parameter;
  private readonly values: ExpertMats[] = [];
  private readonly grads: ExpertMats[] = [];
  private readonly state: LayerState[] = [];
  private readonly unit: Buf<'f32'>; // experts x experts identity: selectors for gate columns
  private readonly scaler: RowScaler;
  private readonly scratch: {
    readonly gateLogits: RowBuffer;
    readonly tmp: RowBuffer;
    readonly t: RowBuffer;
    readonly du: RowBuffer;
    readonly dh: RowBuffer;
    readonly dh1: RowBuffer;
    readonly dgCol: RowBuffer;
    readonly dGate: RowBuffer;
    readonly dGateLogits: RowBuffer;
    readonly dxA: RowBuffer;
    readonly dxB: RowBuffer;
    readonly dx0: RowBuffer;
  };
  private x0: Buf<'f32'> | null = null;

  /** A cross network over rows of `inFeatures` values; parameters `name.U.l`, `name.C.l`, ... */
  constructor(
    private readonly backend: Backend,
    readonly name: string,
    readonly inFeatures: number,
    options: CrossNetMixOptions,
  ) {
    const d = inFeatures;
    this.outFeatures = d;
    this.layerCount = options.layers ?? 3;
    this.experts = options.experts ?? 4;
    this.rank = options.rank ?? 64;
    this.gate = options.gate ?? 'identity';
    const E = this.experts;
    const r = this.rank;
    const init = options.init ?? 'kaiming-normal';
    const seeds = new SeedSequence(options.seed);
    const make = (pname: string, shape: number[], scheme: InitScheme): Parameter => {
      const p = createParameter(backend, pname, shape);
      initTensor(backend, p.value, shape, scheme, seeds.take());
      return p;
    };
    const slices = (p: Buf<'f32'>, size: number): Buf<'f32'>[] => Array.from({ length: E }, (_, e) => backend.slice(p, e * size, size));
    for (let l = 0; l < this.layerCount; l++) {
      this.u.push(make(`${name}.U.${l}`, [E, r, d], init));
      this.c.push(make(`${name}.C.${l}`, [E, r, r], init));
      this.v.push(make(`${name}.V.${l}`, [E, d, r], init));
      this.bias.push(make(`${name}.biases.${l}`, [1, d], 'zeros'));
      this.values.push({ u: slices(this.u[l].value, r * d), c: slices(this.c[l].value, r * r), v: slices(this.v[l].value, d * r) });
      this.grads.push({ u: slices(this.u[l].grad, r * d), c: slices(this.c[l].grad, r * r), v: slices(this.v[l].grad, d * r) });
      this.state.push({
        input: null,
        output: new RowBuffer(backend, 'f32', d),
        gateAct: new RowBuffer(backend, 'f32', E),
        gateCols: new RowBuffer(backend, 'f32', E),
        h1: Array.from({ length: E }, () => new RowBuffer(backend, 'f32', r)),
        h2: Array.from({ length: E }, () => new RowBuffer(backend, 'f32', r)),
        ub: Array.from({ length: E }, () => new RowBuffer(backend, 'f32', d)),
      });
    }
    this.gates = make(`${name}.gates`, [E, d, 1], init);
    const identity = new Float32Array(E * E);
    for (let e = 0; e < E; e++) identity[e * E + e] = 1;
    this.unit = backend.upload('f32', identity);
    this.scaler = new RowScaler(backend);
    const rb = (width: number): RowBuffer => new RowBuffer(backend, 'f32', width);
    this.scratch = {
      gateLogits: rb(E),
      tmp: rb(d),
      t: rb(d),
      du: rb(d),
      dh: rb(r),
      dh1: rb(r),
      dgCol: rb(1),
      dGate: rb(E),
      dGateLogits: rb(E),
      dxA: rb(d),
      dxB: rb(d),
      dx0: rb(d),
    };
  }

  forward(x: Buf<'f32'>, ctx: LayerContext): Buf<'f32'> {
    const rows = rowsOf(x, this.inFeatures, this.name);
    const be = this.backend;
    const d = this.inFeatures;
    const E = this.experts;
    const r = this.rank;
    const tmp = this.scratch.tmp.take(rows);
    let xl = x;
    for (let l = 0; l < this.layerCount; l++) {
      const st = this.state[l];
      const W = this.values[l];
      const out = st.output.take(rows);
      be.copy(xl, out); // the residual x_l
      const gates = this.gateActivations(rows, xl, st);
      const cols = st.gateCols.take(rows);
      for (let e = 0; e < E; e++) {
        const col = be.slice(cols, e * rows, rows);
        be.gemv(false, rows, E, 1, gates, be.slice(this.unit, e * E, E), 0, col);
        const h1 = st.h1[e].take(rows);
        be.gemm(false, false, rows, r, d, 1, xl, W.v[e], 0, h1);
        be.tanh(h1, h1);
        const h2 = st.h2[e].take(rows);
        be.gemm(false, false, rows, r, r, 1, h1, W.c[e], 0, h2);
        be.tanh(h2, h2);
        const ub = st.ub[e].take(rows);
        be.gemm(false, false, rows, d, r, 1, h2, W.u[e], 0, ub);
        be.addRowVector(rows, d, ub, this.bias[l].value, ub);
        be.mul(x, ub, tmp); // expert output x0 (.) (U h2 + b)
        this.scaler.scale(rows, d, col, tmp, 1, out); // out += g_e * expert
      }
      st.input = ctx.training ? xl : null;
      xl = out;
    }
    this.x0 = ctx.training ? x : null;
    return xl;
  }

  /** Gate values (rows x experts) of input xl, after the activation, into the layer's buffer. */
  private gateActivations(rows: number, xl: Buf<'f32'>, st: LayerState): Buf<'f32'> {
    const be = this.backend;
    const E = this.experts;
    const act = st.gateAct.take(rows);
    if (this.gate === 'identity') {
      be.gemm(false, true, rows, E, this.inFeatures, 1, xl, this.gates.value, 0, act);
    } else {
      const logits = this.scratch.gateLogits.take(rows);
      be.gemm(false, true, rows, E, this.inFeatures, 1, xl, this.gates.value, 0, logits);
      be.softmax(rows, E, logits, act);
    }
    return act;
  }

  backward(dy: Buf<'f32'>): Buf<'f32'> {
    const x0 = this.x0;
    if (x0 === null) throw new Error(`${this.name}: backward without a training forward`);
    const rows = rowsOf(dy, this.outFeatures, this.name);
    const be = this.backend;
    const d = this.inFeatures;
    const E = this.experts;
    const r = this.rank;
    const s = this.scratch;
    const tmp = s.tmp.take(rows);
    const t = s.t.take(rows);
    const du = s.du.take(rows);
    const dh = s.dh.take(rows);
    const dh1 = s.dh1.take(rows);
    const dgCol = s.dgCol.take(rows);
    const dGate = s.dGate.take(rows);
    const dx0 = s.dx0.take(rows);
    be.fill(dx0, 0);
    let dOut = dy;
    for (let l = this.layerCount - 1; l >= 0; l--) {
      const st = this.state[l];
      const xl = st.input;
      if (xl === null) throw new Error(`${this.name}: backward without a training forward`);
      const W = this.values[l];
      const G = this.grads[l];
      const dxl = (l % 2 === 0 ? s.dxA : s.dxB).take(rows);
      be.copy(dOut, dxl); // residual path
      be.mul(dOut, x0, t); // t = dy (.) x0, shared by every expert
      be.fill(dGate, 0);
      const cols = st.gateCols.take(rows);
      for (let e = 0; e < E; e++) {
        const col = be.slice(cols, e * rows, rows);
        const ub = st.ub[e].take(rows);
        const h1 = st.h1[e].take(rows);
        const h2 = st.h2[e].take(rows);
        // dGate[:, e] = rowwise <dy, x0 (.) ub>; placed as column e by an outer product with unit row e.
        be.mul(t, ub, tmp);
        be.rowSum(rows, d, tmp, dgCol);
        be.gemm(false, false, rows, E, 1, 1, dgCol, be.slice(this.unit, e * E, E), 1, dGate);
        // d(ub) = g_e * dy (.) x0; dx0 += g_e * dy (.) ub.
        this.scaler.scale(rows, d, col, t, 0, du);
        be.mul(dOut, ub, tmp);
        this.scaler.scale(rows, d, col, tmp, 1, dx0);
        be.colSum(rows, d, du, 1, this.bias[l].grad);
        // ub = h2 U_e + b, h2 = tanh(h1 C_e), h1 = tanh(xl V_e).
        be.gemm(true, false, r, d, rows, 1, h2, du, 1, G.u[e]);
        be.gemm(false, true, rows, r, d, 1, du, W.u[e], 0, dh);
        be.tanhBackward(h2, dh, dh);
        be.gemm(true, false, r, r, rows, 1, h1, dh, 1, G.c[e]);
        be.gemm(false, true, rows, r, r, 1, dh, W.c[e], 0, dh1);
        be.tanhBackward(h1, dh1, dh1);
        be.gemm(true, false, d, r, rows, 1, xl, dh1, 1, G.v[e]);
        be.gemm(false, true, rows, d, r, 1, dh1, W.v[e], 1, dxl);
      }
      this.gateBackward(rows, xl, st, dGate, dxl);
      dOut = dxl;
    }
    // x0 is also x_0 of the first layer: its gradient is that path plus the Hadamard terms. Layer 0
    // wrote dxA, and dxB is free by now.
    const dx = s.dxB.take(rows);
    be.add(dOut, dx0, dx);
    return dx;
  }

  /** Gradients of the gates G (experts x d) and of xl through g = act(xl G^T). */
  private gateBackward(rows: number, xl: Buf<'f32'>, st: LayerState, dGate: Buf<'f32'>, dxl: Buf<'f32'>): void {
    const be = this.backend;
    const E = this.experts;
    let dLogits = dGate;
    if (this.gate === 'softmax') {
      dLogits = this.scratch.dGateLogits.take(rows);
      be.softmaxBackward(rows, E, st.gateAct.take(rows), dGate, dLogits);
    }
    be.gemm(true, false, E, this.inFeatures, rows, 1, dLogits, xl, 1, this.gates.grad);
    be.gemm(false, false, rows, this.inFeatures, E, 1, dLogits, this.gates.value, 1, dxl);
  }

  parameters(): readonly Parameter[] {
    const out: Parameter[] = [];
    for (let l = 0; l < this.layerCount; l++) out.push(this.u[l], this.c[l], this.v[l], this.bias[l]);
    out.push(this.gates);
    return out;
  }

  buffers(): Readonly<Record<string, Buf<'f32'>>> {
    return {};
  }

  dispose(): void {
    for (const p of this.parameters()) freeParameter(this.backend, p);
    for (const st of this.state) {
      st.output.dispose();
      st.gateAct.dispose();
      st.gateCols.dispose();
      for (const b of [...st.h1, ...st.h2, ...st.ub]) b.dispose();
      st.input = null;
    }
    for (const b of Object.values(this.scratch)) b.dispose();
    this.backend.free(this.unit);
    this.scaler.dispose();
    this.x0 = null;
  }
}
