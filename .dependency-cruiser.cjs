/**
 * The layer rules (docs/architecture.md), checked by `npm test`:
 *
 *   cli  ->  host-sim  ->  toolchain  ->  firmware  ->  src (core)
 *
 * A folder imports only from the layers below it (and from itself); the
 * core imports nothing outside src/, and no module cycle exists anywhere.
 * test/, bench/ and examples/ sit above everything and may import anything.
 */
const LAYERS = ['src', 'firmware', 'toolchain', 'host-sim', 'cli'];

/** A rule per layer: it may not reach any layer above it. */
const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `${layer}-not-above`,
  comment: `${layer}/ may import only ${LAYERS.slice(0, i + 1).join(', ')}: the arrows point down`,
  severity: 'error',
  from: { path: `^${layer}/` },
  to: { path: `^(${LAYERS.slice(i + 1).join('|')}|test|bench|examples)/` },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'core-imports-nothing-outside',
      comment: 'src/ runs on XS and Espruino: it imports only src/ (no Node built-ins, no packages)',
      severity: 'error',
      from: { path: '^src/' },
      to: { pathNot: '^src/' },
    },
    {
      name: 'app-uses-the-public-api',
      comment: "firmware/app is written like a user's app: it imports 'chipweb', never ../../src/",
      severity: 'error',
      from: { path: '^firmware/app/' },
      to: { path: '^src/', pathNot: '^src/(index|device|crypto/sha256)\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'no module imports a module that imports it back (types included)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-into-tests',
      comment: 'only tests (and the fuzz benchmark, which drives the hostile-input harness) import test code',
      severity: 'error',
      from: { pathNot: '^(test|bench)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|build|dist|init-template)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'default'] },
  },
};
