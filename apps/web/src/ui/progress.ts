/** A progress bar with a label and an optional stop button. */
import { el } from './dom.js';

export interface ProgressView {
  readonly element: HTMLElement;
  update(done: number, total: number, label: string): void;
  /** Shows a final line and hides the stop button. */
  finish(label: string): void;
}

/** A progress bar; `onStop` adds a Stop button that calls it. */
export function progressView(name: string, onStop?: () => void): ProgressView {
  const bar = el('progress', { max: 1, value: 0, 'aria-label': name });
  const text = el('span', { class: 'progress-label' }, 'starting...');
  const stop = onStop !== undefined ? el('button', { type: 'button', class: 'stop', onclick: onStop }, 'Stop') : null;
  const element = el('div', { class: 'progress', 'data-name': name }, bar, text, stop);
  return {
    element,
    update(done, total, label) {
      bar.max = Math.max(1, total);
      bar.value = done;
      text.textContent = `${label} (${done}/${total})`;
    },
    finish(label) {
      bar.value = bar.max;
      text.textContent = label;
      stop?.remove();
    },
  };
}
