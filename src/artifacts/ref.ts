/**
 * What workflow inputs and results carry instead of bulk data. Pure: imported by workflow code.
 */
import { z } from 'zod';

export const artifactRefSchema = z.strictObject({
  uri: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
});

export type ArtifactRef = z.infer<typeof artifactRefSchema>;
