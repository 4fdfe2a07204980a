/**
 * The bytes of an input file, from wherever they live (local disk, object storage, a request
 * body, memory). The engine only ever streams them; `stream()` may be called more than once
 * (sniffing reads the head, then reading starts again from the start).
 */
export interface ByteSource {
  /** The file name as the user gave it; its extension is a hint, never trusted alone. */
  readonly name: string;
  /** Size in bytes when known. */
  readonly size?: number;
  /** A fresh stream over the whole content. Breaking out of it early must release resources. */
  stream(): AsyncIterable<Uint8Array>;
}

/**
 * A ByteSource over bytes in memory (tests, small API uploads).
 *
 * @example
 * const src = bytesSource('contacts.csv', Buffer.from('email\na@b.co\n'));
 */
export function bytesSource(name: string, bytes: Uint8Array, chunkSize = 64 * 1024): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    async *stream() {
      for (let i = 0; i < bytes.byteLength; i += chunkSize) {
        yield bytes.subarray(i, Math.min(i + chunkSize, bytes.byteLength));
      }
    },
  };
}

/** Reads up to `n` bytes from the start of the source, stopping the stream early. */
export async function readHead(source: ByteSource, n: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source.stream()) {
    const take = Math.min(chunk.byteLength, n - total);
    parts.push(chunk.subarray(0, take));
    total += take;
    if (total >= n) break;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}
