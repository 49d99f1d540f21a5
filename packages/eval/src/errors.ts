/** The error every @lers/eval function throws for invalid input (empty arrays, bad labels, bad shapes). */
export class EvalArgumentError extends Error {
  /** Creates the error; `name` is 'EvalArgumentError' so it survives serialisation. */
  constructor(message: string) {
    super(message);
    this.name = 'EvalArgumentError';
  }
}

/** Throws an EvalArgumentError with `message` unless `cond` holds. */
export function check(cond: boolean, message: string | (() => string)): asserts cond {
  if (!cond) throw new EvalArgumentError(typeof message === 'string' ? message : message());
}
