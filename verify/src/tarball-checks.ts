/**
 * The checks of each packed package, shared by verify:pack and the release dry run: contents and
 * manifest (package-rules.ts), publint, and arethetypeswrong with the ESM-only profile (the
 * packages are ES modules only, so the CommonJS and node10 resolutions do not apply).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import type { CheckRun } from './checks.js';
import { exec } from './exec.js';
import { packageProblems } from './package-rules.js';
import { ROOT, type PublicPackage } from './workspace.js';

export async function checkTarballs(run: CheckRun, packages: readonly PublicPackage[], tarballs: ReadonlyMap<string, string>, work: string): Promise<void> {
  for (const pkg of packages) {
    const unpacked = join(work, 'unpacked', pkg.dir);
    mkdirSync(unpacked, { recursive: true });
    await exec('tar', ['-xzf', tarballs.get(pkg.name)!, '-C', unpacked, '--strip-components=1'], { cwd: work });
    const problems = packageProblems(pkg, unpacked);
    run.record(`${pkg.name}: contents and manifest`, problems.length > 0 ? problems.join('; ') : null);
  }

  await run.checkAll(packages.map((pkg) => ({
    name: `${pkg.name}: publint`,
    body: async () => {
      const { messages, pkg: manifest } = await publint({ pack: { tarball: new Uint8Array(readFileSync(tarballs.get(pkg.name)!)).buffer }, level: 'suggestion' });
      const lines = messages.map((m) => `${m.type}: ${formatMessage(m, manifest) ?? m.code}`);
      if (messages.some((m) => m.type === 'error')) throw new Error(lines.join('; '));
      return lines;
    },
    note: (lines: string[]) => (lines.length === 0 ? 'no messages' : lines.join('; ')),
  })), 1);

  // The CLI, one process per package, two at a time.
  const attw = join(ROOT, 'verify', 'node_modules', '.bin', 'attw');
  await run.checkAll(packages.map((pkg) => ({
    name: `${pkg.name}: arethetypeswrong --profile esm-only`,
    body: async () => {
      const result = await exec(attw, [tarballs.get(pkg.name)!, '--profile', 'esm-only', '--format', 'json'], { cwd: work, allowFailure: true });
      if (result.code !== 0) throw new Error(attwProblems(result.stdout) || result.stderr.trim().slice(0, 500));
    },
  })), 2);
}

/** The problems of attw's JSON report in the resolutions the ESM-only profile keeps. */
function attwProblems(json: string): string {
  try {
    const { problems = {} } = JSON.parse(json) as { problems?: Record<string, { kind: string; entrypoint?: string; resolutionKind?: string }[]> };
    return Object.values(problems).flat()
      .filter((p) => p.resolutionKind !== 'node10' && p.resolutionKind !== 'node16-cjs')
      .map((p) => `${p.kind} at ${p.entrypoint ?? '?'} (${p.resolutionKind ?? 'any'})`)
      .join('; ');
  } catch {
    return '';
  }
}
