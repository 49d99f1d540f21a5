/** Training progress on stderr: a bar per training run (each pipeline stage its own), validation notes. */
import type { PipelineEvent, TrainEvent, TrainEventHandler } from '@lers/models';
import type { Io } from './io.js';
import type { Progress } from './progress.js';
import { checkInterrupted } from './signals.js';

/**
 * Event handlers for `trainFromSettings`: they render progress when `io` is given and stop the run
 * at the next batch after Ctrl-C (checkInterrupted throws from inside the training loop).
 */
export function trainProgress(io: Io | null, label: string): { onEvent: TrainEventHandler; onPipelineEvent: (e: PipelineEvent) => void } {
  let bar: Progress | null = null;
  let stage = '';
  let epochs = 0;
  let startEpoch = 1;
  const onEvent = (e: TrainEvent): void => {
    checkInterrupted();
    if (io === null) return;
    switch (e.type) {
      case 'start':
        epochs = e.epochs;
        startEpoch = e.startEpoch;
        if (e.resumed) io.info(`resuming from the checkpoint at epoch ${e.startEpoch}`);
        bar = io.progress(`${label}${stage !== '' ? ` ${stage}` : ''}`, { total: e.batchesPerEpoch === null ? null : e.batchesPerEpoch * Math.max(0, e.epochs - e.startEpoch + 1), unit: 'batches' });
        break;
      case 'batch':
        // The bar counts the batches of this run (a resumed run starts from 0).
        bar?.update((e.epoch - startEpoch) * (e.batches ?? 0) + e.batch + 1, `epoch ${e.epoch}/${epochs} loss ${e.loss.toFixed(4)}`);
        break;
      case 'validation':
        bar?.note(`  ${stage !== '' ? `${stage} ` : ''}epoch ${e.epoch}: valid ${e.metric} ${e.value.toFixed(4)}${e.improved ? ' (best)' : ''}`);
        break;
      case 'early-stop':
        bar?.note(`  early stop at epoch ${e.epoch} (best epoch ${e.bestEpoch ?? '-'})`);
        break;
      case 'end':
        bar?.finish();
        bar = null;
        break;
      default:
        break;
    }
  };
  const onPipelineEvent = (e: PipelineEvent): void => {
    checkInterrupted();
    if (e.type === 'stage-start') {
      stage = e.name;
      io?.info(`  stage ${e.name}`);
    } else if (e.type === 'resume' && e.completed.length > 0) io?.info(`  resuming after stages ${e.completed.join(', ')}`);
  };
  return { onEvent, onPipelineEvent };
}
