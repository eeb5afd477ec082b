/**
 * The Pool's native functions as module-level bindings, so that each slow-path call site (a refill,
 * a drain) sees exactly one FFI function (DESIGN.md §3). Filled in by {@linkcode bindPool}, which
 * every `Pool` constructor calls first.
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import type { Native } from "../ffi/symbols.ts";

function unbound(): never {
  throw new Error("liboffheap's pool functions are used before any Pool was created");
}

/** `offheap_pool_refill(handle, out, want)`: blocks handed over (free -> held), or a negative status. */
export let poolRefill: Native["offheap_pool_refill"] = unbound;
/** `offheap_pool_drain(handle, indices, count)`: status (held -> free). */
export let poolDrain: Native["offheap_pool_drain"] = unbound;

/** Opens the library (if needed) and fills in the bindings. Cheap after the first call. */
export function bindPool(): Native {
  const { native } = library();
  if (poolRefill === unbound) {
    poolRefill = native.offheap_pool_refill;
    poolDrain = native.offheap_pool_drain;
  }
  return native;
}
