import { LersDataError } from '@lers/data';

/**
 * A model file whose contents do not fit together (a header value of the wrong kind, a train graph
 * that is not a valid CSR, a dense array of the wrong length), or a dataset that does not fit the
 * model. The file name leads the message.
 */
export class ModelContentError extends LersDataError {
  override name = 'ModelContentError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}
