/** `@lers/kernels` in Node (the `node` export condition): the package's API with Node's host functions installed. */
import './host.js';

export * from '../index.js';
