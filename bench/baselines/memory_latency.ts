/**
 * The floor under every lookup in a large cache: the time of one dependent read from memory that is
 * in no CPU cache. A cache of 1M × 1 KiB entries looked up in a uniformly random order finds
 * neither its index line nor its entry in the CPU caches, so a hit costs at least two of these
 * reads (the index, then the entry, whose lines arrive together) whatever the code around them.
 * The cache suite measures the floor in the same run as the lookups, so the report can say how
 * many memory latencies a lookup takes, and whether a target is below what the machine allows.
 *
 * The chase: a random cycle through every 64-byte line of a block of offheap's memory (256 MiB)
 * (transparent hugepages, as the cache's own chunks, so TLB misses do not inflate it), where each
 * line holds the index of the next; each read's address depends on the read before, so no two
 * overlap.
 *
 * @module
 */
import type { Offheap } from "../lib/offheap.ts";
import { random } from "../../test/vector_reference.ts";

/** The name of the subject that times the chase, in the cache suite and its findings. */
export const MEMORY_READ = "one memory read";

const LINE_BYTES = 64;
const WORDS_PER_LINE = LINE_BYTES / 4;

/** A built chase: its memory and where the walk stands. */
export interface Chase {
  /** The block, as 32-bit words; word `line * 16` holds the next line. */
  words: Uint32Array;
  position: number;
  free(): void;
}

/** Links every line of a `bytes` block into one random cycle (Sattolo's shuffle). */
export function buildChase(offheap: Offheap, bytes: number, seed = 7): Chase {
  const buffer = offheap.heap.alloc(bytes, { align: 4096 });
  const words = buffer.u32();
  const lines = bytes / LINE_BYTES;
  const order = new Uint32Array(lines);
  for (let line = 0; line < lines; line++) order[line] = line;
  const next = random(seed);
  for (let last = lines - 1; last > 0; last--) {
    const pick = Math.floor(next() * last); // strictly below `last`: one cycle through every line
    const kept = order[last];
    order[last] = order[pick];
    order[pick] = kept;
  }
  for (let step = 0; step < lines; step++) {
    words[order[step] * WORDS_PER_LINE] = order[(step + 1) % lines];
  }
  return { words, position: order[0], free: () => buffer.free() };
}

/** Nanoseconds per read over `reads` dependent reads, walking on from where the last walk stopped. */
export function chaseNs(chase: Chase, reads: number, nowNs: () => number): number {
  const words = chase.words;
  let line = chase.position;
  const started = nowNs();
  for (let read = 0; read < reads; read++) line = words[line * WORDS_PER_LINE];
  const ns = (nowNs() - started) / reads;
  chase.position = line;
  return ns;
}
