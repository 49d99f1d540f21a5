/**
 * packages/webgpu/README.md's benchmark table: every row of `pnpm bench --only webgpu` (full and
 * quick runs) with its WASM and WebGPU times and their ratio, and the adapter they ran on.
 */
import { formatTable } from '@lers/eval';
import { sig, type ResultsFolder, type Row } from './sources.js';

/** A text field of a results row (throws naming the file when it is not text). */
function text(file: string, row: Row, field: string): string {
  const v = row[field];
  if (typeof v !== 'string') throw new Error(`${file}: a rows entry has no text "${field}"`);
  return v;
}

/** The Markdown table of one results file's rows, and the adapter they share. */
function runTable(r: ResultsFolder, file: string): { table: string; adapter: string } {
  const rows = r.file(file).rows;
  if (!Array.isArray(rows) || rows.length === 0) throw new Error(`${file}: no rows`);
  const adapters = new Set((rows as Row[]).map((row) => text(file, row, 'adapter')));
  if (adapters.size !== 1) throw new Error(`${file}: rows from ${adapters.size} adapters (expected one run)`);
  const table = formatTable(
    (rows as Row[]).map((row) => {
      const match = { workload: text(file, row, 'workload') };
      const num = (field: string): number => r.number(file, 'rows', match, field);
      return {
        workload: match.workload,
        'time of': text(file, row, 'unit'),
        'WASM 2 threads s': sig(num('wasm 2t')),
        'WebGPU s': sig(num('webgpu')),
        'WASM / WebGPU': sig(num('wasm / webgpu')),
        'max rel diff': num('max rel diff') === 0 ? '0' : num('max rel diff').toExponential(1),
      };
    }),
  );
  return { table: table.trimEnd(), adapter: [...adapters][0] };
}

/** The block: the full run's table, then the quick run's. */
export function webGpuTable(r: ResultsFolder): string {
  const parts: string[] = [];
  for (const [file, what] of [['webgpu.json', 'Full run'], ['webgpu-quick.json', 'Quick run (`--quick`)']] as const) {
    const date = (r.file(file).machine as Row | undefined)?.date;
    if (typeof date !== 'string') throw new Error(`${file}: no machine.date`);
    const { table, adapter } = runTable(r, file);
    parts.push(`${what}, \`benchmarks/results/${file}\` (${date.slice(0, 10)}; adapter: ${adapter}):`, '', table, '');
  }
  return parts.join('\n').trimEnd();
}
