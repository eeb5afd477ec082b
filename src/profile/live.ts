/**
 * The buffers tracked with their allocation site (`profile.start({ stacks: true })`) and still
 * live, by address: `heap.alloc()` adds each, `free()` and the leak registry remove it, and
 * `profile.leaks()` lists what remains with its age.
 *
 * @module
 */
import type { LeakRecord } from "../heap/buffer.ts";

/** Live tracked buffers of this JS thread, by address. */
export const liveTracked = new Map<number, LeakRecord>();
