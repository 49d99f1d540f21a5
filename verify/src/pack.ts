/**
 * pnpm verify:pack: the packages as npm would publish them. Every public package is packed; each
 * tarball is checked (contents and manifest: package-rules.ts; publint; arethetypeswrong with
 * the ESM-only profile, as the packages are ES modules only) and installed with npm into a fresh
 * project, where a Node ESM script loads a model that the installed CLI trained and recommends as
 * the CLI does, every browser entry bundles without Node built-ins, and a TypeScript consumer
 * type-checks with skipLibCheck: false on TypeScript 5.0 and the current one.
 * Prints one line per check and `verify:pack: N passed, N failed`; exits 1 on any failure.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { browserEntries, bundleForBrowser } from './browser-entries.js';
import { CheckRun } from './checks.js';
import { checkConsumer, type COMPILERS, type Resolution } from './consumer-types.js';
import { exec } from './exec.js';
import { readmeBlocks } from './package-rules.js';
import { preparePackedProject } from './packed-project.js';
import { checkTarballs } from './tarball-checks.js';
import { listsDiffer, type RecommendationList } from './recommendations.js';
import { FIXTURES, ROOT } from './workspace.js';

const USERS = [0, 1, 2, 3, 4];
/** A two-method grid on small synthetic data (seconds), for the examples that read bench results. */
const BENCH_ARGS = ['bench', '--datasets', 'synthetic-cf', '--data-option', 'users=300', '--data-option', 'items=200', '--methods', 'full,qr', '--targets', '0.8', '--epochs', '1', '-q', '--out', 'bench'];
const K = 10;

const run: CheckRun = new CheckRun('verify:pack');
const prepared = await preparePackedProject(run, 'lers-verify-pack');
if (!prepared) run.finish();
const { packages, tarballs, project, work } = prepared;

await checkTarballs(run, packages, tarballs, work);

for (const pkg of packages) {
  const entries = browserEntries(pkg.manifest);
  for (const subpath of entries) {
    const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
    await run.check(`${specifier}: bundles for browsers without node: imports`, () => bundleForBrowser(project, specifier), (bytes) => `${Math.round(bytes / 1024)} KiB`);
  }
}

const cli = await run.check('the installed CLI recommends (lers recommend --json)', async () => {
  const { stdout } = await exec(join(project, 'node_modules', '.bin', 'lers'), ['recommend', 'model.lers', '--user', USERS.join(','), '-k', String(K), '--json'], { cwd: project });
  return (JSON.parse(stdout) as { users: RecommendationList[] }).users;
});
copyFileSync(join(FIXTURES, 'consumer', 'recommend-node.mjs'), join(project, 'recommend-node.mjs'));
for (const threads of [1, 2]) {
  await run.check(`a Node ESM script (@lers/runtime/node) loads the model and recommends as the CLI, ${threads} thread(s)`, async () => {
    const { stdout } = await exec(process.execPath, ['recommend-node.mjs', 'model.lers', String(threads), String(K), ...USERS.map(String)], { cwd: project });
    const result = JSON.parse(stdout) as { threads: number; reason: string; lists: RecommendationList[] };
    if (result.threads !== threads) throw new Error(`ran on ${result.threads} thread(s): ${result.reason}`);
    const differ = cli ? listsDiffer(cli, result.lists) : 'the CLI gave no recommendations';
    if (differ) throw new Error(differ);
    return result.reason;
  }, (reason) => reason);
}

// Each README's example (its second code block) runs as written, from the installed tarballs, next
// to a copy of the model (the runtime's example loads model.lers) and of a small bench run's
// results.json (the advisor's example reads it; its cells name their model files in the project).
await run.check('the installed CLI runs a small bench grid (lers bench)', async () => {
  await exec(join(project, 'node_modules', '.bin', 'lers'), BENCH_ARGS, { cwd: project });
});
for (const pkg of packages) {
  await run.check(`${pkg.name}: the README's example runs`, async () => {
    const example = readmeBlocks(readFileSync(join(ROOT, pkg.dir, 'README.md'), 'utf8'))[1];
    if (!['js', 'sh'].includes(example.lang)) throw new Error(`the example is \`\`\`${example.lang}, not js or sh`);
    const dir = join(project, 'readme', pkg.dir);
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(project, 'model.lers'), join(dir, 'model.lers'));
    copyFileSync(join(project, 'bench', 'results.json'), join(dir, 'results.json'));
    const file = join(dir, example.lang === 'js' ? 'example.mjs' : 'example.sh');
    writeFileSync(file, example.code);
    const env = { ...process.env, PATH: `${join(project, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` };
    const { stdout } = await exec(example.lang === 'js' ? process.execPath : 'bash', example.lang === 'js' ? [file] : ['-e', file], { cwd: dir, env });
    return stdout.trim().split('\n').slice(-1)[0] ?? '';
  }, (last) => `last line: ${last.slice(0, 100)}`);
}

const compilers: [keyof typeof COMPILERS, Resolution][] = [['5.0', 'NodeNext'], ['current', 'NodeNext'], ['current', 'Bundler']];
await run.checkAll(compilers.map(([compiler, resolution]) => ({
  name: `a TypeScript consumer type-checks (TypeScript ${compiler}, moduleResolution ${resolution}, skipLibCheck false)`,
  body: () => checkConsumer(project, compiler, resolution),
  note: (version: string) => version,
})), 2);

run.finish(prepared.work);
