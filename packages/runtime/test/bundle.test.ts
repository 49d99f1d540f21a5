/**
 * Importing @lers/runtime does not load WebGPU: a bundler puts @lers/webgpu (and, from the Node
 * entry, Dawn's `webgpu` package) in chunks loaded only when WebGPU is asked for.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

/** The bundle of an entry, code split: its entry chunk's inputs and every chunk's static imports. */
async function bundle(entry: string, platform: 'browser' | 'node'): Promise<Metafile> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform,
    outdir: '/lers-bundle-test', // nothing is written
    write: false,
    metafile: true,
    external: ['node:*', 'webgpu'],
    logLevel: 'silent',
  });
  return result.metafile;
}

/** Inputs reachable from the entry chunk through static imports only. */
function staticInputs(meta: Metafile): { inputs: string[]; externals: string[] } {
  const entry = Object.keys(meta.outputs).find((o) => meta.outputs[o].entryPoint !== undefined)!;
  const seen = new Set<string>([entry]);
  const queue = [entry];
  const inputs: string[] = [];
  const externals: string[] = [];
  while (queue.length > 0) {
    const out = meta.outputs[queue.pop()!];
    inputs.push(...Object.keys(out.inputs));
    for (const imp of out.imports) {
      if (imp.kind !== 'import-statement') continue;
      if (imp.external === true) externals.push(imp.path);
      else if (!seen.has(imp.path)) {
        seen.add(imp.path);
        queue.push(imp.path);
      }
    }
  }
  return { inputs, externals };
}

describe('WebGPU stays out of the static import graph', () => {
  it('the browser entry: @lers/webgpu only in a dynamically imported chunk', async () => {
    const meta = await bundle('../src/index.ts', 'browser');
    const { inputs } = staticInputs(meta);
    expect(inputs.some((i) => i.includes('kernels/'))).toBe(true);
    expect(inputs.filter((i) => i.includes('webgpu/'))).toEqual([]);
    // ... and it is in the bundle, behind a dynamic import.
    expect(Object.values(meta.outputs).some((o) => Object.keys(o.inputs).some((i) => i.includes('webgpu/dist/index.js')))).toBe(true);
  });

  it('the Node entry: neither @lers/webgpu nor Dawn (`webgpu`) imported statically', async () => {
    const { inputs, externals } = staticInputs(await bundle('../src/node/index.ts', 'node'));
    expect(inputs.filter((i) => i.includes('webgpu/'))).toEqual([]);
    expect(externals).not.toContain('webgpu');
  });
});
