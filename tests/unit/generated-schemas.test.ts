import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { GENERATED_SCHEMAS } from '../../src/config/export-schemas';
import { repoRoot } from '../../src/infra/paths';

it.each(Object.keys(GENERATED_SCHEMAS))('%s is what the zod schema generates (npm run schemas)', (path) => {
  expect(readFileSync(join(repoRoot, path), 'utf8')).toBe(GENERATED_SCHEMAS[path]!());
});
