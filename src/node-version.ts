// The library needs Node >= 22.18 (node:sqlite, type stripping in a clone). Imported first by index.ts, so that an
// older Node fails on this one line — as the CLI does (bin/switchyard.js) — rather than on whichever builtin it lacks
// (`ERR_UNKNOWN_BUILTIN_MODULE node:sqlite`). Nothing the library imports may need a newer Node to load: node:sqlite
// is reached through process.getBuiltinModule when a store opens (state/sqlite/connection.ts).
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);

if (major < 22 || (major === 22 && minor < 18)) {
  const err = new Error(`switchyard needs Node >= 22.18 (this is ${process.version})`);
  (err as NodeJS.ErrnoException).code = 'ERR_SWITCHYARD_NODE_VERSION';
  // The message is the whole story: no stack of module-loading frames under it.
  err.stack = `Error: ${err.message}`;
  throw err;
}

export {};
