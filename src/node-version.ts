// The library needs Node >= 22.18. Imported first by index.ts, so an older Node fails here rather than on a builtin it
// lacks; nothing the library imports may need a newer Node to load (node:sqlite is loaded when a store opens).
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);

if (major < 22 || (major === 22 && minor < 18)) {
  const err = new Error(`switchyard needs Node >= 22.18 (this is ${process.version})`);
  (err as NodeJS.ErrnoException).code = 'ERR_SWITCHYARD_NODE_VERSION';
  // The message is the whole story: no stack of module-loading frames under it.
  err.stack = `Error: ${err.message}`;
  throw err;
}

export {};
