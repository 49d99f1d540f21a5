#!/usr/bin/env node
import { installBrokenPipeHandler, installSignalHandlers } from './cli/signals.js';
import { runCli } from './cli/program.js';

installSignalHandlers((signal) => {
  process.stderr.write(`\nlers: ${signal} received: stopping at the next safe point (send it again to quit at once)\n`);
});
installBrokenPipeHandler();
process.exitCode = await runCli(process.argv.slice(2));
