/** Errors of the advisor: bad input (a malformed results file, an impossible request). */

/** The input cannot be advised on as given: a malformed results file, no candidate for the request (the message names the file, cell and value). */
export class AdviceInputError extends Error {
  override name = 'AdviceInputError';
}
