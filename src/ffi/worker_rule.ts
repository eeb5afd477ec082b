/**
 * The loading rule for Workers: the main thread opens liboffheap before any Worker starts, and
 * Workers reuse it. A Worker's `dlopen` is then only a reference-count bump on a library the
 * process already holds. Bun has crashed when several new Workers opened a library for the first
 * time concurrently, so a Worker that would be the first to load it is refused with a clear error.
 *
 * @module
 */
import { processMaps } from "./platform.ts";

/** True when this code runs in a Worker rather than on the main thread (Deno and Bun). */
export function isWorkerThread(): boolean {
  const scope = globalThis as unknown as { Bun?: { isMainThread: boolean }; WorkerGlobalScope?: unknown };
  if (scope.Bun) return !scope.Bun.isMainThread;
  const WorkerScope = scope.WorkerGlobalScope;
  return typeof WorkerScope === "function" && globalThis instanceof (WorkerScope as new () => unknown);
}

/**
 * Throws when a Worker is about to load liboffheap the process has not loaded yet. `fileName` is
 * the library's file name (for example `liboffheap.so`). Where /proc/self/maps cannot be read the
 * rule cannot be checked, and loading goes ahead.
 */
export function checkWorkerLoad(path: string): void {
  if (!isWorkerThread()) return;
  const fileName = path.slice(path.lastIndexOf("/") + 1);
  const maps = processMaps();
  if (maps === undefined || maps.includes(`/${fileName}\n`)) return;
  throw new Error(
    `Cannot load liboffheap in a Worker before the main thread has loaded it: import "@offheap/offheap" and ` +
      `call loadLibrary() (or allocate once) on the main thread before starting Workers. Workers then reuse ` +
      `the loaded library; concurrent first loads from new Workers have crashed Bun.`,
  );
}
