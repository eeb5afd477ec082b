/**
 * Loads the offheap facade for the suites. It is imported dynamically so that a facade or library
 * that fails to load turns into a skipped suite with its reason, not a crashed run.
 *
 * @module
 */

/** The public API of offheap, as mod.ts exports it. */
export type Offheap = typeof import("../../mod.ts");

let loaded: Promise<Offheap | string> | undefined;

async function load(): Promise<Offheap | string> {
  try {
    const offheap: Offheap = await import("../../mod.ts");
    // Opens the library now, so that a missing build surfaces here rather than mid-suite.
    offheap.heap.freeRaw(offheap.heap.allocRaw(16));
    return offheap;
  } catch (error) {
    return `offheap could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The offheap module, or why it could not be loaded (the library is not built, say). */
export function loadOffheap(): Promise<Offheap | string> {
  loaded ??= load();
  return loaded;
}
