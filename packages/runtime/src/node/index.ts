/**
 * @lers/runtime/node: the runtime for Node, whose `Recommender.load` also takes a file path (read
 * straight into the backend's memory and used in place).
 */
import type { Backend } from '@lers/kernels';
import { chooseBackend as chooseAnyBackend, type BackendRequest, type ChosenBackend, type WebGpuAdapterSource } from '../backend-choice.js';
import { Recommender as BaseRecommender, type LoadOptions } from '../recommender.js';
import { placeSource, type ModelSource } from '../source.js';
import { readFileInto } from './read-file.js';

export * from '../index.js';

/**
 * Dawn's adapter (the `webgpu` package, through @lers/webgpu/node: loaded only when WebGPU is
 * asked for or `auto` looks for it). Without a GPU, Mesa's llvmpipe through OpenGL ES.
 */
export const dawnAdapter: WebGpuAdapterSource = async () => (await import('@lers/webgpu/node')).requestNodeWebGpuAdapter();

/** The request with Dawn as its WebGPU unless it names its own. */
function withDawn<R extends BackendRequest>(request: R): R {
  return request.webgpu !== undefined ? request : { ...request, webgpu: dawnAdapter };
}

/** `chooseBackend` with Dawn's WebGPU (see the core entry's chooseBackend). */
export function chooseBackend(request: BackendRequest = {}): Promise<ChosenBackend> {
  return chooseAnyBackend(withDawn(request));
}

/** `Recommender` whose `load` takes a file path as well as bytes, a Response or a URL, and whose WebGPU is Dawn's. */
export class Recommender extends BaseRecommender {
  /** Loads a model from a file path (or bytes, a Response, a URL) on the requested backend. */
  static override async load(source: ModelSource | string, options: LoadOptions = {}): Promise<Recommender> {
    const place = (be: Backend) => (typeof source === 'string' ? readFileInto(be, source) : placeSource(be, source));
    const rec = await this.loadWith(place, withDawn(options));
    // loadWith constructs with `new this(...)`: the instance is of this subclass.
    if (!(rec instanceof Recommender)) throw new Error('internal: loadWith built a base Recommender');
    return rec;
  }
}
