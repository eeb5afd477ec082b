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

/**
 * 0..count−1 shuffled: as one random cycle through all of them (Sattolo's shuffle: each swap picks
 * strictly below its position), or in a uniformly random order (Fisher-Yates).
 */
function shuffledOrder(count: number, next: () => number, shape: "cycle" | "any"): Uint32Array {
  const order = new Uint32Array(count);
  for (let item = 0; item < count; item++) order[item] = item;
  const reach = shape === "cycle" ? 0 : 1;
  for (let last = count - 1; last > 0; last--) {
    const pick = Math.floor(next() * (last + reach));
    const kept = order[last];
    order[last] = order[pick];
    order[pick] = kept;
  }
  return order;
}

/** Links every line of a `bytes` block into one random cycle (Sattolo's shuffle). */
export function buildChase(offheap: Offheap, bytes: number, seed = 7): Chase {
  const buffer = offheap.heap.alloc(bytes, { align: 4096 });
  const words = buffer.u32();
  const lines = bytes / LINE_BYTES;
  const order = shuffledOrder(lines, random(seed), "cycle");
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

/** The name of the subject that times the lookup floor, in the cache suite and its findings. */
export const LOOKUP_FLOOR = "index + entry read";

/**
 * The memory work a `getInto` hit cannot avoid, without the code around it: read one line of an
 * index, which names an entry, then read every line of that entry. A walk over two blocks of
 * offheap's memory (transparent hugepages): `index` has one 64-byte line per slot, whose first word
 * names an entry; `entries` holds entries of `entryBytes`, whose first word names the next index
 * line and whose other line-starting words are 0. A step sums the first word of every line of its
 * entry to find the next index line, so it reads them all (their misses overlap, as the lines of a
 * lookup's prefetched slot do) and the next step depends on every one of them.
 */
export interface LookupFloor {
  index: Uint32Array;
  entries: Uint32Array;
  /** 32-bit words per entry. */
  entryWords: number;
  line: number;
  free(): void;
}

/**
 * Links every line of an `indexBytes` index into one random cycle through distinct random entries
 * of an `entriesBytes` block (which must hold at least one entry per index line).
 */
export function buildLookupFloor(
  offheap: Offheap,
  indexBytes: number,
  entriesBytes: number,
  entryBytes: number,
  seed = 11,
): LookupFloor {
  const lines = indexBytes / LINE_BYTES;
  const slots = entriesBytes / entryBytes;
  if (!Number.isInteger(lines) || !Number.isInteger(slots) || entryBytes % LINE_BYTES !== 0 || slots < lines) {
    throw new RangeError(`lookup floor: ${indexBytes} B of index lines need as many ${entryBytes} B entries`);
  }
  const indexBuffer = offheap.heap.alloc(indexBytes, { align: 4096 });
  const entriesBuffer = offheap.heap.alloc(entriesBytes, { align: 4096, zero: true });
  const index = indexBuffer.u32();
  const entries = entriesBuffer.u32();
  const entryWords = entryBytes / 4;
  const next = random(seed);
  const order = shuffledOrder(lines, next, "cycle");
  const slotOrder = shuffledOrder(slots, next, "any"); // its first `lines` are distinct and random
  for (let step = 0; step < lines; step++) {
    index[order[step] * WORDS_PER_LINE] = slotOrder[step];
    entries[slotOrder[step] * entryWords] = order[(step + 1) % lines];
  }
  return {
    index,
    entries,
    entryWords,
    line: order[0],
    free: () => {
      indexBuffer.free();
      entriesBuffer.free();
    },
  };
}

/** Nanoseconds per step over `steps` index-then-entry steps, walking on from where the last walk stopped. */
export function lookupFloorNs(floor: LookupFloor, steps: number, nowNs: () => number): number {
  const { index, entries, entryWords } = floor;
  let line = floor.line;
  const started = nowNs();
  for (let step = 0; step < steps; step++) {
    const base = index[line * WORDS_PER_LINE] * entryWords;
    let sum = 0;
    for (let word = 0; word < entryWords; word += WORDS_PER_LINE) sum += entries[base + word];
    line = sum;
  }
  const ns = (nowNs() - started) / steps;
  floor.line = line;
  return ns;
}
