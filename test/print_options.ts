/**
 * Prints, as JSON, `heap.options()` and where a 16-byte request lands through the plain call
 * (`allocRaw`) and the options call (`heap.alloc`): tests run this in a child process with
 * `OFFHEAP_*` variables set, since the library reads its environment once per process.
 *
 * @module
 */
import { heap } from "../mod.ts";

const raw = heap.allocRaw(16);
const rawTier = heap.tierOf(raw);
heap.freeRaw(raw);
const buffer = heap.alloc(16);
const optionsTier = buffer.tier;
buffer.free();
console.log(JSON.stringify({ options: heap.options(), rawTier, optionsTier }));
