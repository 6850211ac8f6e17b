import type { Platform } from '../domain/platform.js';
import type { Notifier } from '../scheduler/notifier.js';

/**
 * One chat platform in the running bot. `main.ts` builds one per configured platform and runs
 * them side by side on the same core (`App`).
 */
export interface ChatAdapter {
  readonly platform: Platform;
  /** Starts taking events; resolves once listening or connected. */
  start(): Promise<void>;
  /** Stops taking new events and waits for the replies in flight. */
  stop(): Promise<void>;
  /** Sends scheduled nudges on this platform; absent where nobody can be reached (piped console). */
  readonly notifier?: Notifier;
  /** Resolves when the adapter ends on its own (the console at end of input); servers never do. */
  readonly finished?: Promise<void>;
}
