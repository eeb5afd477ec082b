/**
 * `fetch`'s de-duplication: while a loader runs for a key, every other `fetch` of that key on the
 * same `Cache` object waits for the same promise instead of calling its own loader. The map lives
 * in this JS thread, per `Cache` object; two Workers that miss at once each load once.
 *
 * @module
 */
import type { CacheKey } from "./keys.ts";
import { keyIdentity } from "./keys.ts";
import type { CacheValue } from "./values.ts";

/** A loader of `fetch`: computes the value of a missing key. */
export type CacheLoader = (key: CacheKey) => CacheValue | Promise<CacheValue>;

/** The loads in flight of one cache, by key. */
export class InFlight {
  #loads = new Map<string | number, Promise<Uint8Array>>();

  /**
   * Joins the load of `key` if one runs (resolving to a copy of its value), or starts one with
   * `load`, which the map forgets once it settles.
   */
  join(key: CacheKey, load: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const identity = keyIdentity(key);
    const running = this.#loads.get(identity);
    if (running) return running.then(copyOf);
    const started = load().finally(() => this.#loads.delete(identity));
    this.#loads.set(identity, started);
    return started;
  }

  /** How many loads are running. */
  get size(): number {
    return this.#loads.size;
  }
}

function copyOf(bytes: Uint8Array): Uint8Array {
  return bytes.slice();
}
