/**
 * A set of listeners told of values one after another. A listener that throws is reported and
 * the others are still told: whatever they hear about (a commit, a status, progress) has
 * happened, and one listener's bug must not hide it from the rest.
 */
export class Listeners<T> {
  readonly #listeners = new Set<(value: T) => void>();

  get size(): number {
    return this.#listeners.size;
  }

  /** Adds a listener; returns the function that removes it. */
  add(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Tells every listener, in the order they were added; `failed` gets what one threw. */
  emit(value: T, failed: (error: unknown) => void): void {
    for (const listener of this.#listeners) {
      try {
        listener(value);
      } catch (error) {
        failed(error);
      }
    }
  }
}
