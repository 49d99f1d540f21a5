/** `lers methods`: the embedding methods, what kind each is and which command runs it. */
import type { Command } from 'commander';
import { budgetMethods } from '@lers/embeddings';
import { Context } from '../cli/context.js';
import type { Streams } from '../cli/io.js';
import { knownMethods } from '../model-io/methods.js';

const WHERE: Record<string, string> = { baseline: 'lers train', train: 'lers train', post: 'lers compress', pipeline: 'lers train' };

export function registerMethods(program: Command, streams: Streams): void {
  program
    .command('methods')
    .description('list the embedding compression methods and the command that runs each')
    .addHelpText('after', '\nExamples:\n  $ lers methods\n  $ lers methods --json')
    .action((_opts: object, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      const sized = new Set(budgetMethods());
      const rows = knownMethods().map((m) => ({ ...m, command: WHERE[m.kind], budgetSolver: m.name === 'full' || sized.has(m.name) }));
      ctx.io.result(rows, () =>
        rows
          .map((r) => `${r.name.padEnd(14)} ${r.kind.padEnd(9)} ${r.command.padEnd(14)} ${r.available ? '' : '(not available in this build)'}`.trimEnd())
          .join('\n'),
      );
    });
}
