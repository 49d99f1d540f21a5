/** @lers/data/node: streaming file readers, cache files, dataset loading and downloads (Node only). */
export * from '../index.js';
export * from '../readers/lines.js';
export * from '../readers/common.js';
export * from '../readers/lightgcn.js';
export * from '../readers/movielens.js';
export * from '../readers/triplets.js';
export * from '../readers/recbole.js';
export * from '../readers/ctr-two-pass.js';
export * from '../readers/criteo.js';
export * from '../readers/avazu.js';
export * from '../readers/ctr-csv.js';
export * from '../cache/atomic.js';
export * from '../cache/file.js';
export * from '../cache/key.js';
export * from '../registry/zip.js';
export * from '../registry/fetch.js';
export * from './load.js';
export { runCli, type CliIo } from '../cli/run.js';
