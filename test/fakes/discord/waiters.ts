import { EventEmitter } from 'node:events';

/** How long a test waits for something a fake should see before failing with a clear message. */
const WAIT_LIMIT_MS = 10_000;

/**
 * Lets tests wait for a fake to observe something (a request, a resume) instead of sleeping:
 * `until` re-checks its condition each time the fake reports a change.
 */
export class Waiters {
  readonly #changes = new EventEmitter();

  changed(): void {
    this.#changes.emit('change');
  }

  until<T>(what: string, find: () => T | undefined, limitMs = WAIT_LIMIT_MS): Promise<T> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = find();
        if (value === undefined) return;
        clearTimeout(timer);
        this.#changes.off('change', check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.#changes.off('change', check);
        reject(new Error(`fake Discord never saw ${what} within ${limitMs} ms`));
      }, limitMs);
      this.#changes.setMaxListeners(0);
      this.#changes.on('change', check);
    });
  }
}
