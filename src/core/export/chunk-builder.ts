/**
 * Collects a page's text as UTF-8 bytes, a row at a time, in one growing buffer that is handed
 * over whole (the next page gets a fresh one: the sink or the compressor may still hold the last).
 *
 * Row by row because a page-long string built by `+=` is a deep rope that lives, with every row
 * string in it, until the page is flattened: flattening cost more than building (XLSX: 37% of the
 * CPU in Buffer.from), and the live rope made each young-generation GC copy it.
 *
 * @example
 * const chunk = new ChunkBuilder();
 * for (const row of rows) chunk.append(row);
 * await out.write(chunk.take());
 */
export class ChunkBuilder {
  private buffer: Buffer;
  private length = 0;

  /** `initialBytes`: the least a chunk's buffer starts with (it grows as needed). */
  constructor(private readonly initialBytes = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  append(text: string): void {
    // A UTF-16 unit never takes more than 3 bytes in UTF-8.
    const needed = this.length + text.length * 3;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(text, this.length);
  }

  take(): Buffer {
    const out = this.buffer.subarray(0, this.length);
    // The next page is probably as long as this one.
    this.buffer = Buffer.allocUnsafe(Math.max(this.initialBytes, Math.ceil(this.length * 1.25)));
    this.length = 0;
    return out;
  }
}
