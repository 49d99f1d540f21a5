/** The backend picker of the Try and Advisor views: WASM with 1, 2 or all threads, scalar WASM, WebGPU when the runtime offers it. */
import type { BackendChoice } from '@lers/runtime';
import type { EnvironmentReport } from '../engine/protocol.js';
import { el } from '../ui/dom.js';

/** A backend and thread count as picked. */
export interface BackendPick {
  readonly backend: BackendChoice;
  readonly threads: number;
}

/** `wasm:2` -> { backend: 'wasm', threads: 2 }. */
export function parsePick(value: string): BackendPick {
  const [backend, threads] = value.split(':');
  return { backend: backend as BackendChoice, threads: Number(threads) };
}

/**
 * The picker. Thread options stay selectable without cross-origin isolation: the runtime then
 * runs 1 thread and says why, which the page shows. WebGPU is enabled only when the runtime's
 * `chooseBackend('webgpu')` succeeded here; otherwise its label carries the reason.
 */
export function backendSelect(env: EnvironmentReport, name: string): HTMLSelectElement {
  const s = el('select', { name, 'data-name': name });
  const many = Math.max(2, env.hardwareConcurrency);
  const options: [string, string, boolean][] = [
    ['wasm:1', 'WASM SIMD, 1 thread', true],
    ['wasm:2', `WASM SIMD, 2 threads${env.threads.ok ? '' : ' (runs 1 here: not isolated)'}`, true],
    ...(many > 2 ? [[`wasm:${many}`, `WASM SIMD, ${many} threads${env.threads.ok ? '' : ' (runs 1 here)'}`, true] as [string, string, boolean]] : []),
    ['wasm-scalar:1', 'WASM scalar (no SIMD), 1 thread', true],
    ['webgpu:1', env.webgpu.runtime ? 'WebGPU' : 'WebGPU (unavailable: see above)', env.webgpu.runtime],
  ];
  for (const [value, text, enabled] of options) s.appendChild(el('option', { value, disabled: !enabled }, text));
  return s;
}
