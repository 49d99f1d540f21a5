import { CheckpointError } from '../train/errors.js';

/** What one stage hands to the next: masks (u8), chosen sizes (i32), weights (f32). */
export type Artifact = Float32Array | Int32Array | Uint8Array;

/** Named artifacts. */
export type Artifacts = Readonly<Record<string, Artifact>>;

/** The element type of an artifact as stored in a state file. */
export type ArtifactType = 'f32' | 'i32' | 'u8';

/** How an artifact is listed in a state file's header. */
export interface ArtifactEntry {
  readonly name: string;
  readonly type: ArtifactType;
  readonly length: number;
}

/** The element type of an artifact. */
export function artifactType(a: Artifact): ArtifactType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Int32Array) return 'i32';
  return 'u8';
}

/**
 * The artifact as an f32 section of the checkpoint codec: f32 as it is; i32 and u8 reinterpreted
 * byte for byte (u8 padded to a multiple of 4). The codec copies bytes and never reads the floats,
 * so any bit pattern survives.
 */
export function toSection(a: Artifact): Float32Array {
  if (a instanceof Float32Array) return a;
  const bytes = new Uint8Array(Math.ceil(a.byteLength / 4) * 4);
  bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return new Float32Array(bytes.buffer);
}

/** The artifact an entry describes, from its section (a copy). */
export function fromSection(entry: ArtifactEntry, section: Float32Array): Artifact {
  const bytes = new Uint8Array(section.buffer, section.byteOffset, section.byteLength);
  const need = entry.type === 'u8' ? entry.length : 4 * entry.length;
  if (need > bytes.length || bytes.length - need >= 4) throw new CheckpointError(`pipeline state: artifact "${entry.name}" has ${bytes.length} bytes, expected ${need}`);
  if (entry.type === 'f32') return section.slice();
  if (entry.type === 'i32') return new Int32Array(bytes.slice(0, need).buffer);
  return bytes.slice(0, need);
}
