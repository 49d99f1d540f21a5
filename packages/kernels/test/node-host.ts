// The tests run the sources in Node: install Node's host functions as the package's node entry does.
import '../src/node/host.js';
