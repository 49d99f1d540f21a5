/**
 * Browser builds never see a `node:` import: every export of an installed package that has a
 * `default` condition is bundled by esbuild for the browser (platform browser, the conditions a
 * browser bundler uses), which fails on any Node built-in. Exports with only a `node` condition
 * (`./node` entries, Node-only packages) are Node's and skipped.
 */
import { build } from 'esbuild';
import type { Manifest } from './workspace.js';

/** The subpaths of `manifest` meant for browsers (those with a default condition). */
export function browserEntries(manifest: Manifest): string[] {
  return Object.entries(manifest.exports ?? {})
    .filter(([key, value]) => !key.includes('*') && !key.endsWith('.json') && typeof value === 'object' && value !== null && 'default' in value)
    .map(([key]) => key);
}

/** Bundles `specifier` for browsers from `project`; resolves to its size, rejects with esbuild's errors. */
export async function bundleForBrowser(project: string, specifier: string): Promise<number> {
  const result = await build({
    stdin: { contents: `export * from '${specifier}';`, resolveDir: project, loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  }).catch((e: unknown) => {
    const errors = (e as { errors?: { text: string }[] }).errors;
    throw new Error(errors ? errors.slice(0, 3).map((x) => x.text).join('; ') : String(e));
  });
  const text = result.outputFiles[0].text;
  const nodeImport = /\bfrom\s*["']node:[a-z_/]+["']|import\(\s*["']node:/.exec(text);
  if (nodeImport) throw new Error(`the bundle imports ${nodeImport[0]}`);
  return text.length;
}
