/**
 * UTF-8 decoding of any byte view, shared memory included: browsers' TextDecoder refuses views of
 * a SharedArrayBuffer (a model file read into the memory of a threaded WASM backend is one), so
 * those are copied first; Node accepts them, which is why only a browser shows the difference.
 */
const lenient = new TextDecoder('utf-8');
const fatal = new TextDecoder('utf-8', { fatal: true });

/** The text of `bytes`; with `strict`, malformed UTF-8 throws a TypeError instead of becoming U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, strict = false): string {
  const shared = typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer;
  return (strict ? fatal : lenient).decode(shared ? bytes.slice() : bytes);
}
