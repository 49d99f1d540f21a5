/** `lers predict model.lers < rows`: click probabilities of a CTR model, streaming stdin to stdout. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import { auc, logLoss } from '@lers/eval';
import { Context, positiveInt } from '../cli/context.js';
import { UsageError } from '../cli/errors.js';
import type { Streams } from '../cli/io.js';
import { checkInterrupted } from '../cli/signals.js';
import { loadModel } from '../model-io/model-io.js';
import { idRowDecoder, rawRowDecoder, resolveRowFormat, type RowDecoder } from '../model-io/row-input.js';
import { CtrPredictor, LightGcn, openModelFile } from '../model-io/serve.js';

const HELP = `
Input: one row per line, in one of these formats (--format; default auto):
  criteo   raw Criteo TSV rows: I1..I13, C1..C26 (39 tab-separated fields; with --label, the
           label first, i.e. the train.txt lines themselves)
  avazu    raw Avazu CSV rows with the training file's columns (id, hour, C1, ...; with --label
           also click); a header line may name the columns, in any order
  ids      feature ids separated by spaces, tabs or commas (--label: a 0/1 label first)
             --ids global (default): global ids, field offsets applied (what the encoded
                                     dataset's x matrix holds)
             --ids local:            per-field indices 0 .. dim_f - 1 (0 = the field's OOV bucket)
  auto     the model's raw format when it carries its dataset's vocabulary (models trained on
           Criteo/Avazu files), else ids; --ids implies ids
Raw values go through the training preprocessing (integer transform, hour expansion); values
seen too rarely in training, or never, take their field's OOV id.
--label: rows carry the label; AUC and LogLoss are printed on stderr.
Output: one probability per line (--json: one {"row", "p"} object per line), in input order.
A malformed row stops with its file, line and value (exit code 2).

Examples:
  $ lers predict criteo.lers < day_23.txt --label > probs.txt
  $ cut -f2- day_23.txt | lers predict criteo.lers --format criteo
  $ lers predict avazu.lers --input test.csv.gz > probs.txt
  $ printf '0 1 2 3 4 5 6 7 8 9\\n' | lers predict deepfm.lers --ids local
  $ lers predict deepfm.lers --input test-rows.txt --label --batch 4096`;

interface PredictOptions {
  input?: string;
  format: string;
  ids?: string;
  label?: boolean;
  batch: string;
}

export function registerPredict(program: Command, streams: Streams): void {
  program
    .command('predict')
    .description('click probabilities of a CTR model for rows streamed on stdin (or --input)')
    .argument('<model>', 'a .lers model file of task ctr')
    .option('-i, --input <file>', 'read rows from a file (.gz accepted) instead of stdin')
    .option('--format <kind>', 'auto, criteo, avazu or ids', 'auto')
    .option('--ids <kind>', 'with --format ids: global or local feature ids (default global)')
    .option('--label', 'rows carry a 0/1 label (metrics on stderr)')
    .option('--batch <n>', 'rows per forward pass', '1024')
    .addHelpText('after', HELP)
    .action(async (path: string, opts: PredictOptions, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      const batch = positiveInt(opts.batch, '--batch');
      const file = await openModelFile(path);
      if (file.header.task !== 'ctr') throw new UsageError(`${path} is a ${file.header.task} model: predict needs a ctr model (use \`lers recommend\` for cf)`);
      const label = opts.label === true;
      const source = opts.input ?? '<stdin>';
      const input = opts.input === undefined ? process.stdin : opts.input.endsWith('.gz') ? createReadStream(opts.input).pipe(createGunzip()) : createReadStream(opts.input);
      await ctx.withBackend(async (be) => {
        const { model } = loadModel(file, be);
        if (model instanceof LightGcn) {
          model.dispose();
          throw new UsageError('predict needs a DeepFM or DCN-Mix model');
        }
        let decode: RowDecoder;
        try {
          const ds = model.dataset;
          const format = resolveRowFormat(opts.format, opts.ids, ds.vocabulary ?? null, path);
          decode = format === 'ids' ? idRowDecoder(ds, opts.ids === 'local' ? 'local' : 'global', label, source) : rawRowDecoder(ds.vocabulary!, label, source);
        } catch (err) {
          model.dispose();
          throw err;
        }
        const pred = new CtrPredictor(model);
        const F = pred.fields;
        let x = new Int32Array(batch * F);
        let n = 0;
        let row = 0;
        const labels: number[] = [];
        const probs: number[] = [];
        const flush = async (): Promise<void> => {
          if (n === 0) return;
          const p = await pred.predict(x, n);
          let text = '';
          for (let i = 0; i < n; i++) {
            text += ctx.flags.json ? `{"row":${row - n + i},"p":${p[i]}}\n` : `${p[i].toFixed(6)}\n`;
            if (label) probs.push(p[i]);
          }
          ctx.io.out(text);
          n = 0;
          x = new Int32Array(batch * F);
          checkInterrupted();
        };
        const lines = createInterface({ input, crlfDelay: Infinity });
        let lineNo = 0;
        try {
          for await (const line of lines) {
            const parsed = decode(line, ++lineNo);
            if (parsed === null) continue;
            x.set(parsed.ids, n * F);
            if (parsed.label !== null) labels.push(parsed.label);
            n++;
            row++;
            if (n === batch) await flush();
          }
          await flush();
        } finally {
          lines.close();
          model.dispose();
        }
        if (label && labels.length > 0) {
          const y = Float32Array.from(labels);
          const p = Float32Array.from(probs);
          ctx.io.info(`rows ${labels.length}: AUC ${auc(p, y).toFixed(4)}, LogLoss ${logLoss(p, y).toFixed(4)}`);
        }
      });
    });
}
