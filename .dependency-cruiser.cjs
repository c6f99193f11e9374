/**
 * dependency-cruiser: imports in src/ point down.
 *
 * Layers, top to bottom. A module may import its own folder and any layer on a LOWER row, never
 * one on its own row or above:
 *
 *   7  cli          the `synthlab` command: parses arguments, wires everything below
 *   6  workers      worker processes: the activities and the workflow bundle on their task queues
 *   5  workflows    orchestration, deterministic; activities only as `import type` (contracts, the
 *                   activity types for the proxies). What the sandbox may load at run time is
 *                   checked by ESLint (eslint.config.js).
 *   4  activities   all I/O of a stage: one file per stage, built by a factory that receives its clients
 *   3  config       the sweep config schema, its loading and the grid plan
 *      stages       pure stage logic: parsing, dedupe, selection, demos, verdicts, prompt templates
 *      report       the results folder, read from the sweep records
 *      infra        the dev server, the stack, the Temporal connection, UI links
 *   2  artifacts    the content-addressed store, the sweep records and the shapes they hold
 *      data         dataset specs, the registry, readers for ../shared/data, seeded randomness
 *      llm          the LanguageModel interface and its providers
 *   1  infra/paths  where things live on this machine (repo root, state folder, ML python)
 *   0  shared       pure, workflow-safe names and helpers: ids, hashes, comparators, search
 *                   attributes, constants; no Node built-ins, no zod
 *
 * tests/ and bench/ sit above everything and may import any of it; src/ never imports them.
 */
/** @type {{ name: string, tier: number, path: string }[]} */
const LAYERS = [
  { name: 'shared', tier: 0, path: '^src/shared/' },
  { name: 'infra/paths', tier: 1, path: '^src/infra/paths\\.ts$' },
  { name: 'artifacts', tier: 2, path: '^src/artifacts/' },
  { name: 'data', tier: 2, path: '^src/data/' },
  { name: 'llm', tier: 2, path: '^src/llm/' },
  { name: 'config', tier: 3, path: '^src/config/' },
  { name: 'stages', tier: 3, path: '^src/stages/' },
  { name: 'report', tier: 3, path: '^src/report/' },
  { name: 'infra', tier: 3, path: '^src/infra/(?!paths\\.ts$)' },
  { name: 'activities', tier: 4, path: '^src/activities/' },
  { name: 'workflows', tier: 5, path: '^src/workflows/' },
  { name: 'workers', tier: 6, path: '^src/workers/' },
  { name: 'cli', tier: 7, path: '^src/cli/' },
];

const layerRules = LAYERS.map((layer) => {
  const below = LAYERS.filter((other) => other.tier < layer.tier);
  return {
    name: `layer-${layer.name.replace('/', '-')}`,
    comment:
      `${layer.name} (layer ${layer.tier}) may import only its own folder` +
      (below.length > 0 ? ` and lower layers: ${below.map((other) => other.name).join(', ')}` : ' (it is the bottom layer)') +
      '. Move the shared piece down to the layer both sides may import (see the table at the top of .dependency-cruiser.cjs).',
    severity: 'error',
    from: { path: layer.path },
    to: { path: '^src/', pathNot: [layer.path, ...below.map((other) => other.path)] },
  };
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'every-src-module-in-a-layer',
      comment: 'A folder in src/ that is not in the layer table: add it to LAYERS in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map((layer) => layer.path) },
      to: {},
    },
    {
      name: 'workflows-use-activities-as-types-only',
      comment:
        'Workflow code never runs activity implementations: `import type` from activities (contracts, the activity types), and call them through the proxies in workflows/policies.ts.',
      severity: 'error',
      from: { path: '^src/workflows/' },
      to: { path: '^src/activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'shared-no-zod',
      comment: 'Workflow code loads shared/, and zod costs real time in every workflow sandbox: schemas live in the layer that parses.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '(^|/)node_modules/zod/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'shared-no-node-builtins',
      comment: 'Workflow code loads shared/: no Node built-ins there.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'src-not-from-tests-or-bench',
      comment: 'Product code does not depend on tests or benchmarks (test fakes live in tests/).',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(tests|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'Modules that import each other: split out what both need.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|ml|\\.synthlab)/' },
    // Type-only imports are part of the design (workflows use activity contracts as types), so
    // they are seen, and marked `type-only`.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
