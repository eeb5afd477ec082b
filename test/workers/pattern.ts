/**
 * The stress pattern: every block is filled with 32-bit words derived from its address and size,
 * and checked before it is freed, in whichever Worker frees it. Blocks above 8 KiB are patterned
 * at both ends only, which keeps the harness about the allocator rather than memory bandwidth.
 *
 * @module
 */
import { heap } from "../../mod.ts";

const EDGE_WORDS = 1024;

function seedOf(address: number, size: number): number {
  return (Math.imul((address / 16) >>> 0, 0x9e3779b1) ^ Math.imul(size, 0x85ebca6b)) >>> 0;
}

function wordsOf(address: number, size: number): Uint32Array {
  const bytes = heap.view(address, size);
  return new Uint32Array(bytes.buffer, bytes.byteOffset, size >>> 2);
}

function patterned(count: number, index: number): boolean {
  return count <= 2 * EDGE_WORDS || index < EDGE_WORDS || index >= count - EDGE_WORDS;
}

/**
 * One pass over the patterned words of (`address`, `size`): writes the pattern when `write`, else
 * checks it and stops at the first word that differs.
 */
function pass(address: number, size: number, write: boolean): boolean {
  const words = wordsOf(address, size);
  const seed = seedOf(address, size);
  const count = words.length;
  for (let index = 0; index < count; index++) {
    if (!patterned(count, index)) index = count - EDGE_WORDS;
    const expected = (seed ^ Math.imul(index, 0x27d4eb2d)) >>> 0;
    if (write) words[index] = expected;
    else if (words[index] !== expected) return false;
  }
  return true;
}

/** Writes the pattern of (`address`, `size`) into the block. */
export function fill(address: number, size: number): void {
  pass(address, size, true);
}

/** True when the block still holds the pattern of (`address`, `size`). */
export function intact(address: number, size: number): boolean {
  return pass(address, size, false);
}

/** A small, fast, seeded random number generator (xorshift32). */
export class Random {
  #state: number;

  /** Starts from `seed` (any integer; 0 is replaced). */
  constructor(seed: number) {
    this.#state = (seed >>> 0) || 0x12345678;
  }

  /** A uniform integer in [0, bound). */
  below(bound: number): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state % bound;
  }
}

/** Mostly small sizes, 1% a hundred times larger (medium and mapped), one in 10000 huge. */
export function randomSize(random: Random): number {
  const base = 16 + random.below(1009);
  const roll = random.below(10_000);
  if (roll === 0) return (3 << 20) + random.below(2 << 20);
  if (roll <= 100) return base * 100;
  return base;
}
