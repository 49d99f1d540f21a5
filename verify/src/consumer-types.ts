/**
 * The declarations type-check for a consumer: fixtures/consumer/consumer.ts imports every public
 * entry point and is compiled with `skipLibCheck: false` (so every .d.ts it reaches is checked)
 * by TypeScript 5.0 and by the current one, with Node's and with bundlers' module resolution.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from './exec.js';
import { FIXTURES, ROOT } from './workspace.js';

export type Resolution = 'NodeNext' | 'Bundler';

/** The compilers: the oldest supported (5.0) and the workspace's. */
export const COMPILERS = {
  '5.0': join(ROOT, 'verify', 'node_modules', 'typescript-5.0', 'bin', 'tsc'),
  current: join(ROOT, 'verify', 'node_modules', 'typescript', 'bin', 'tsc'),
} as const;

/** Type-checks the consumer in `project` (where the tarballs are installed); resolves to tsc's version. */
export async function checkConsumer(project: string, compiler: keyof typeof COMPILERS, resolution: Resolution): Promise<string> {
  const dir = join(project, `ts-${compiler}-${resolution}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(FIXTURES, 'consumer', 'consumer.ts'), join(dir, 'consumer.ts'));
  const compilerOptions = {
    target: 'ES2022',
    module: resolution === 'NodeNext' ? 'NodeNext' : 'ESNext',
    moduleResolution: resolution,
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    types: ['node'],
    // The consumer's @types/node is the workspace's (the temporary project installs only the tarballs).
    typeRoots: [join(ROOT, 'verify', 'node_modules', '@types')],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }, null, 2));
  const { stdout } = await exec(process.execPath, [COMPILERS[compiler], '--version'], { cwd: dir });
  const result = await exec(process.execPath, [COMPILERS[compiler], '-p', 'tsconfig.json'], { cwd: dir, allowFailure: true });
  if (result.code !== 0) throw new Error(`tsc failed:\n${(result.stdout + result.stderr).trim().split('\n').slice(0, 12).join('\n')}`);
  return stdout.trim();
}
