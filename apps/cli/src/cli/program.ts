/** The `lers` program: global flags, the commands, error reporting and exit codes. */
import { Command, CommanderError, Option } from 'commander';
import { registerAdvise } from '../commands/advise.js';
import { registerBench } from '../commands/bench.js';
import { registerCompress } from '../commands/compress.js';
import { registerData } from '../commands/data.js';
import { registerEval } from '../commands/eval.js';
import { registerMethods } from '../commands/methods.js';
import { registerPredict } from '../commands/predict.js';
import { registerProfile } from '../commands/profile.js';
import { registerRecommend } from '../commands/recommend.js';
import { registerTrain } from '../commands/train.js';
import { registerTune } from '../commands/tune.js';
import { registerWorker } from '../commands/worker.js';
import { VERSION } from '../version.js';
import { EXIT, exitCodeOf, isExpected, messageOf } from './errors.js';
import { processStreams, type Streams } from './io.js';
import { BACKEND_CHOICES } from '@lers/runtime';

const OVERVIEW = `
Exit status: 0 success, 1 usage error (bad flags or config, unknown method, unreachable target),
2 data or model error (missing or malformed file, corrupt model), 130 interrupted.

Examples:
  $ lers bench                                   # the grid on the synthetic CF and CTR data (< 10 min)
  $ lers bench --quick                           # the CI profile (< 2 min)
  $ lers train --data synthetic-cf --method qr --target 0.8 -o qr.lers
  $ lers train --data synthetic-ctr --backbone dcnmix --epochs 3 -o dcn.lers
  $ lers tune --data synthetic-cf --method pep --target 0.8 --trials 10 -o pep80.json
  $ lers compress full.lers --method magprune --target 0.95 -o mag95.lers
  $ lers eval qr.lers --json
  $ lers recommend qr.lers --user 42 -k 20
  $ echo "1 2003 3005 3510 3712 3800 3851 3872 3882 3887" | lers predict dcn.lers
  $ lers profile qr.lers --repeats 50
  $ lers data fetch gowalla && lers bench --data gowalla --methods full,qr,magprune
  $ lers advise --results .lers-cache/bench/quick/results.json --budget-bytes 500KB --latency-ms 20`;

/** Builds the program; `streams` receives all output (tests pass their own). */
export function buildProgram(streams: Streams = processStreams): Command {
  const program = new Command('lers');
  program
    .description('Lightweight embedding-based recommenders: train, compress, evaluate, serve, profile and benchmark.')
    .version(VERSION, '-V, --version')
    .option('--json', 'machine-readable output on stdout')
    .option('-q, --quiet', 'no progress or messages on stderr (errors still shown)')
    .option('--threads <n>', 'kernel threads (default 1)')
    .option('--seed <n>', 'seed of initialisation and sampling (default 2023; datasets keep their own split seeds)')
    .addOption(new Option('--backend <kind>', 'kernels: wasm (SIMD, default), wasm-scalar, reference, webgpu (Dawn: a GPU, or Mesa\'s llvmpipe on CPU), auto (WebGPU on a hardware GPU adapter, else WASM SIMD)').choices([...BACKEND_CHOICES]))
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', OVERVIEW)
    .configureOutput({
      writeOut: (s) => { streams.stdout(s); },
      writeErr: (s) => { streams.stderr(s); },
      outputError: (s, write) => { write(`lers: ${s.replace(/^error: /, 'error: ')}`); },
    });
  program.exitOverride();
  registerData(program, streams);
  registerMethods(program, streams);
  registerTrain(program, streams);
  registerTune(program, streams);
  registerCompress(program, streams);
  registerEval(program, streams);
  registerRecommend(program, streams);
  registerPredict(program, streams);
  registerProfile(program, streams);
  registerBench(program, streams);
  registerWorker(program, streams);
  registerAdvise(program, streams);
  for (const cmd of program.commands) {
    cmd.exitOverride();
    cmd.showHelpAfterError(`(run \`lers ${cmd.name()} --help\` for usage)`);
    for (const sub of cmd.commands) {
      sub.exitOverride();
      sub.showHelpAfterError(`(run \`lers ${cmd.name()} ${sub.name()} --help\` for usage)`);
    }
  }
  return program;
}

/** Runs the CLI on `argv` (without node and script); returns the exit status. */
export async function runCli(argv: readonly string[], streams: Streams = processStreams): Promise<number> {
  const program = buildProgram(streams);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; everything else commander reports is a usage error.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return EXIT.usage;
    }
    const code = exitCodeOf(err);
    const lines = messageOf(err).split('\n');
    streams.stderr(`lers: error: ${lines[0]}\n${lines.slice(1).map((l) => `  ${l}\n`).join('')}`);
    if (!isExpected(err)) {
      streams.stderr(`lers: this looks like a bug; details:\n${(err as Error).stack ?? String(err)}\n`);
    } else if (process.env.LERS_DEBUG !== undefined && err instanceof Error && err.stack !== undefined) {
      streams.stderr(`${err.stack}\n`);
    }
    return code;
  }
}
