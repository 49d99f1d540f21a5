/** @lers/embeddings/node: everything in @lers/embeddings plus model-file I/O on disk (Node only). */
export * from './index.js';
export { readModelFile, writeModelFile } from './model-file/node.js';
