/**
 * Writes the JSON Schemas generated from the zod config schema: the trainer's settings, which the
 * Python ML CLI reads its defaults from in tests and hand-written configs (`npm run schemas`). A unit
 * test fails when a committed schema is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../infra/paths';
import { trainerSettingsSchema } from './schema';

export const GENERATED_SCHEMAS: Record<string, () => string> = {
  'ml/synthlab_ml/schemas/trainer-settings.schema.json': () => `${JSON.stringify(z.toJSONSchema(trainerSettingsSchema, { io: 'input' }), null, 2)}\n`,
};

if (process.argv[1] === import.meta.filename) {
  for (const [path, render] of Object.entries(GENERATED_SCHEMAS)) {
    writeFileSync(join(repoRoot, path), render());
    console.log(`wrote ${path}`);
  }
}
