import type { Backend, Buf } from '@lers/kernels';
import { CheckpointError } from './errors.js';

/** Named f32 buffers on a backend (parameters, model buffers, optimizer state). */
export type NamedBuffers = Readonly<Record<string, Buf<'f32'>>>;

/** Host copies of named buffers. */
export type HostState = Readonly<Record<string, Float32Array>>;

/** Copies every named buffer to the host. */
export async function snapshotBuffers(backend: Backend, named: NamedBuffers): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, buf] of Object.entries(named)) out[name] = await backend.read(buf);
  return out;
}

/**
 * Writes host copies back into the named buffers. Every buffer needs a copy of the same length,
 * and every copy a buffer: a mismatch means the state belongs to another model.
 */
export function restoreBuffers(backend: Backend, named: NamedBuffers, state: HostState, what: string): void {
  const names = Object.keys(named);
  for (const name of names) {
    const data = state[name];
    if (data === undefined) throw new CheckpointError(`${what}: no saved values for "${name}"`);
    const buf = named[name];
    if (data.length !== buf.length) throw new CheckpointError(`${what}: "${name}" has ${data.length} saved values, the model has ${buf.length}`);
  }
  for (const name of Object.keys(state)) {
    if (!(name in named)) throw new CheckpointError(`${what}: saved "${name}" is not in the model`);
  }
  for (const name of names) backend.write(named[name], state[name]);
}

/** Prefixes every name: `prefixed('param/', {a: x})` is `{'param/a': x}`. */
export function prefixed<T>(prefix: string, named: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [name, v] of Object.entries(named)) out[prefix + name] = v;
  return out;
}

/** The entries whose names start with `prefix`, with the prefix removed. */
export function unprefixed<T>(prefix: string, named: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [name, v] of Object.entries(named)) if (name.startsWith(prefix)) out[name.slice(prefix.length)] = v;
  return out;
}
