// dependency-cruiser: the module boundaries of src/ (`npm run check:deps`, run by scripts/test.sh).
//
// Two passes over the same sources, because the rules need two graphs:
// - the source graph (default), with `import type` edges: the layer order and the packages
//   that only one module may import. A type-only import upward is still an upward import.
// - the runtime graph (DEPCRUISE_GRAPH=runtime): only imports that survive compilation, so
//   `import type { Manifest }` does not count. dependency-cruiser's `reachable` rules follow
//   every edge of the graph they get (they have no dependencyTypesNot), so leaving type-only
//   edges out of the graph is how the main-thread rule ignores them.
//
// Layers, top to bottom: src/main.tsx → app → components → store → worker → engine, io.
// Nothing imports a layer above its own.

const runtimeGraph = process.env.DEPCRUISE_GRAPH === 'runtime';

const MAIN = '^src/main\\.tsx$';

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const layers = [
  {
    name: 'nothing-imports-main',
    comment: 'src/main.tsx is the browser entry, the top of the layers: no module imports it.',
    severity: 'error',
    from: {},
    to: { path: MAIN },
  },
  {
    name: 'components-not-up',
    comment: 'components/ sit under app/: they never import it.',
    severity: 'error',
    from: { path: '^src/components/' },
    to: { path: '^src/app/' },
  },
  {
    name: 'store-not-up',
    comment: 'store/ holds state and actions; it knows nothing of components/ or app/.',
    severity: 'error',
    from: { path: '^src/store/' },
    to: { path: '^src/(components|app)/' },
  },
  {
    name: 'worker-not-up',
    comment: 'worker/ (protocol, client, worker entry) sits under the store: it never imports store/, components/ or app/.',
    severity: 'error',
    from: { path: '^src/worker/' },
    to: { path: '^src/(store|components|app)/' },
  },
  {
    name: 'engine-io-not-up',
    comment: 'engine/ and io/ are the bottom: they import neither worker/, store/, components/ nor app/.',
    severity: 'error',
    from: { path: '^src/(engine|io)/' },
    to: { path: '^src/(worker|store|components|app)/' },
  },
];

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const packages = [
  {
    name: 'ort-only-in-session',
    comment: 'ONNX Runtime Web is wrapped by src/engine/session.ts alone (one runtime, one place that configures it).',
    severity: 'error',
    from: { path: '^src/', pathNot: '^src/engine/session\\.ts$' },
    to: { path: '(^|/)onnxruntime-web(/|$)' },
  },
  {
    name: 'transformers-only-in-tokenize',
    comment:
      'transformers.js is used for its tokenizer only, wrapped by src/engine/tokenize.ts. Unit tests may import it too ' +
      '(src/engine/transformersjs.test.ts runs its pipeline on our bundle to prove interoperability); tests never ship.',
    severity: 'error',
    from: { path: '^src/', pathNot: ['^src/engine/tokenize\\.ts$', '\\.test\\.ts$'] },
    to: { path: '(^|/)@huggingface/transformers(/|$)' },
  },
];

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const mainThread = [
  {
    name: 'no-ajv-on-main-thread',
    comment:
      'Ajv (manifest schema validation) belongs to the worker (src/worker/worker.ts). Nothing the main-thread entry ' +
      'reaches at run time may import it: it would put Ajv into the main chunk. Type-only imports do not count.',
    severity: 'error',
    from: { path: MAIN },
    to: { path: '(^|/)node_modules/ajv/', reachable: true },
  },
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: runtimeGraph ? mainThread : [...layers, ...packages],
  options: {
    // Package internals are not ours to check: stop at the package's entry module.
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: !runtimeGraph,
    tsConfig: { fileName: 'tsconfig.app.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'browser', 'default'],
      mainFields: ['module', 'browser', 'main', 'types'],
    },
  },
};
