/** Spawning the built CLI in a temp dir. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `lers args` to completion (stdin from `input` when given). */
export function lers(args: readonly string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnLers(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => { resolve({ code, signal, stdout, stderr }); });
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

/** Starts `lers args` (the caller handles its streams). */
export function spawnLers(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, [MAIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, LERS_CACHE_DIR: join(options.cwd ?? tmpdir(), '.cache'), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** A fresh temp dir, removed by the returned function. */
export function tempDir(prefix = 'lers-cli-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => { rmSync(dir, { recursive: true, force: true }); } };
}

/** Small synthetic data flags (fast). */
export const SMALL_CF = ['--data', 'synthetic-cf', '--data-option', 'users=150', '--data-option', 'items=200', '--epochs', '2', '--batch-size', '512', '--lr', '0.01', '--w-cl', '0', '--dim', '16'];
export const SMALL_CTR = ['--data', 'synthetic-ctr', '--data-option', 'rows=3000', '--epochs', '1', '--batch-size', '256', '--hidden', '16,16', '--lr', '0.01'];

/** The only non-empty stderr line of an error (one clear line, maybe followed by a usage hint). */
export function errorLine(stderr: string): string {
  return stderr.split('\n').find((l) => l.startsWith('lers: error:')) ?? '';
}
