/**
 * What the workflow sandbox loads. With reused V8 contexts every new workflow (each of a sweep's
 * thousands of cells) evaluates the bundle's modules again, so a heavy library there costs CPU
 * per cell: zod alone was about a quarter of the worker's CPU in bench/sweep-scale.
 */
import { expect, it } from 'vitest';
import { workflowBundle } from '../../src/workers/create-workers';

it('keeps zod and Node-only modules out of the workflow bundle', async () => {
  const { code } = await workflowBundle();
  const modules = [...code.matchAll(/\/\*\*\*\/ "(\.\/[^"]+)"\n/g)].map((match) => match[1] as string);
  const ours = modules.filter((path) => path.startsWith('./src/'));
  expect(ours).toContain('./src/workflows/cell.ts');
  expect(modules.filter((path) => path.includes('node_modules/zod'))).toEqual([]);
  expect(ours.filter((path) => /^\.\/src\/(activities|llm|infra|stages|report)\//.test(path))).toEqual([]);
}, 60_000);
