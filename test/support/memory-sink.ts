/**
 * A ByteSink for writer tests that keeps what it is given; with `pressure` every write asks the
 * writer to wait for `drain`, and a write before it is an error.
 */
import { EventEmitter } from 'node:events';
import type { ByteSink } from '../../src/core/export/types.ts';

export class MemorySink extends EventEmitter implements ByteSink {
  chunks: Buffer[] = [];
  ended = false;
  waiting = false;
  constructor(private readonly pressure = false) {
    super();
  }
  write(chunk: Uint8Array | string): boolean {
    if (this.waiting) throw new Error('write before drain');
    this.chunks.push(Buffer.from(chunk));
    if (!this.pressure) return true;
    this.waiting = true;
    setTimeout(() => {
      this.waiting = false;
      this.emit('drain');
    }, 1);
    return false;
  }
  end(callback?: () => void): this {
    this.ended = true;
    callback?.();
    return this;
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
  get size(): number {
    return this.chunks.reduce((n, c) => n + c.byteLength, 0);
  }
}
