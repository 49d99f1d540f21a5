// The kernel module: every family's exports. Each family lives in its own file.
export { heapBase } from './common';
export * from './dense';
