/**
 * What workflow inputs and results carry instead of bulk data. Pure: imported by workflow code.
 *
 * A ref names its artifact by a key relative to the artifact store (`artifact:blobs/ab/<sha>.json`),
 * never by a machine's path, so a ref made by one worker is read by another against its own
 * configured store (a local folder, a shared file system, an S3 bucket). Refs recorded before this
 * carry `file:///abs/path` and still read on the machine that has that file.
 */
import { z } from 'zod';

export const artifactRefSchema = z.strictObject({
  uri: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
});

export type ArtifactRef = z.infer<typeof artifactRefSchema>;

export const ARTIFACT_URI_SCHEME = 'artifact:';

export function artifactUriOf(key: string): string {
  return `${ARTIFACT_URI_SCHEME}${key}`;
}

/** The store-relative key of an `artifact:` URI, or undefined for any other URI (an old `file:` ref, a local path). */
export function artifactKeyOf(uri: string): string | undefined {
  if (!uri.startsWith(ARTIFACT_URI_SCHEME)) return undefined;
  const key = uri.slice(ARTIFACT_URI_SCHEME.length);
  if (key.length === 0 || key.startsWith('/') || key.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) {
    throw new Error(`artifact URI ${uri} does not name a key inside the store`);
  }
  return key;
}
