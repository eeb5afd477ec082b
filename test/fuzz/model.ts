/**
 * The fuzzer's model of everything it made through the public API: live blocks (raw addresses and
 * `OffheapBuffer`s) with their ids, requested and usable sizes and tiers; the start addresses of
 * freed blocks (a bounded ring); freed and transferred buffer objects; VectorStores with the rows
 * they hold; Caches with the last value set for each key. Ops read it to choose arguments and to
 * predict outcomes, and update it after each call.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Cache, heap, type OffheapBuffer, type Tier, type VectorStore } from "../../mod.ts";
import { checkPattern, fillPattern } from "./pattern.ts";

/** A live block: made by `allocRaw`, `allocMany`, `reallocRaw` (raw) or `heap.alloc` (buffer). */
export interface Block {
  id: number;
  kind: "raw" | "buffer";
  address: number;
  /** Requested bytes: the pattern covers these. */
  size: number;
  /** `heap.usableSize`, read at allocation. */
  usable: number;
  tier: Tier;
  buffer: OffheapBuffer | undefined;
  /** Index in `Model.blocks`. */
  slot: number;
}

/** A freed block's start address and the tier it had. */
export interface Stale {
  address: number;
  tier: Tier;
}

/** A VectorStore and what it holds. */
export interface StoreModel {
  store: VectorStore;
  dim: number;
  storage: "f32" | "f16" | "i8" | "binary";
  /** Live ids and, for f32 storage, the vector added (the store must return it exactly). */
  rows: Map<number, Float32Array>;
  nextId: number;
  /** The row memory's start and usable bytes (it moves when the store grows). */
  address: number;
  usable: number;
}

/** A Cache and the last value set for each key. */
export interface CacheModel {
  cache: Cache;
  /** Never evicts (bytes far below maxBytes, no entry bound, no short TTL): every read is exact. */
  exact: boolean;
  maxBytes: number;
  maxEntries: number;
  shards: number;
  /** Key identity (see `keyId`) -> the key and the last value set; absent: deleted or never set. */
  values: Map<string, { key: string | number | Uint8Array; value: Uint8Array }>;
}

/** Bytes a cache charges per entry beyond its key and value. */
export const ENTRY_OVERHEAD_BYTES = 48;
const STALE_MAX = 64;
const FREED_OBJECTS_MAX = 16;

/** A key's identity as the cache sees it: its type and its contents. */
export function keyId(key: string | number | Uint8Array): string {
  if (typeof key === "string") return `s${key}`;
  if (typeof key === "number") return `n${key}`;
  return `b${Array.from(key).join(",")}`;
}

/** A key's encoded length: the type tag and its bytes (8 for an integer). */
export function encodedKeyBytes(key: string | number | Uint8Array): number {
  if (typeof key === "string") return 1 + new TextEncoder().encode(key).length;
  if (typeof key === "number") return 9;
  return 1 + key.length;
}

/** The fuzzer's state. */
export class Model {
  blocks: Block[] = [];
  stale: Stale[] = [];
  #staleNext = 0;
  freedBuffers: OffheapBuffer[] = [];
  stores: StoreModel[] = [];
  freedStores: VectorStore[] = [];
  caches: CacheModel[] = [];
  freedCaches: Cache[] = [];
  #nextId = 1;
  /** Pattern checks made (at free, realloc and the periodic sweep). */
  checks = 0;

  /** The bytes of a live block, through the public API. */
  bytesOf(block: Block): Uint8Array {
    return block.buffer !== undefined ? block.buffer.bytes() : heap.view(block.address, block.size);
  }

  /** Records a new block, fills it with its pattern and returns it. */
  add(kind: "raw" | "buffer", address: number, size: number, buffer?: OffheapBuffer): Block {
    const block: Block = {
      id: this.#nextId++,
      kind,
      address,
      size,
      usable: heap.usableSize(address),
      tier: heap.tierOf(address),
      buffer,
      slot: this.blocks.length,
    };
    assert.ok(block.usable >= size, `usable size ${block.usable} below the ${size} bytes asked`);
    this.blocks.push(block);
    fillPattern(this.bytesOf(block), block.id);
    return block;
  }

  /** Writes a block's pattern again (after a realloc changed its size). */
  refill(block: Block): void {
    fillPattern(this.bytesOf(block), block.id);
  }

  /** Throws unless `block` still holds its whole pattern. */
  check(block: Block, length = block.size): void {
    this.checks++;
    const bad = checkPattern(this.bytesOf(block), block.id, length);
    if (bad >= 0) {
      throw new Error(
        `corruption: block ${block.id} (${block.kind}, ${block.tier}, ${block.size} bytes at ${block.address}) differs at byte ${bad}`,
      );
    }
  }

  /** Checks every live block's pattern. */
  checkAll(): void {
    for (const block of this.blocks) this.check(block);
  }

  /** Forgets a block that was freed (its address becomes stale). */
  remove(block: Block): void {
    const last = this.blocks.pop()!;
    if (last !== block) {
      this.blocks[block.slot] = last;
      last.slot = block.slot;
    }
    this.addStale(block.address, block.tier);
    if (block.buffer !== undefined) this.addFreedBuffer(block.buffer);
  }

  /** Remembers a freed start address. */
  addStale(address: number, tier: Tier): void {
    const entry = { address, tier };
    if (this.stale.length < STALE_MAX) this.stale.push(entry);
    else this.stale[this.#staleNext++ % STALE_MAX] = entry;
  }

  /** Remembers a freed (or transferred-away) buffer object, to use after free. */
  addFreedBuffer(buffer: OffheapBuffer): void {
    if (this.freedBuffers.length >= FREED_OBJECTS_MAX) this.freedBuffers.shift();
    this.freedBuffers.push(buffer);
  }

  /** Moves a freed store or cache from its live list to its (bounded) list of freed objects. */
  retire<T, F>(live: T[], entry: T, freed: F[], object: F): void {
    live.splice(live.indexOf(entry), 1);
    freed.push(object);
    if (freed.length > FREED_OBJECTS_MAX) freed.shift();
  }

  /**
   * Whether the model knows every live offheap block of this run: not while a Cache is live (its
   * entries, index and chunks are blocks the model does not see). Only then can a freed address be
   * said to hold no live block.
   */
  allKnown(): boolean {
    return this.caches.length === 0;
  }

  /** The live block or store rows that hold `address`, as [start, usable bytes], if any. */
  containing(address: number): [number, number] | undefined {
    for (const block of this.blocks) {
      if (address >= block.address && address < block.address + block.usable) return [block.address, block.usable];
    }
    for (const store of this.stores) {
      if (address >= store.address && address < store.address + store.usable) return [store.address, store.usable];
    }
    return undefined;
  }

  /** Re-reads where a store's rows live (an add may have moved them). */
  refreshStore(model: StoreModel): void {
    model.address = model.store.descriptor().address;
    model.usable = heap.usableSize(model.address);
  }

  /** Bytes the model's blocks and stores hold (usable sizes): what the heap's live bytes grew by. */
  liveBytes(): number {
    let total = 0;
    for (const block of this.blocks) total += block.usable;
    for (const store of this.stores) total += store.usable;
    return total;
  }
}
