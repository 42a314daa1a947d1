// A set of callbacks, each called in turn; one that throws is logged and the
// others still run, so a bug in app code never stops the SDK's own listeners.

/** Callbacks with the arguments `A`. */
export class Listeners<A extends unknown[]> {
  readonly #set = new Set<(...args: A) => void>();

  /** Adds `callback`; returns a function that removes it. */
  add(callback: (...args: A) => void): () => void {
    this.#set.add(callback);
    return () => void this.#set.delete(callback);
  }

  /** Calls every callback (a copy of the set: callbacks may unsubscribe). */
  emit(...args: A): void {
    for (const callback of [...this.#set]) {
      try {
        callback(...args);
      } catch (e) {
        console.error("coinop: a listener threw", e);
      }
    }
  }
}
