/** `lers methods`: the embedding methods of the registry, their kind and the command that runs each. */
import type { Command } from 'commander';
import { methodRegistrations, type MethodRegistration } from '@lers/models';
import { Context } from '../cli/context.js';
import type { Streams } from '../cli/io.js';

const COMMAND: Record<MethodRegistration['kind'], string> = { baseline: 'lers train', trained: 'lers train', 'post-training': 'lers compress', 'search-then-retrain': 'lers train' };

export function registerMethods(program: Command, streams: Streams): void {
  program
    .command('methods')
    .description('list the embedding compression methods, what each is, and the command that runs it')
    .addHelpText('after', '\nExamples:\n  $ lers methods\n  $ lers methods --json')
    .action((_opts: object, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      const rows = methodRegistrations().map((m) => ({
        name: m.name,
        kind: m.kind,
        command: COMMAND[m.kind],
        budgetSolver: m.name === 'full' || m.budget !== undefined,
        // Every registered method runs in this build (kept for scripts that read the field).
        available: true,
        summary: m.summary,
        servedAs: m.servedAs,
      }));
      ctx.io.result(rows, () => rows.map((r) => `${r.name.padEnd(14)} ${r.kind.padEnd(20)} ${r.command.padEnd(14)} ${r.summary}`).join('\n'));
    });
}
