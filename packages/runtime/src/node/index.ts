/**
 * @lers/runtime/node: the runtime for Node, whose `Recommender.load` also takes a file path (read
 * straight into the backend's memory and used in place).
 */
import type { HostBackend } from '@lers/kernels';
import { Recommender as BaseRecommender, type LoadOptions } from '../recommender.js';
import { placeSource, type ModelSource } from '../source.js';
import { readFileInto } from './read-file.js';

export * from '../index.js';

/** `Recommender` whose `load` takes a file path as well as bytes, a Response or a URL. */
export class Recommender extends BaseRecommender {
  /** Loads a model from a file path (or bytes, a Response, a URL) on the requested backend. */
  static override async load(source: ModelSource | string, options: LoadOptions = {}): Promise<Recommender> {
    const place = (be: HostBackend) => (typeof source === 'string' ? readFileInto(be, source) : placeSource(be, source));
    const rec = await this.loadWith(place, options);
    // loadWith constructs with `new this(...)`: the instance is of this subclass.
    if (!(rec instanceof Recommender)) throw new Error('internal: loadWith built a base Recommender');
    return rec;
  }
}
