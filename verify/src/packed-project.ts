/**
 * The setup both scripts share: build is done by the caller (turbo); here every public package is
 * packed, the tarballs are installed with npm into a fresh project, and the CLI from those
 * tarballs trains a small CF model on synthetic data.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckRun } from './checks.js';
import { exec } from './exec.js';
import { installTarballs, packAll, publicPackages, type PublicPackage } from './workspace.js';

export interface PackedProject {
  /** A scratch folder for this run. */
  readonly work: string;
  readonly packages: readonly PublicPackage[];
  /** Tarball of each package name. */
  readonly tarballs: ReadonlyMap<string, string>;
  /** The npm project that installed them. */
  readonly project: string;
  /** The model the installed CLI trained (in the project). */
  readonly model: string;
}

/** The `lers train` arguments of the test model: LightGCN on seeded synthetic data, a few seconds. */
export const TRAIN_ARGS = ['train', '--data', 'synthetic-cf', '--data-option', 'users=300', '--data-option', 'items=200', '--epochs', '3', '--dim', '16', '--seed', '7', '-q', '-o', 'model.lers'];

/** A new scratch folder for a run of the checks. */
export function scratchFolder(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** Packs every public package into work/tarballs (a check of `run`); undefined when it failed. */
export async function packPublicPackages(run: CheckRun, work: string): Promise<{ packages: PublicPackage[]; tarballs: Map<string, string> } | undefined> {
  const packages = publicPackages();
  const tarballs = await run.check(`pnpm pack: ${packages.length} public packages`, () => packAll(packages, join(work, 'tarballs')), () => packages.map((p) => `${p.name}@${p.version}`).join(', '));
  return tarballs ? { packages, tarballs } : undefined;
}

/** Packs, installs and trains, each a check of `run`; undefined when one failed (nothing after it can run). */
export async function preparePackedProject(run: CheckRun, prefix: string): Promise<PackedProject | undefined> {
  const work = scratchFolder(prefix);
  const packed = await packPublicPackages(run, work);
  if (!packed) return undefined;
  const { packages, tarballs } = packed;
  const project = join(work, 'project');
  const installed = await run.check('npm install of the tarballs into a fresh project (no workspace links)', async () => {
    await installTarballs(project, tarballs);
    return true;
  });
  if (!installed) return undefined;
  const trained = await run.check('the installed CLI trains a .lers model (lers train --data synthetic-cf)', async () => {
    await exec(join(project, 'node_modules', '.bin', 'lers'), TRAIN_ARGS, { cwd: project });
    return true;
  });
  if (!trained) return undefined;
  return { work, packages, tarballs, project, model: join(project, 'model.lers') };
}
