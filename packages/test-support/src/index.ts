/**
 * Helpers shared by the workspace's tests. One policy for suites that need a WebGPU adapter
 * (Dawn in Node, Mesa's llvmpipe where there is no GPU; navigator.gpu in Chromium): without one
 * they skip with the reason printed, and under LERS_REQUIRE_WEBGPU=1 (CI, in Node) that is a
 * failure, so CI can never pass by skipping them.
 */

/** Node's environment variables, or null outside Node (these helpers also run in Chromium). */
const nodeProcess = (globalThis as { process?: { env: Record<string, string | undefined>; versions?: { node?: string } } }).process;
const nodeEnv = nodeProcess?.versions?.node !== undefined ? nodeProcess.env : null;

// Mesa's shader cache writes under $HOME; tests compile every shader fresh instead.
if (nodeEnv !== null) nodeEnv.MESA_SHADER_CACHE_DISABLE ??= 'true';

/**
 * `probe()` (which opens an adapter or builds a backend), or null when it fails: the reason is
 * printed as "<suite> skipped: ...", or thrown under LERS_REQUIRE_WEBGPU=1 in Node.
 */
export async function webGpuOrSkip<T>(suite: string, probe: () => Promise<T>): Promise<T | null> {
  try {
    return await probe();
  } catch (err) {
    const reason = `${suite} skipped: ${err instanceof Error ? err.message : String(err)}`;
    if (nodeEnv?.LERS_REQUIRE_WEBGPU === '1') throw new Error(`LERS_REQUIRE_WEBGPU=1 but ${reason}`);
    console.log(reason);
    return null;
  }
}
