import type { Buf } from '@lers/kernels';
import type { Model } from '../model.js';
import type { Artifact, Artifacts } from './artifacts.js';

/** A model's parameters and buffers as artifacts `<prefix>param/<name>` and `<prefix>buffer/<name>` (host copies). */
export async function weightArtifacts(model: Model, prefix: string): Promise<Record<string, Artifact>> {
  const out: Record<string, Artifact> = {};
  for (const p of model.parameters()) out[`${prefix}param/${p.name}`] = await model.backend.read(p.value);
  for (const [name, b] of Object.entries(model.buffers())) out[`${prefix}buffer/${name}`] = await model.backend.read(b);
  return out;
}

/**
 * Writes weights saved by `weightArtifacts` (given as the artifacts under `prefix`, prefix removed)
 * into a model of the same architecture; throws, naming `what`, when one is missing or has another size.
 */
export function writeWeightArtifacts(model: Model, saved: (prefix: string) => Artifacts, prefix: string, what: string): void {
  const targets: [string, Readonly<Record<string, Buf<'f32'>>>][] = [
    ['param/', Object.fromEntries(model.parameters().map((p) => [p.name, p.value]))],
    ['buffer/', model.buffers()],
  ];
  for (const [kind, bufs] of targets) {
    const values = saved(prefix + kind);
    for (const [name, buf] of Object.entries(bufs)) {
      const v = values[name];
      if (!(v instanceof Float32Array) || v.length !== buf.length) throw new Error(`${what}: no saved values for ${kind.slice(0, -1)} ${name}`);
      model.backend.write(buf, v);
    }
  }
}
