import { BYTES_PER_ELEMENT, type Backend, type Buf, type DType } from '@lers/kernels';
import { ModelFileError } from '@lers/embeddings';
import { MemoryLimitError } from './errors.js';

/** Backend memory a load may allocate by default: 16 x the file, at least 64 MiB. */
export function defaultLoadBudget(fileBytes: number): number {
  return Math.max(16 * fileBytes, 64 * 1024 * 1024);
}

/** The error of a load past the default budget: a header that does not fit its file. */
export function corruptSizesError(file: string): (limit: number) => Error {
  return (limit) => new ModelFileError(file, `loading would allocate more than ${limit} bytes of backend memory: a size in the header does not fit the file's contents (a model that really needs more: raise the maxLoadBytes option)`);
}

/**
 * The budget of one load: the default (or maxLoadBytes) against corrupted headers, and the
 * caller's memoryLimit (less the file's bytes when the file itself sits in backend memory),
 * whichever is smaller, with its own error.
 */
export function loadBudget(file: string, fileBytes: number, fileResident: boolean, options: { readonly maxLoadBytes?: number; readonly memoryLimit?: number }): { limit: number; overLimit: (limit: number) => Error } {
  const corrupt = { limit: options.maxLoadBytes ?? defaultLoadBudget(fileBytes), overLimit: corruptSizesError(file) };
  if (options.memoryLimit === undefined) return corrupt;
  const memoryLimit = options.memoryLimit;
  const left = memoryLimit - (fileResident ? fileBytes : 0);
  const overMemory = (): Error => new MemoryLimitError(`${file}: serving this model needs more than the memory limit of ${memoryLimit} bytes (the file ${fileResident ? `holds ${fileBytes} of them` : 'is not held'}); loading stopped before the allocation that would pass it`);
  if (left < 0) throw overMemory();
  return left < corrupt.limit ? { limit: left, overLimit: overMemory } : corrupt;
}

/**
 * The backend as loading sees it: the same backend (everything inherited), except that `alloc` and
 * `upload` count the bytes they hand out and refuse, with a ModelFileError naming the file, to go
 * past `limit` (the error `overLimit` makes). Sizes in a model's header (rows, dims, widths) decide what a loader allocates
 * before it can compare them with the file's sections; this bounds what a corrupted or hostile
 * header can make it allocate. `lift()` ends the count once the model is loaded.
 */
export function budgetedBackend<B extends Backend>(be: B, limit: number, overLimit: (limit: number) => Error): { readonly backend: B; lift(): void } {
  let used = 0;
  let active = true;
  const charge = (dtype: DType, length: number): void => {
    if (!active) return;
    used += Math.max(0, length) * BYTES_PER_ELEMENT[dtype];
    if (used > limit) {
      throw overLimit(limit);
    }
  };
  const alloc = <D extends DType>(dtype: D, length: number): Buf<D> => {
    charge(dtype, length);
    return be.alloc(dtype, length);
  };
  const upload = <D extends DType>(dtype: D, data: ArrayLike<number>): Buf<D> => {
    charge(dtype, data.length);
    return be.upload(dtype, data);
  };
  // Every other member is the backend's own, called on the backend itself (a method that updates
  // the backend's state must update the real one, which keeps serving after the load). The
  // session keeps this view for serving, so each method is bound once, not on every call.
  const bound = new Map<PropertyKey, unknown>([['alloc', alloc], ['upload', upload]]);
  const backend = new Proxy(be, {
    get(target, prop) {
      const known = bound.get(prop);
      if (known !== undefined) return known;
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      bound.set(prop, method);
      return method;
    },
  });
  return {
    backend,
    lift: () => {
      active = false;
    },
  };
}
