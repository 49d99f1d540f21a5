/**
 * @lers/data: datasets as compact typed arrays. This entry point has no Node dependencies
 * (in-memory forms, preprocessing helpers, the binary cache codec, synthetic data, the registry);
 * file readers, cache files and downloads are in `@lers/data/node`.
 */
export * from './errors.js';
export * from './manifest.js';
export * from './cf/csr.js';
export * from './cf/adjacency.js';
export * from './cf/dataset.js';
export * from './cf/split.js';
export * from './cf/raw-ids.js';
export * from './cf/interactions.js';
export * from './ctr/dataset.js';
export * from './ctr/split.js';
export * from './ctr/vocab.js';
export * from './ctr/u32-table.js';
export * from './ctr/row-sink.js';
export * from './ctr/categorical.js';
export * from './ctr/criteo-format.js';
export * from './ctr/avazu-format.js';
export * from './ctr/vocabulary.js';
export * from './ctr/column-roles.js';
export * from './ctr/columns-format.js';
export * from './ctr/raw-rows.js';
export * from './cache/checksum.js';
export * from './cache/container.js';
export * from './cache/dataset-codec.js';
export * from './synthetic/cf.js';
export * from './synthetic/ctr.js';
export * from './synthetic/criteo-text.js';
export * from './registry/datasets.js';
export * from './util/top-k.js';
export * from './util/crc32.js';
export * from './util/bytes.js';
export * from './util/utf8.js';
export * from './util/text-pack.js';
export * from './cli/exit-codes.js';
