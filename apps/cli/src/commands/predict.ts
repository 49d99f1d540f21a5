/** `lers predict model.lers < rows`: click probabilities of a CTR model, streaming stdin to stdout. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import { auc, logLoss } from '@lers/eval';
import { DataFormatError } from '@lers/data';
import { Context, positiveInt } from '../cli/context.js';
import { UsageError } from '../cli/errors.js';
import type { Streams } from '../cli/io.js';
import { checkInterrupted } from '../cli/signals.js';
import { loadModel } from '../model-io/model-io.js';
import { CtrPredictor, LightGcn, openModelFile } from '../model-io/serve.js';

const HELP = `
Input: one row per line, the model's fields in order, separated by spaces, tabs or commas.
  --ids global (default): global feature ids, field offsets applied (what the encoded dataset's
                          x matrix holds; field f's ids are offset_f .. offset_f + dim_f - 1)
  --ids local:            per-field indices 0 .. dim_f - 1 (0 = the field's OOV bucket)
  --label:                the first column is a 0/1 label; AUC and LogLoss are printed on stderr
Raw Criteo/Avazu text is not accepted: the model file does not carry the readers' vocabularies;
encode raw rows with the dataset's reader first. \`lers profile model.lers --json\` lists the fields.
Output: one probability per line (--json: one {"row", "p"} object per line), in input order.

Examples:
  $ lers predict dcn.lers < rows.txt > probs.txt
  $ printf '0 1 2 3 4 5 6 7 8 9\\n' | lers predict deepfm.lers --ids local
  $ lers predict deepfm.lers --input test-rows.txt --label --batch 4096`;

export function registerPredict(program: Command, streams: Streams): void {
  program
    .command('predict')
    .description('click probabilities of a CTR model for rows streamed on stdin (or --input)')
    .argument('<model>', 'a .lers model file of task ctr')
    .option('-i, --input <file>', 'read rows from a file (.gz accepted) instead of stdin')
    .option('--ids <kind>', 'global or local feature ids', 'global')
    .option('--label', 'the first column is a 0/1 label (metrics on stderr)')
    .option('--batch <n>', 'rows per forward pass', '1024')
    .addHelpText('after', HELP)
    .action(async (path: string, opts: { input?: string; ids: string; label?: boolean; batch: string }, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      if (opts.ids !== 'global' && opts.ids !== 'local') throw new UsageError(`--ids must be global or local, got ${JSON.stringify(opts.ids)}`);
      const batch = positiveInt(opts.batch, '--batch');
      const file = await openModelFile(path);
      if (file.header.task !== 'ctr') throw new UsageError(`${path} is a ${file.header.task} model: predict needs a ctr model (use \`lers recommend\` for cf)`);
      const source = opts.input ?? '<stdin>';
      const input = opts.input === undefined ? process.stdin : opts.input.endsWith('.gz') ? createReadStream(opts.input).pipe(createGunzip()) : createReadStream(opts.input);
      await ctx.withBackend(async (be) => {
        const { model } = loadModel(file, be);
        if (model instanceof LightGcn) {
          model.dispose();
          throw new UsageError('predict needs a DeepFM or DCN-Mix model');
        }
        const pred = new CtrPredictor(model);
        const ds = model.dataset;
        const F = pred.fields;
        const lead = opts.label === true ? 1 : 0;
        let x = new Int32Array(batch * F);
        let n = 0;
        let row = 0;
        const labels: number[] = [];
        const probs: number[] = [];
        const flush = (): void => {
          if (n === 0) return;
          const p = pred.predict(x, n);
          let text = '';
          for (let i = 0; i < n; i++) {
            text += ctx.flags.json ? `{"row":${row - n + i},"p":${p[i]}}\n` : `${p[i].toFixed(6)}\n`;
            if (lead === 1) probs.push(p[i]);
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
            lineNo++;
            if (line.trim() === '') continue;
            const parts = line.trim().split(/[\s,]+/);
            if (parts.length !== F + lead) throw new DataFormatError(source, lineNo, line, `expected ${lead === 1 ? 'a label and ' : ''}${F} feature ids, got ${parts.length} values`);
            if (lead === 1) {
              const y = Number(parts[0]);
              if (y !== 0 && y !== 1) throw new DataFormatError(source, lineNo, parts[0], 'the label must be 0 or 1');
              labels.push(y);
            }
            for (let f = 0; f < F; f++) {
              const v = Number(parts[f + lead]);
              const lo = opts.ids === 'global' ? ds.fieldOffsets[f] : 0;
              const hi = lo + ds.fieldDims[f];
              if (!Number.isInteger(v) || v < lo || v >= hi) {
                throw new DataFormatError(source, lineNo, parts[f + lead], `field ${f + 1} (${ds.fieldNames[f]}) takes ${opts.ids} ids ${lo}..${hi - 1}`);
              }
              x[n * F + f] = opts.ids === 'global' ? v : v + ds.fieldOffsets[f];
            }
            n++;
            row++;
            if (n === batch) flush();
          }
          flush();
        } finally {
          lines.close();
          model.dispose();
        }
        if (lead === 1 && labels.length > 0) {
          const y = Float32Array.from(labels);
          const p = Float32Array.from(probs);
          ctx.io.info(`rows ${labels.length}: AUC ${auc(p, y).toFixed(4)}, LogLoss ${logLoss(p, y).toFixed(4)}`);
        }
      });
    });
}
