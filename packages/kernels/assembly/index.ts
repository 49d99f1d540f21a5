// The kernel module: every family's exports. Each family lives in its own file.
export { heapBase } from './common';
export * from './dense';
export * from './random';
export * from './activations';
export * from './quant';
export * from './training';
export * from './compression';
export * from './embedding';
export * from './sparse';
export * from './ranking';
