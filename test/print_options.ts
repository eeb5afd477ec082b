/**
 * Prints `heap.options()` as JSON: layout.test.ts runs this in a child process with `OFFHEAP_*`
 * variables set, since the library reads its environment once per process.
 *
 * @module
 */
import { heap } from "../mod.ts";

console.log(JSON.stringify(heap.options()));
