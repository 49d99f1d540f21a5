/**
 * The loader against 10,000 mutated model files (flipped bytes, truncations, edited header JSON,
 * edited section offsets, lengths and types, huge, negative and wrongly typed values), the checksum
 * recomputed after each mutation so that the decoder, not the checksum, must catch it: every one is
 * either loaded and served or rejected with one of the runtime's typed errors, never a crash or a
 * hang, and the backend memory it reaches stays within a small multiple of what the valid file needs.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWasmBackend, Rng, type HostBackend } from '@lers/kernels';
import { decodeContainer, encodeContainer, LersDataError, Murmur3, PREFIX_BYTES, type JsonObject, type JsonValue } from '@lers/data';
import { MODEL_FORMAT } from '@lers/embeddings';
import { compressModel, SettingsError } from '@lers/models';
import { ModelFileError, Recommender, RequestError } from '../src/index.js';
import { defaultLoadBudget } from '../src/load-budget.js';
import { cfDataset, cfSettings, ctrDataset, ctrSettings, modelBytes, trained } from './helpers.js';

const MUTATIONS = Number(process.env.LERS_FUZZ_MUTATIONS ?? 10_000);

/** The typed errors a malformed model may raise (LersDataError covers CacheFormatError and ModelContentError). */
function isTyped(err: unknown): boolean {
  return err instanceof LersDataError || err instanceof ModelFileError || err instanceof SettingsError || err instanceof RequestError;
}

/** Rewrites the trailing checksum of a container so that it matches its (mutated) bytes. */
function rechecksum(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 4) return bytes;
  const body = bytes.length - 4;
  const sum = new Murmur3().update(bytes.subarray(0, body)).digest();
  new DataView(bytes.buffer, bytes.byteOffset + body, 4).setUint32(0, sum, true);
  return bytes;
}

/** A random path to a value inside a JSON value (objects and arrays), with a setter. */
function randomSlot(root: JsonObject, rng: Rng): { get: () => JsonValue; set: (v: JsonValue | undefined) => void } {
  let parent: JsonObject | JsonValue[] = root;
  let key: string | number = Object.keys(root)[rng.nextInt(Object.keys(root).length)];
  for (let depth = 0; depth < 6; depth++) {
    const v: JsonValue = (parent as Record<string | number, JsonValue>)[key];
    const children: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : v !== null && typeof v === 'object' ? Object.keys(v) : [];
    if (children.length === 0 || rng.nextFloat() < 0.25) break;
    parent = v as JsonObject | JsonValue[];
    key = children[rng.nextInt(children.length)];
  }
  const p = parent as Record<string | number, JsonValue>;
  const k = key;
  return {
    get: () => p[k],
    set: (v) => {
      if (v === undefined) {
        if (Array.isArray(p)) p.splice(Number(k), 1);
        else Reflect.deleteProperty(p, k);
      } else p[k] = v;
    },
  };
}

/** A replacement for a header value: off by one, doubled, huge, negative, zero, another type, or deleted. */
function mutatedValue(v: JsonValue, rng: Rng): JsonValue | undefined {
  const n = typeof v === 'number' ? v : 7;
  const choices: (JsonValue | undefined)[] = [n + 1, n - 1, 2 * n, -n, 0, -1, 1e12, 2 ** 31, 0.5, null, 'x', '', [], {}, true, undefined, typeof v === 'string' ? `${v}x` : 'full'];
  return choices[rng.nextInt(choices.length)];
}

/** One seeded mutation of a valid model file, its checksum made valid again (null: none fit; draw again). */
function mutate(valid: Uint8Array, rng: Rng): { bytes: Uint8Array; kind: string } | null {
  const kind = rng.nextInt(5);
  if (kind === 0) {
    const bytes = valid.slice();
    for (let f = 1 + rng.nextInt(4); f > 0; f--) bytes[rng.nextInt(bytes.length - 4)] ^= 1 << rng.nextInt(8);
    return { bytes: rechecksum(bytes), kind: 'flipped bytes' };
  }
  if (kind === 1) return { bytes: rechecksum(valid.slice(0, rng.nextInt(valid.length))), kind: 'truncated' };
  const { header, sections } = decodeContainer(valid, 'fuzz', MODEL_FORMAT);
  if (kind === 2 || kind === 3) {
    // The model header (tables, dense arrays, dataset, config, sizes): rebuilt into a valid container.
    const meta = JSON.parse(JSON.stringify(header.meta)) as JsonObject;
    for (let e = kind === 2 ? 1 : 3; e > 0; e--) {
      const slot = randomSlot(meta, rng);
      slot.set(mutatedValue(slot.get(), rng));
    }
    const list = header.sections.map((s) => ({ name: s.name, data: sections.get(s.name)! }));
    return { bytes: encodeContainer(meta, list, MODEL_FORMAT), kind: 'edited model header' };
  }
  // The container's section table (offsets, lengths, types, names), written back in place.
  const entries = header.sections.map((s) => ({ ...s }));
  const e = entries[rng.nextInt(entries.length)];
  const field = (['offset', 'length', 'dtype', 'name'] as const)[rng.nextInt(4)];
  if (field === 'dtype') e.dtype = (['i32', 'u32', 'f32', 'f64', 'u8', 'i8', 'u16', 'i16'] as const)[rng.nextInt(8)];
  else if (field === 'name') e.name = `${e.name}~`;
  else e[field] = mutatedValue(e[field], rng) as number;
  const json = new TextEncoder().encode(JSON.stringify({ ...header, sections: entries }));
  const headerLength = new DataView(valid.buffer, valid.byteOffset + 12, 4).getUint32(0, true);
  if (json.length > headerLength) return null;
  const bytes = valid.slice();
  bytes.fill(0x20, PREFIX_BYTES, PREFIX_BYTES + headerLength);
  bytes.set(json, PREFIX_BYTES);
  return { bytes: rechecksum(bytes), kind: 'edited section table' };
}

/** Loads, serves one request, disposes; returns the outcome and the largest WASM memory reached. */
async function tryLoad(bytes: Uint8Array, peak: { bytes: number }): Promise<'served' | 'rejected'> {
  peak.bytes = 0;
  let rec: Recommender;
  try {
    rec = await Recommender.load(bytes, { backend: 'wasm', serving: 'propagate' });
  } catch (err) {
    if (!isTyped(err)) throw new Error(`untyped load error: ${String((err as Error).stack ?? err)}`);
    return 'rejected';
  }
  try {
    if (rec.task === 'cf') await rec.recommend(0, { k: 5 });
    else await rec.predict(new Int32Array(rec.ctrSchema().fieldOffsets));
  } catch (err) {
    if (!isTyped(err)) throw new Error(`untyped request error on a loaded model: ${String((err as Error).stack ?? err)}`);
  } finally {
    rec.dispose();
  }
  return 'served';
}

describe('model loader fuzz', () => {
  let be: HostBackend;
  const bases: { name: string; bytes: Uint8Array }[] = [];
  const peak = { bytes: 0 };
  beforeAll(async () => {
    be = await createWasmBackend();
    const cf = cfDataset();
    const ctr = ctrDataset();
    // Every form a load uses in place or rebuilds from the file: dense, QR, DHE's MLP, QAT's codes
    // from its masters, CERP's P and Q CSRs, a CSR table and PTQ's fp16 codes (below).
    for (const s of [cfSettings('full', null), cfSettings('qr', 0.5), ctrSettings('deepfm', 'qr', 0.5), ctrSettings('dcnmix', 'dhe', 0.8), cfSettings('qat', 0.75), cfSettings('cerp', 0.8)]) {
      const model = await trained(be, s.task === 'cf' ? cf : ctr, { ...s, epochs: 1 });
      try {
        bases.push({ name: `${s.backbone}-${s.method}`, bytes: await modelBytes(model, s) });
        if (s.task === 'cf' && s.method === 'full') {
          // A CSR table, which loading validates and uses in place in the file's memory, and fp16 codes.
          for (const [method, target] of [['magprune', 0.8], ['ptq', 0.5]] as const) {
            const compressed = { ...cfSettings(method, target), epochs: 1, methodOptions: {} };
            const c = await compressModel(be, model, cf, compressed, { method, target, options: {}, kMin: 0, tolerance: 0.01 });
            try {
              bases.push({ name: `lightgcn-${method}`, bytes: await modelBytes(c.model, compressed) });
            } finally {
              c.model.dispose();
            }
          }
        }
      } finally {
        model.dispose();
      }
    }
    // The largest WASM memory each load reaches (memory only grows, so its size after a grow is the peak).
    const grow = Object.getOwnPropertyDescriptor(WebAssembly.Memory.prototype, 'grow')!.value as (this: WebAssembly.Memory, pages: number) => number;
    vi.spyOn(WebAssembly.Memory.prototype, 'grow').mockImplementation(function (this: WebAssembly.Memory, pages: number) {
      const before = Reflect.apply(grow, this, [pages]);
      peak.bytes = Math.max(peak.bytes, this.buffer.byteLength);
      return before;
    });
  });
  afterAll(() => {
    vi.restoreAllMocks();
    be.dispose();
  });

  it(`loads or rejects with a typed error each of ${MUTATIONS} mutated files, within bounded memory`, async () => {
    const rng = new Rng(2026, 0x66757a7a);
    const tally: Record<string, Record<'served' | 'rejected', number>> = {};
    for (const base of bases) {
      // The valid file itself loads and serves; its peak is the yardstick.
      expect(await tryLoad(base.bytes, peak)).toBe('served');
      const validPeak = peak.bytes;
      for (let m = 0; m < MUTATIONS / bases.length; m++) {
        let mutation = mutate(base.bytes, rng);
        while (mutation === null) mutation = mutate(base.bytes, rng);
        const { bytes, kind } = mutation;
        const t0 = performance.now();
        const outcome = await tryLoad(bytes, peak);
        const ms = performance.now() - t0;
        // A load is milliseconds; seconds mean a mutation found a loop sized by a header value.
        if (ms > 5000) throw new Error(`${base.name}, mutation ${m} (${kind}): load and request took ${ms.toFixed(0)} ms`);
        // The runtime's load budget (16 x the file, at least 64 MiB) on top of the memory's initial 16 MiB.
        const bound = Math.max(2 * validPeak, (16 << 20) + defaultLoadBudget(bytes.length) + (4 << 20));
        if (peak.bytes > bound) throw new Error(`${base.name}, mutation ${m} (${kind}): the backend memory reached ${peak.bytes} bytes, over ${bound}`);
        const t = (tally[kind] ??= { served: 0, rejected: 0 });
        t[outcome]++;
      }
    }
    console.log(`loader fuzz (${bases.map((b) => `${b.name} ${b.bytes.length} B`).join(', ')}): ${JSON.stringify(tally)}`);
    const total = Object.values(tally).reduce((s, t) => s + t.served + t.rejected, 0);
    expect(total).toBe(MUTATIONS);
    // The mutations must bite: most files are rejected, some still load (harmless value changes).
    expect(Object.values(tally).reduce((s, t) => s + t.rejected, 0)).toBeGreaterThan(MUTATIONS / 2);
  }, 600_000);
});
