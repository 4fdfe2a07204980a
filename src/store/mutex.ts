/**
 * A first-come, first-served async lock: PGlite has exactly one connection, so everything that
 * uses it through Kysely (single queries, transactions, cursors) takes turns.
 *
 * @example
 * const mutex = new Mutex();
 * const release = await mutex.lock();
 * try { await work(); } finally { release(); }
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /** Waits until every earlier holder has released, then returns this holder's release. */
  async lock(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => held);
    await previous;
    let released = false;
    return () => {
      // Releasing twice must not let a later holder's turn end early.
      if (released) return;
      released = true;
      release();
    };
  }
}
