/**
 * The layer rules of syncgen, checked by `npm test` (`npm run lint:layers`).
 *
 * runtime/ is layered; each folder may import only the folders below it:
 *
 *   core        pure values: HLC, UUIDs, version vectors, change entries, the error tree
 *   contract    what generated code and the generator share with the runtime (adapters, codecs, field kinds)
 *   store       one device's SQLite file and its tables; no sync rule
 *   merge       every conflict rule: local writes, remote entries, snapshot records
 *   protocol    messages, wire codec, dispatch to a handlers interface
 *   transports  the Transport interface, TCP, the simulated network
 *   sync        the engine, behind its port; only the Transport interface of transports/
 *   library     the app API, which wires the library to the engine
 *
 * The entry points (runtime/index.ts, runtime/codegen.ts) may import anything. The generator may
 * import the runtime's core and contract only; the runtime never imports the generator.
 */
const layer = (name, allowed, comment) => ({
  name: `layer-${name}`,
  comment,
  severity: 'error',
  from: { path: `^runtime/${name}/` },
  to: { path: '^runtime/', pathNot: [`^runtime/(${[name, ...allowed].join('|')})/`] },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'an import cycle hides which module depends on which', severity: 'error', from: {}, to: { circular: true } },
    layer('core', [], 'core holds pure values and imports nothing else of the runtime'),
    layer('contract', ['core'], 'the contract of generated code rests on core only'),
    layer('store', ['core', 'contract'], 'the store knows no sync rule, no protocol, no engine'),
    layer('merge', ['core', 'contract', 'store'], 'the conflict rules work on the store, never on the protocol or the engine'),
    layer('protocol', ['core'], 'the protocol imports nothing of the engine: dispatch routes to a handlers interface'),
    layer('transports', ['core', 'protocol'], 'transports move frames; they know no library and no engine'),
    {
      name: 'layer-sync',
      comment: 'the engine sees the library through its port and the network through the Transport interface only',
      severity: 'error',
      from: { path: '^runtime/sync/' },
      to: { path: '^runtime/', pathNot: ['^runtime/(sync|core|protocol)/', '^runtime/transports/transport\\.ts$'] },
    },
    {
      name: 'layer-library',
      comment: 'the library wires the engine to its port; it never reaches into a transport',
      severity: 'error',
      from: { path: '^runtime/library/' },
      to: { path: '^runtime/transports/(tcp|simulated)/' },
    },
    {
      name: 'generator-uses-contract',
      comment: 'the generator reads the runtime contract (field kinds, adapters, storage columns) and core values, nothing else',
      severity: 'error',
      from: { path: '^generator/' },
      to: { path: '^runtime/', pathNot: ['^runtime/(core|contract)/'] },
    },
    {
      name: 'runtime-not-generator',
      comment: 'the runtime never loads the generator (an app ships without it)',
      severity: 'error',
      from: { path: '^runtime/' },
      to: { path: '^generator/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^(node_modules|generated|test|bench|examples)/', '(^|/)dist/'] },
    // Type-only imports count: a layer may not even name the types of a higher one.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs'],
    },
  },
};
