/** A misuse of the tuner (a bad search space, options or study): the caller's input is at fault. */
export class TuneError extends Error {
  override name = 'TuneError';
}

/** A study file that holds another study than the one asked for (other space, direction, seed, ...). */
export class StudyMismatchError extends TuneError {
  override name = 'StudyMismatchError';
  readonly file: string;
  readonly field: string;

  constructor(file: string, field: string, stored: string, asked: string) {
    super(`${file}: this study was created with ${field} = ${stored}, but this run asks for ${asked}; use another study file or the same settings`);
    this.file = file;
    this.field = field;
  }
}
