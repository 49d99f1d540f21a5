/** Child processes of the benchmark suites: run a command, stream its stderr, take its last JSON line. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { peakRss } from '@lers/eval';

/**
 * Runs `cmd args` (stderr, i.e. progress, streamed through) and resolves with the last line of its
 * stdout parsed as JSON; rejects on a non-zero exit or when that line is not JSON.
 */
export function runJson(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...(env !== undefined ? { env } : {}) });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => (out += s));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`${cmd} ${args.join(' ')} exited with ${String(code)}`));
        return;
      }
      try {
        resolvePromise(JSON.parse(last) as Record<string, unknown>);
      } catch {
        reject(new Error(`${cmd}: no JSON result line in its output`));
      }
    });
  });
}

/**
 * This child's own peak RSS in bytes (VmHWM on Linux: getrusage's maxRSS would count the runner's
 * RSS at spawn, which Linux carries across exec). Where only maxRSS exists it says so on stderr.
 */
export function childPeakRssBytes(): number {
  const peak = peakRss();
  if (peak === null) throw new Error('childPeakRssBytes: no process memory to read (not Node)');
  if (peak.source !== 'VmHWM') process.stderr.write(`peak RSS from getrusage's maxRSS (no /proc/self/status here): it may include the runner's RSS at spawn\n`);
  return peak.bytes;
}

/** What a finished child process printed, and how it ended. */
export interface Captured {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, in seconds. */
  readonly seconds: number;
}

/**
 * Runs `cmd args` with stdout and stderr captured (nothing streamed), `input` written to its stdin
 * when given; resolves with both outputs and the exit status whatever it is (rejects only when the
 * command cannot be started).
 */
export function runCaptured(cmd: string, args: readonly string[], options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv; readonly input?: string } = {}): Promise<Captured> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: 'pipe', cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (s: string) => (stdout += s));
    child.stderr.on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolvePromise({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
    // A child that exits without reading its input breaks the pipe: its exit status tells why.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/**
 * CPU seconds (user + system) of this process's finished child processes, from /proc/self/stat
 * (cutime, cstime; Linux's USER_HZ is 100); null where there is no /proc. Unlike wall time it does
 * not grow when other jobs share the machine.
 */
export function childCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3, "state".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}
