/**
 * @lers/runtime: the API an application uses to serve a lers model on any backend. Load a `.lers`
 * file (bytes, a Response or a URL; paths through `@lers/runtime/node`), then `recommend` (CF) or
 * `predict` (CTR); `info()` says what the model is and what runs it.
 */
export { Recommender, type LoadOptions } from './recommender.js';
export { chooseBackend, sharedMemorySupport, BACKEND_CHOICES, type BackendChoice, type BackendKind, type BackendRequest, type ChosenBackend, type WebGpuAdapterSource } from './backend-choice.js';
export type { Id, IdKind, RecommendOptions } from './cf-session.js';
export type { CtrSchema, PredictRows } from './ctr-session.js';
export type { Recommendation } from './top-k.js';
export type { ModelInfo } from './info.js';
export type { ModelSource } from './source.js';
export { summarize, type PhaseTiming, type ProfileOptions } from './profile.js';
export { BackendUnavailableError, MemoryLimitError, RequestError } from './errors.js';
export { CF_SERVING_MODES, type CfServingMode } from '@lers/models';
export { ModelFileError } from '@lers/embeddings';
export { CacheFormatError } from '@lers/data';
export { ModelContentError } from '@lers/models';
