import type { Buf } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import type { Layer, LayerContext } from './layer.js';

/** Layers applied in order; backward runs them in reverse. */
export class Sequential implements Layer {
  readonly inFeatures: number;
  readonly outFeatures: number;

  /** A chain of at least one layer whose widths match (checked). */
  constructor(
    readonly name: string,
    readonly layers: readonly Layer[],
  ) {
    if (layers.length === 0) throw new RangeError(`${name}: a Sequential needs at least one layer`);
    for (let i = 1; i < layers.length; i++) {
      if (layers[i].inFeatures !== layers[i - 1].outFeatures) {
        throw new RangeError(`${name}: ${layers[i - 1].name} gives ${layers[i - 1].outFeatures} features but ${layers[i].name} takes ${layers[i].inFeatures}`);
      }
    }
    this.inFeatures = layers[0].inFeatures;
    this.outFeatures = layers[layers.length - 1].outFeatures;
  }

  forward(x: Buf<'f32'>, ctx: LayerContext): Buf<'f32'> {
    let h = x;
    for (const layer of this.layers) h = layer.forward(h, ctx);
    return h;
  }

  backward(dy: Buf<'f32'>): Buf<'f32'> {
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i].backward(g);
    return g;
  }

  parameters(): readonly Parameter[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  buffers(): Readonly<Record<string, Buf<'f32'>>> {
    return Object.assign({}, ...this.layers.map((l) => l.buffers())) as Record<string, Buf<'f32'>>;
  }

  dispose(): void {
    for (const layer of this.layers) layer.dispose();
  }
}
