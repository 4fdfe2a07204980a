import { createHash } from 'node:crypto';
import type { ByteSource } from '../core/model/byte-source.ts';

/**
 * The SHA-256 of a source's bytes (hex) and its length, streamed.
 *
 * @example
 * const { sha256, size } = await hashSource(fileSource('a.csv'));
 */
export async function hashSource(source: ByteSource): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source.stream()) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), size };
}
