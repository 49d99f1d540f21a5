/**
 * The version written into model files' headers (`libraryVersion`). A test keeps it equal to
 * package.json's version (the package reads no files at run time, so browsers can use it).
 */
export const LERS_VERSION = '0.1.0';
export const LIBRARY_VERSION = `lers ${LERS_VERSION}`;
