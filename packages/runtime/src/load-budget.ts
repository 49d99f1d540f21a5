import { BYTES_PER_ELEMENT, type Backend, type Buf, type DType } from '@lers/kernels';
import { ModelFileError } from '@lers/embeddings';

/** Backend memory a load may allocate by default: 16 x the file, at least 64 MiB. */
export function defaultLoadBudget(fileBytes: number): number {
  return Math.max(16 * fileBytes, 64 * 1024 * 1024);
}

/**
 * The backend as loading sees it: the same backend (everything inherited), except that `alloc` and
 * `upload` count the bytes they hand out and refuse, with a ModelFileError naming the file, to go
 * past `limit`. Sizes in a model's header (rows, dims, widths) decide what a loader allocates
 * before it can compare them with the file's sections; this bounds what a corrupted or hostile
 * header can make it allocate. `lift()` ends the count once the model is loaded.
 */
export function budgetedBackend<B extends Backend>(be: B, limit: number, file: string): { readonly backend: B; lift(): void } {
  let used = 0;
  let active = true;
  const charge = (dtype: DType, length: number): void => {
    if (!active) return;
    used += Math.max(0, length) * BYTES_PER_ELEMENT[dtype];
    if (used > limit) {
      throw new ModelFileError(file, `loading would allocate more than ${limit} bytes of backend memory: a size in the header does not fit the file's contents (a model that really needs more: raise the maxLoadBytes option)`);
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
  // the backend's state must update the real one, which keeps serving after the load).
  const backend = new Proxy(be, {
    get(target, prop) {
      if (prop === 'alloc') return alloc;
      if (prop === 'upload') return upload;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    backend,
    lift: () => {
      active = false;
    },
  };
}
