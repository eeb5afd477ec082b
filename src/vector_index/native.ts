/**
 * The VectorIndex's native functions as module-level bindings, so each hot call site (search, has)
 * sees exactly one FFI function and both runtimes keep the fast call (DESIGN.md §3). Filled in by
 * {@linkcode bindIndex}, which every `VectorIndex` constructor and opener calls first.
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import type { Native } from "../ffi/symbols.ts";

/** The status of an unknown id (remove, update) and of a missing file (open). */
export const NOT_FOUND = -10;
/** The status of an id the index already holds (add). */
export const ALREADY_EXISTS = -13;

function unbound(): never {
  throw new Error("liboffheap's index functions are used before any VectorIndex was created");
}

/** `offheap_index_search`: 0 or a negative status. */
export let indexSearch: Native["offheap_index_search"] = unbound;
/** `offheap_index_has`: 1, 0, or a negative status. */
export let indexHas: Native["offheap_index_has"] = unbound;

/** Opens the library (if needed) and fills in the hot bindings. Cheap after the first call. */
export function bindIndex(): Native {
  const { native } = library();
  if (indexSearch === unbound) {
    indexSearch = native.offheap_index_search;
    indexHas = native.offheap_index_has;
  }
  return native;
}
