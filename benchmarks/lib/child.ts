/** Child processes of the benchmark suites: run a command, stream its stderr, take its last JSON line. */
import { spawn } from 'node:child_process';

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
