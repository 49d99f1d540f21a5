import { composeBackend, type HostBackend } from '../backend.js';
import { ReferenceCore } from './core.js';
import { referenceFamilies } from './families.js';

/** The plain TypeScript backend: every kernel as a straightforward loop. The correctness oracle. */
export function createReferenceBackend(): HostBackend {
  const core = new ReferenceCore();
  return composeBackend(core, referenceFamilies(core));
}

export { ReferenceCore, RefBuf } from './core.js';
