/** `@lers/models` in Node (the `node` export condition): the package's API with checkpoint files on fs. */
import './checkpoint-files.js';

export * from '../index.js';
