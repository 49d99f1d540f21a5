/**
 * What a packed package must be to publish (checked on the unpacked tarball, so on exactly what
 * npm would serve): the MIT LICENSE of the repository, a README that starts with `npm i` and an
 * example, the publishing fields, `types` first in every conditional export and every export
 * target present, source maps whose sources are shipped, no test files, no workspace: ranges.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Manifest, PublicPackage } from './workspace.js';
import { ROOT } from './workspace.js';

/** The problems of one unpacked package (empty: none). */
export function packageProblems(pkg: PublicPackage, unpacked: string): string[] {
  const problems: string[] = [];
  const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as Manifest;
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
  const files = listFiles(unpacked);

  if (!files.includes('LICENSE')) problems.push('no LICENSE');
  else if (readFileSync(join(unpacked, 'LICENSE'), 'utf8') !== readFileSync(join(ROOT, 'LICENSE'), 'utf8')) problems.push('LICENSE differs from the repository\'s');
  problems.push(...readmeProblems(pkg, unpacked));

  if (manifest.license !== 'MIT') problems.push(`license ${String(manifest.license)}, not MIT`);
  const repository = manifest.repository as { url?: string; directory?: string } | undefined;
  const rootRepository = root.repository as { url?: string } | undefined;
  if (!repository?.url || repository.url !== rootRepository?.url) problems.push(`repository.url ${String(repository?.url)} is not the root's ${String(rootRepository?.url)}`);
  if (repository?.directory !== pkg.dir) problems.push(`repository.directory ${String(repository?.directory)}, not ${pkg.dir}`);
  const engines = manifest.engines as { node?: string } | undefined;
  if (!engines?.node) problems.push('no engines.node');
  if ((manifest.publishConfig as { access?: string } | undefined)?.access !== 'public') problems.push('publishConfig.access is not public');
  problems.push(...sideEffectProblems(manifest.sideEffects, files));
  problems.push(...exportProblems(manifest.exports, unpacked));
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
      if (range.startsWith('workspace:')) problems.push(`${field}.${name} is ${range}`);
    }
  }
  const tests = files.filter((f) => /(^|\/)test\/|\.test\.[jt]s$/.test(f));
  if (tests.length > 0) problems.push(`ships test files (${tests.slice(0, 3).join(', ')})`);
  problems.push(...sourceMapProblems(files, unpacked));
  return problems;
}

/** README.md: the first code block installs the package with `npm i`, the second uses it. */
function readmeProblems(pkg: PublicPackage, unpacked: string): string[] {
  const file = join(unpacked, 'README.md');
  if (!existsSync(file)) return ['no README.md'];
  const blocks = readmeBlocks(readFileSync(file, 'utf8')).map((b) => b.code);
  const problems: string[] = [];
  if (blocks.length < 2) return ['README.md has fewer than two code blocks (npm i, then an example)'];
  if (!new RegExp(`^npm i (-g )?${pkg.name.replace('/', '\\/')}\\b`, 'm').test(blocks[0])) problems.push(`README.md's first code block is not \`npm i ${pkg.name}\``);
  const bin = Object.keys((pkg.manifest.bin ?? {}));
  if (!blocks[1].includes(pkg.name) && !bin.some((b) => blocks[1].includes(`${b} `))) problems.push(`README.md's second code block does not use ${pkg.name}`);
  return problems;
}

/** The fenced code blocks of a Markdown text, with their language. */
export function readmeBlocks(markdown: string): { lang: string; code: string }[] {
  return [...markdown.matchAll(/^```([a-z]*)\n([\s\S]*?)^```/gm)].map((m) => ({ lang: m[1], code: m[2] }));
}

function sideEffectProblems(sideEffects: unknown, files: readonly string[]): string[] {
  if (sideEffects === false) return [];
  if (!Array.isArray(sideEffects)) return [`sideEffects is ${JSON.stringify(sideEffects)}: say false, or list the files that have side effects`];
  return (sideEffects as string[]).filter((f) => !f.includes('*') && !files.includes(f.replace(/^\.\//, ''))).map((f) => `sideEffects names ${f}, which is not in the package`);
}

/** Every conditional export has `types`, first; every target file exists. */
function exportProblems(exports: unknown, unpacked: string): string[] {
  if (typeof exports !== 'object' || exports === null) return ['no exports map'];
  const problems: string[] = [];
  const visit = (key: string, value: unknown): void => {
    if (typeof value === 'string') {
      if (!value.includes('*') && !existsSync(join(unpacked, value))) problems.push(`exports ${key} -> ${value}, which is not in the package`);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const conditions = Object.keys(value);
    if (!conditions.includes('types')) problems.push(`exports ${key} has no types condition`);
    else if (conditions[0] !== 'types') problems.push(`exports ${key}: types is not the first condition`);
    for (const [condition, target] of Object.entries(value)) visit(`${key}[${condition}]`, target);
  };
  for (const [key, value] of Object.entries(exports)) visit(key, value);
  return problems;
}

/** Every `sources` entry of every .map file is a file of the package. */
function sourceMapProblems(files: readonly string[], unpacked: string): string[] {
  const missing = new Set<string>();
  for (const map of files.filter((f) => f.endsWith('.map'))) {
    const { sources = [] } = JSON.parse(readFileSync(join(unpacked, map), 'utf8')) as { sources?: string[] };
    for (const source of sources) {
      const target = resolve(unpacked, dirname(map), source);
      if (!existsSync(target)) missing.add(relative(unpacked, target));
    }
  }
  return missing.size === 0 ? [] : [`source maps name ${missing.size} missing file(s), e.g. ${[...missing].slice(0, 2).join(', ')}`];
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? listFiles(dir, path) : [path];
  });
}
