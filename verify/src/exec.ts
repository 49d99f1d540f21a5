/** Runs a command and collects its output; a non-zero exit is an error carrying the end of its output. */
import { spawn } from 'node:child_process';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
}

export function exec(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; allowFailure?: boolean }): Promise<ExecResult & { code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      const status = code ?? 1;
      if (status !== 0 && options.allowFailure !== true) {
        const tail = (stderr.trim() || stdout.trim()).split('\n').slice(-15).join('\n');
        reject(new Error(`${command} ${args.join(' ')} exited ${status} in ${options.cwd}:\n${tail}`));
      } else resolve({ stdout, stderr, code: status });
    });
  });
}
