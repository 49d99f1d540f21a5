/**
 * Running the built `lers` CLI (apps/cli/dist/main.js) on either machine of the ARM checks: the
 * host x86-64 Node, or the arm64 Node under QEMU user-mode emulation.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCaptured, type Captured } from '../lib/child.js';
import { REPO_ROOT, type Arm64Runtime } from './runtime.js';

/** The CLI entry point (built by `turbo run build --filter=@lers/cli...`). */
export const CLI_MAIN = join(REPO_ROOT, 'apps', 'cli', 'dist', 'main.js');

/** A machine the CLI runs on: a name, and the command line that starts its Node. */
export interface CliMachine {
  readonly name: 'x86-64' | 'aarch64';
  readonly command: string;
  readonly prefix: readonly string[];
}

/** This process's Node (x86-64). */
export const HOST: CliMachine = { name: 'x86-64', command: process.execPath, prefix: [] };

/** The arm64 Node, run by the emulator. */
export function emulatedArm64(rt: Arm64Runtime): CliMachine {
  return { name: 'aarch64', command: rt.qemu, prefix: [rt.node] };
}

/** Throws unless the CLI has been built. */
export function checkCliBuilt(): void {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: build the CLI first (turbo run build --filter=@lers/cli...)`);
}

/** Runs `lers args` on a machine in `cwd` (`log` told the command and its wall time); throws with its stderr unless it exits 0. */
export async function lers(machine: CliMachine, args: readonly string[], cwd: string, log?: (line: string) => void): Promise<Captured> {
  const r = await runCaptured(machine.command, [...machine.prefix, CLI_MAIN, ...args], { cwd });
  log?.(`${machine.name}: lers ${args.join(' ')} (${r.seconds.toFixed(1)} s)`);
  if (r.code !== 0) {
    throw new Error(`lers ${args.join(' ')} on ${machine.name} (in ${cwd}) exited with ${String(r.code ?? r.signal)}:\n${r.stderr.trim()}`);
  }
  return r;
}
