/**
 * pnpm release [--dry-run]: packs every public package and checks each tarball (tarball-checks.ts:
 * contents and manifest, publint, arethetypeswrong), lists the pending changesets and what would
 * be published; without --dry-run, and only when every check passed, runs `changeset publish`
 * (which publishes the versions not yet on the registry). This repository's CI never publishes.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CheckRun } from './checks.js';
import { exec } from './exec.js';
import { packPublicPackages, scratchFolder } from './packed-project.js';
import { checkTarballs } from './tarball-checks.js';
import { ROOT } from './workspace.js';

const dryRun = process.argv.includes('--dry-run');
const run: CheckRun = new CheckRun(dryRun ? 'release --dry-run' : 'release');
const work = scratchFolder('lers-release');
const packed = await packPublicPackages(run, work);
if (!packed) run.finish();
await checkTarballs(run, packed.packages, packed.tarballs, work);

const pending = readdirSync(join(ROOT, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
console.log(`\npending changesets: ${pending.length === 0 ? 'none (run `pnpm changeset` to add one, `pnpm changeset version` to apply them)' : pending.join(', ')}`);
for (const pkg of packed.packages) {
  const bytes = statSync(packed.tarballs.get(pkg.name)!).size;
  console.log(`${dryRun ? 'would publish' : 'to publish'} ${pkg.name}@${pkg.version} (${(bytes / 1024).toFixed(0)} KiB packed)`);
}
console.log('');

if (!dryRun) {
  if (run.failures > 0) {
    console.log('not publishing: some checks failed');
  } else {
    await run.check('changeset publish', async () => {
      const { stdout } = await exec('pnpm', ['changeset', 'publish'], { cwd: ROOT });
      return stdout.trim().split('\n').slice(-1)[0] ?? '';
    }, (last) => last);
  }
}
run.finish(work);
