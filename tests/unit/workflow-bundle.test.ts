/**
 * What the workflow sandbox loads. With reused V8 contexts every new workflow (each of a sweep's
 * thousands of cells) evaluates the bundle's modules again, so a heavy library there costs CPU
 * per cell: zod alone was about a quarter of the worker's CPU in bench/sweep-scale.
 */
import { expect, it } from 'vitest';
import { ENCRYPTED_FAILURE_CONVERTER_PATH } from '../../src/infra/encryption/data-converter';
import { workflowBundle } from '../../src/workers/create-workers';

it('keeps zod and Node-only modules out of the workflow bundle', async () => {
  const { code } = await workflowBundle();
  const modules = [...code.matchAll(/\/\*\*\*\/ "(\.\/[^"]+)"\n/g)].map((match) => match[1] as string);
  const ours = modules.filter((path) => path.startsWith('./src/'));
  expect(ours).toContain('./src/workflows/cell.ts');
  expect(modules.filter((path) => path.includes('node_modules/zod'))).toEqual([]);
  expect(ours.filter((path) => /^\.\/src\/(activities|llm|infra|stages|report)\//.test(path))).toEqual([]);
}, 60_000);

it('with payload encryption, adds only the failure converter: the codec, its keys and node:crypto stay outside the sandbox', async () => {
  const { code } = await workflowBundle(ENCRYPTED_FAILURE_CONVERTER_PATH);
  const modules = [...code.matchAll(/\/\*\*\*\/ "(\.\/[^"]+)"\n/g)].map((match) => match[1] as string);
  const ours = modules.filter((path) => path.startsWith('./src/'));
  // The plan's size axis draws with the seeded generator (pure, no Node built-ins).
  expect(ours.filter((path) => !path.startsWith('./src/workflows/') && !path.startsWith('./src/shared/') && !path.startsWith('./src/config/'))).toEqual([
    './src/data/seeded-random.ts',
    './src/infra/encryption/failure-converter.cjs',
  ]);
  expect(modules.filter((path) => path.includes('node_modules/zod'))).toEqual([]);
  expect(code).not.toMatch(/aes-256-gcm|createCipheriv|node:crypto/);
  expect(code).toContain('encodeCommonAttributes: true');
}, 60_000);
