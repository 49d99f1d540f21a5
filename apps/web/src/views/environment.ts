/** The banner that says what runs here: threads (cross-origin isolation) and WebGPU, each with its reason. */
import type { EnvironmentReport } from '../engine/protocol.js';
import { el } from '../ui/dom.js';

export function environmentBanner(env: EnvironmentReport): HTMLElement[] {
  const threads = env.threads.ok
    ? el('p', { class: 'msg msg-ok', 'data-name': 'threads' }, `WASM threads: available (cross-origin isolated; ${env.hardwareConcurrency} logical cores).`)
    : el('p', { class: 'msg msg-warn', 'data-name': 'threads' }, `WASM threads: unavailable, models run on 1 thread. Why: ${env.threads.why}.`);
  const gpu = env.webgpu.runtime
    ? el('p', { class: 'msg msg-ok', 'data-name': 'webgpu' }, `WebGPU: available to the lers runtime (${env.webgpu.why}).`)
    : el('p', { class: 'msg msg-info', 'data-name': 'webgpu' }, `WebGPU: not used. Why: ${env.webgpu.why}`);
  return [threads, gpu];
}
