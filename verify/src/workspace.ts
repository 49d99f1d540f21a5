/**
 * The workspace's public packages, packed as npm would publish them, and a fresh project outside
 * the workspace that installs those tarballs with npm (no workspace links), as a user would.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec } from './exec.js';

/** The repository root. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The fixtures of the checks (a consumer project and a test page). */
export const FIXTURES = join(ROOT, 'verify', 'fixtures');

/** A package.json, as far as the checks read it. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly exports?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** A publishable workspace package. */
export interface PublicPackage {
  readonly name: string;
  readonly version: string;
  /** Folder relative to the root, e.g. packages/kernels. */
  readonly dir: string;
  readonly manifest: Manifest;
}

/** Every workspace package that is not private (packages/*, apps/*), in folder order. */
export function publicPackages(): PublicPackage[] {
  const found: PublicPackage[] = [];
  for (const parent of ['packages', 'apps']) {
    for (const entry of readdirSync(join(ROOT, parent), { withFileTypes: true })) {
      const file = join(ROOT, parent, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
      if (manifest.private !== true) found.push({ name: manifest.name, version: manifest.version, dir: `${parent}/${entry.name}`, manifest });
    }
  }
  return found;
}

/** npm's tarball name of a package: @scope/name@1.0.0 -> scope-name-1.0.0.tgz. */
export function tarballName(pkg: PublicPackage): string {
  return `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`;
}

/**
 * Packs every public package into `dest` with `pnpm pack` (which writes workspace:* dependencies
 * as the versions they point to) and returns the tarball of each package name.
 */
export async function packAll(packages: readonly PublicPackage[], dest: string): Promise<Map<string, string>> {
  mkdirSync(dest, { recursive: true });
  // Three at a time: each is mostly pnpm starting up.
  const files = await inBatches(packages, 3, async (pkg) => {
    await exec('pnpm', ['pack', '--pack-destination', dest], { cwd: join(ROOT, pkg.dir) });
    const file = join(dest, tarballName(pkg));
    if (!existsSync(file)) throw new Error(`pnpm pack in ${pkg.dir} did not write ${file}`);
    return file;
  });
  return new Map(packages.map((pkg, k) => [pkg.name, files[k]]));
}

/** fn over items, `size` at a time, results in order. */
async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let k = 0; k < items.length; k += size) out.push(...(await Promise.all(items.slice(k, k + size).map(fn))));
  return out;
}

/**
 * A new npm project in `dir` that depends on the tarballs (and nothing from the workspace),
 * installed with `npm install`; the registry serves their third-party dependencies.
 */
export async function installTarballs(dir: string, tarballs: ReadonlyMap<string, string>): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const dependencies = Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`]));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'lers-consumer', private: true, type: 'module', dependencies }, null, 2)}\n`);
  await exec('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
}

/** Copies the files of fixture folder `name` into `dir` (recursively). */
export function copyFixture(name: string, dir: string): void {
  copyTree(join(FIXTURES, name), dir);
}

function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) copyTree(join(from, entry.name), join(to, entry.name));
    else copyFileSync(join(from, entry.name), join(to, entry.name));
  }
}
