/** `@lers/kernels/wasm` in Node (the `node` export condition): with Node's host functions installed. */
import './host.js';

export * from '../wasm/index.js';
