/** What this browser offers the runtime: cross-origin isolation (threads) and WebGPU. */
import { chooseBackend, sharedMemorySupport } from '@lers/runtime';
import type { EnvironmentReport } from './protocol.js';

/** Checks threads with the runtime's own test and WebGPU by asking the runtime for it (never assumed). */
export async function environment(): Promise<EnvironmentReport> {
  const browser = typeof navigator !== 'undefined' && 'gpu' in navigator && (navigator as { gpu?: unknown }).gpu !== undefined;
  let runtime = false;
  let why: string;
  try {
    const chosen = await chooseBackend({ backend: 'webgpu' });
    chosen.backend.dispose();
    runtime = true;
    why = chosen.reason;
  } catch (err) {
    why = (err as Error).message;
  }
  return {
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    threads: sharedMemorySupport(),
    hardwareConcurrency: typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : 1,
    webgpu: { browser, runtime, why: browser ? why : `this browser does not expose WebGPU (navigator.gpu is missing); ${why}` },
  };
}
