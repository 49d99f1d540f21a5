/** The typed errors of the WebGPU backend. */

/** No WebGPU here: no `navigator.gpu`, no adapter, or a device that lacks a limit the kernels need. */
export class WebGpuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebGpuUnavailableError';
  }
}

/** The device was lost (destroyed, driver reset, out of memory): every later call fails with this. */
export class WebGpuDeviceLostError extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(`the WebGPU device was lost (${reason})${detail ? `: ${detail}` : ''}; create a new backend`);
    this.name = 'WebGpuDeviceLostError';
  }
}

/** WebGPU reported a validation or out-of-memory error for work this backend submitted. */
export class WebGpuValidationError extends Error {
  constructor(message: string) {
    super(`WebGPU rejected work of this backend: ${message}`);
    this.name = 'WebGpuValidationError';
  }
}

/**
 * A kernel argument held in a GPU buffer that the host had not seen (ids written by another
 * kernel) was invalid: found by a check on the device, reported at the next `read` or `sync`.
 * The call it names wrote nothing. `cause` is the error the host backends throw at once
 * (a RangeError or KernelArgumentError with the same message).
 */
export class DeferredKernelError extends RangeError {
  constructor(readonly original: Error) {
    super(`${original.message} (found on the device; the call wrote nothing)`, { cause: original });
    this.name = 'DeferredKernelError';
  }
}

/** An operation needs more storage bindings than the device allows (too many chunks at once). */
export class WebGpuLimitError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'WebGpuLimitError';
  }
}
