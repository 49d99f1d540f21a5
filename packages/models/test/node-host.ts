// The tests run the sources in Node: install Node's file operations as the package's node entry does.
import '../src/node/checkpoint-files.js';
