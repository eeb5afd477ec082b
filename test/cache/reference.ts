/**
 * Plain-TypeScript reference models of the Cache's policies, written from the contract
 * (/tmp/cache_spec.md) and, where it leaves a choice, from the header comments of zig/src/cache/
 * (policy.zig is the rule book). They model one shard (`shards: 1`) with exact byte accounting
 * (encoded key + value + ENTRY_OVERHEAD_BYTES per entry) and no TTL (the library's TTL sweep depends
 * on hash-slot positions); the tests run the same operations on a native cache and on a model and
 * compare every result, the order of `keys()` and the counters.
 *
 * A set never evicts the entry it just wrote while another entry is left (the contract's rule,
 * and policy.zig's since 7289028); only the adaptive policy may refuse a new key, at admission, and
 * its model follows policy.zig throughout.
 *
 * Keys are given encoded (the tag byte and the key's bytes, as the facade encodes them).
 *
 * @module
 */

import type { CacheStats } from "../../mod.ts";

/** Metadata bytes the library counts per entry. */
export const ENTRY_OVERHEAD_BYTES = 48;

/** The counters a model keeps: those of `Cache.stats()` that are not bounds or derived. */
export type ReferenceStats = Omit<
  CacheStats,
  "maxBytes" | "maxEntries" | "shards" | "entryOverheadBytes" | "windowFraction" | "hitRate" | "memoryBytes"
>;

/** One entry, linked into one of its policy's lists. */
export interface Node {
  id: string;
  key: Uint8Array;
  value: Uint8Array;
  bytes: number;
  prev: Node | null;
  next: Node | null;
  list: List | null;
  /** LFU: the list index. */
  level: number;
  /** Adaptive: the key's sketch hash. */
  sketchHash: number;
}

/** A doubly linked list, head = most recent. */
export class List {
  head: Node | null = null;
  tail: Node | null = null;
  length = 0;
  bytes = 0;

  pushHead(node: Node): void {
    node.prev = null;
    node.next = this.head;
    if (this.head) this.head.prev = node;
    else this.tail = node;
    this.head = node;
    node.list = this;
    this.length++;
    this.bytes += node.bytes;
  }

  remove(node: Node): void {
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = null;
    node.list = null;
    this.length--;
    this.bytes -= node.bytes;
  }

  /** Moves `node` (in this list or another) to the head of this list. */
  moveToHead(node: Node): void {
    node.list?.remove(node);
    this.pushHead(node);
  }

  /** Nodes head to tail. */
  *nodes(): Generator<Node> {
    for (let node = this.head; node; node = node.next) yield node;
  }
}

/** A key as a Map key: one character per byte. */
export function idOf(key: Uint8Array): string {
  let id = "";
  for (let index = 0; index < key.length; index++) id += String.fromCharCode(key[index]);
  return id;
}

/** Bounds of a model (one shard). */
export interface ReferenceBounds {
  maxBytes: number;
  /** 0 or undefined: none. */
  maxEntries?: number;
}

/** What every model does; the policy supplies the order and the victim. */
export abstract class ReferenceCache {
  readonly stats: ReferenceStats = {
    hits: 0,
    misses: 0,
    sets: 0,
    evictionsSize: 0,
    evictionsCount: 0,
    evictionsTtl: 0,
    evictionsExplicit: 0,
    expired: 0,
    rejected: 0,
    bytes: 0,
    entries: 0,
  };
  readonly maxBytes: number;
  readonly maxEntries: number;
  protected readonly index = new Map<string, Node>();

  constructor(bounds: ReferenceBounds) {
    this.maxBytes = bounds.maxBytes;
    this.maxEntries = bounds.maxEntries ? bounds.maxEntries : Infinity;
  }

  /** The policy's reaction to a hit (get) on `node`. */
  protected abstract onHit(node: Node): void;
  /** Links a new node. */
  protected abstract onInsert(node: Node): void;
  /** The policy's reaction to a new value for an existing `node` (its bytes already updated). */
  protected abstract onUpdate(node: Node): void;
  /** The next victim; `written` is the entry the current set wrote. */
  protected abstract victim(written: Node): Node | null;
  /** Every node in the policy's export order. */
  abstract order(): Node[];
  /** Called after each operation that touched an entry (a hit or a set), after eviction. */
  protected afterTouch(): void {}
  /** Called after every counted lookup, hit or miss. */
  protected afterGet(_hit: boolean): void {}

  /** A counted lookup: the value, or undefined on a miss. */
  get(key: Uint8Array): Uint8Array | undefined {
    const node = this.index.get(idOf(key));
    if (!node) {
      this.stats.misses++;
      this.afterGet(false);
      return undefined;
    }
    this.stats.hits++;
    this.onHit(node);
    this.afterTouch();
    this.afterGet(true);
    return node.value;
  }

  /** An uncounted lookup. */
  peek(key: Uint8Array): Uint8Array | undefined {
    return this.index.get(idOf(key))?.value;
  }

  /** Whether `key` is present (uncounted). */
  has(key: Uint8Array): boolean {
    return this.index.has(idOf(key));
  }

  /** Stores `value`: "stored", "rejected" (evicted by its own set), or "too-large" (nothing changes). */
  set(key: Uint8Array, value: Uint8Array): "stored" | "rejected" | "too-large" {
    const bytes = key.length + value.length + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.maxBytes) return "too-large";
    this.stats.sets++;
    const id = idOf(key);
    let node = this.index.get(id);
    if (node) {
      node.list!.bytes += bytes - node.bytes;
      this.stats.bytes += bytes - node.bytes;
      node.value = value;
      node.bytes = bytes;
      this.onUpdate(node);
    } else {
      node = { id, key, value, bytes, prev: null, next: null, list: null, level: 0, sketchHash: sketchHashOf(key) };
      this.index.set(id, node);
      this.stats.bytes += bytes;
      this.stats.entries++;
      this.onInsert(node);
    }
    const kept = this.evict(node);
    this.afterTouch();
    return kept ? "stored" : "rejected";
  }

  /** Evicts until within bounds; returns whether `written` is still present. */
  protected evict(written: Node): boolean {
    while (this.overBounds()) this.evictOne(this.victim(written), written);
    return this.index.has(written.id);
  }

  /** Evicts `victim` for the bound that is exceeded (bytes first), counting a rejection of `written`. */
  protected evictOne(victim: Node | null, written: Node): void {
    if (!victim) throw new Error("the model found no victim in a cache over its bounds");
    const reason = this.stats.bytes > this.maxBytes ? "evictionsSize" : "evictionsCount";
    if (victim === written) this.stats.rejected++;
    this.removeNode(victim);
    this.stats[reason]++;
  }

  protected overBounds(): boolean {
    return this.stats.bytes > this.maxBytes || this.stats.entries > this.maxEntries;
  }

  protected removeNode(node: Node): void {
    node.list!.remove(node);
    this.index.delete(node.id);
    this.stats.bytes -= node.bytes;
    this.stats.entries--;
  }

  /** Removes `key`; counted as an explicit eviction. */
  delete(key: Uint8Array): boolean {
    const node = this.index.get(idOf(key));
    if (!node) return false;
    this.removeNode(node);
    this.stats.evictionsExplicit++;
    return true;
  }

  /** Removes everything; each entry counts as an explicit eviction. */
  clear(): void {
    for (const node of this.order()) {
      this.removeNode(node);
      this.stats.evictionsExplicit++;
    }
  }

  /** Encoded keys in export order. */
  keys(): Uint8Array[] {
    return this.order().map((node) => node.key);
  }
}

/** LRU: one list; hits and updates move to the head; the victim is the tail. */
export class ReferenceLru extends ReferenceCache {
  protected list = new List();
  protected onHit(node: Node): void {
    this.list.moveToHead(node);
  }
  protected onInsert(node: Node): void {
    this.list.pushHead(node);
  }
  protected onUpdate(node: Node): void {
    this.list.moveToHead(node);
  }
  protected victim(written: Node): Node | null {
    const tail = this.list.tail;
    return tail === written ? (tail.prev ?? tail) : tail; // the written entry only when it is alone
  }
  order(): Node[] {
    return [...this.list.nodes()];
  }
}

/** FIFO: like LRU, but hits and updates do not move an entry. */
export class ReferenceFifo extends ReferenceLru {
  protected override onHit(): void {}
  protected override onUpdate(): void {}
}

const LFU_LEVELS = 16;

/** LFU: 16 lists by frequency, aged by halving every frequency. */
export class ReferenceLfu extends ReferenceCache {
  protected lists = Array.from({ length: LFU_LEVELS }, () => new List());
  protected opsSinceAging = 0;

  protected onHit(node: Node): void {
    this.promote(node);
  }
  protected onInsert(node: Node): void {
    node.level = 1;
    this.lists[1].pushHead(node);
  }
  protected onUpdate(node: Node): void {
    this.promote(node);
  }
  protected promote(node: Node): void {
    node.level = Math.min(node.level + 1, LFU_LEVELS - 1);
    this.lists[node.level].moveToHead(node);
  }
  protected victim(written: Node): Node | null {
    for (const list of this.lists) {
      for (let node = list.tail; node; node = node.prev) {
        if (node !== written) return node;
      }
    }
    return written; // the only entry left
  }
  protected override afterTouch(): void {
    this.opsSinceAging++;
    if (this.opsSinceAging < 8 * Math.max(this.stats.entries, 8)) return;
    for (let level = 1; level < LFU_LEVELS; level++) {
      const list = this.lists[level];
      const target = this.lists[level >> 1];
      while (list.tail) {
        const node = list.tail;
        node.level = level >> 1;
        target.moveToHead(node);
      }
    }
    this.opsSinceAging = 0;
  }
  order(): Node[] {
    const nodes: Node[] = [];
    for (let level = LFU_LEVELS - 1; level >= 0; level--) nodes.push(...this.lists[level].nodes());
    return nodes;
  }
}

const SKETCH_ROWS = 4;
const SKETCH_WIDTH_MAX = 1 << 20;
const COUNTER_MAX = 15;

/** TinyLFU's count-min sketch: 4 rows of saturating 4-bit counters, halved every 10 × width increments. */
export class ReferenceSketch {
  readonly width: number;
  readonly counters: Uint8Array;
  additions = 0;

  /** A sketch for about `expectedEntries` keys: width = the next power of two >= max(16, 2 × expected). */
  constructor(expectedEntries: number) {
    const wanted = Math.min(Math.max(16, 2 * expectedEntries), SKETCH_WIDTH_MAX);
    this.width = 2 ** Math.ceil(Math.log2(wanted));
    this.counters = new Uint8Array(SKETCH_ROWS * this.width);
  }

  /** Blocked, as sketch.zig: one 64-byte block per key, 16 counters per row in it. */
  position(hash: number, row: number): number {
    const blocks = (this.width * SKETCH_ROWS) / 64;
    const block = hash & (blocks - 1);
    const spread = fmix32((hash ^ 0x9e3779b9) >>> 0);
    return block * 64 + row * 16 + ((spread >>> (8 * row)) & 15);
  }

  increment(hash: number): void {
    for (let row = 0; row < SKETCH_ROWS; row++) {
      const at = this.position(hash, row);
      if (this.counters[at] < COUNTER_MAX) this.counters[at]++;
    }
    this.additions++;
    if (this.additions >= 10 * this.width) {
      for (let index = 0; index < this.counters.length; index++) this.counters[index] >>= 1;
      this.additions = Math.floor(this.additions / 2);
    }
  }

  estimate(hash: number): number {
    let lowest = COUNTER_MAX;
    for (let row = 0; row < SKETCH_ROWS; row++) lowest = Math.min(lowest, this.counters[this.position(hash, row)]);
    return lowest;
  }
}

/**
 * W-TinyLFU with a hill-climbed window, as policy.zig's `Adaptive` describes it: new keys enter the
 * window (its share of the bytes and of the entry bound); after a set the window's oldest entries beyond its share become candidates; while over
 * the bounds the oldest candidate faces the tail of probation (or protected) and wins only with a
 * strictly higher sketch estimate; leftover candidates join probation. Hits promote from probation
 * to protected (80% of the main space). Every `sample` gets, the window fraction climbs.
 */
export class ReferenceAdaptive extends ReferenceCache {
  readonly window = new List();
  readonly probation = new List();
  readonly protectedList = new List();
  readonly candidates = new List();
  readonly sketch: ReferenceSketch;
  windowFraction = 0.01;
  step = 0.05;
  previousHitRate = -1;
  sampleGets = 0;
  sampleHits = 0;
  sampleSize = 640;

  constructor(bounds: ReferenceBounds) {
    super(bounds);
    this.sketch = new ReferenceSketch(bounds.maxEntries ? bounds.maxEntries : Math.floor(bounds.maxBytes / 256));
  }

  /** The window's share of a bound (bytes or entries). */
  windowMax(bound: number): number {
    return Math.floor(bound * this.windowFraction);
  }

  /** Protected's share of a bound: 80% of what the window leaves. */
  protectedMax(bound: number): number {
    return Math.floor((bound - this.windowMax(bound)) * 0.8);
  }

  /** The shard's entry bound as the library holds it (2^32 - 1 when none is given). */
  get entryBound(): number {
    return this.maxEntries === Infinity ? 2 ** 32 - 1 : this.maxEntries;
  }

  protected onHit(node: Node): void {
    this.sketch.increment(node.sketchHash);
    if (node.list === this.window || node.list === this.protectedList) {
      node.list.moveToHead(node);
      return;
    }
    this.protectedList.moveToHead(node);
    const bytesMax = this.protectedMax(this.maxBytes);
    const entriesMax = this.protectedMax(this.entryBound);
    while (this.protectedList.bytes > bytesMax || this.protectedList.length > entriesMax) {
      this.probation.moveToHead(this.protectedList.tail!);
    }
  }
  protected onInsert(node: Node): void {
    this.window.pushHead(node);
    this.sketch.increment(node.sketchHash);
  }
  protected onUpdate(node: Node): void {
    this.onHit(node);
  }
  protected override afterGet(hit: boolean): void {
    this.sampleGets++;
    if (hit) this.sampleHits++;
    if (this.sampleGets < this.sampleSize) return;
    const rate = this.sampleHits / this.sampleGets;
    if (this.previousHitRate >= 0 && rate < this.previousHitRate) this.step = -this.step * 0.98;
    this.windowFraction = Math.min(Math.max(this.windowFraction + this.step, 0), 0.8);
    this.previousHitRate = rate;
    this.sampleGets = 0;
    this.sampleHits = 0;
    this.sampleSize = 10 * Math.max(this.stats.entries, 64);
  }

  protected override evict(written: Node): boolean {
    const bytesMax = this.windowMax(this.maxBytes);
    const entriesMax = this.windowMax(this.entryBound);
    while ((this.window.bytes > bytesMax || this.window.length > entriesMax) && this.window.length > 1) {
      this.candidates.moveToHead(this.window.tail!);
    }
    while (this.overBounds()) this.evictOne(this.victim(), written);
    while (this.candidates.tail) this.probation.moveToHead(this.candidates.tail);
    return this.index.has(written.id);
  }

  protected victim(): Node | null {
    const defender = this.probation.tail ?? this.protectedList.tail;
    const challenger = this.candidates.tail;
    if (challenger) {
      if (!defender) return challenger;
      if (this.sketch.estimate(challenger.sketchHash) > this.sketch.estimate(defender.sketchHash)) {
        this.probation.moveToHead(challenger);
        return defender;
      }
      return challenger;
    }
    return defender ?? this.window.tail;
  }

  order(): Node[] {
    return [this.protectedList, this.probation, this.candidates, this.window].flatMap((list) => [...list.nodes()]);
  }
}

/** The contract's hash: FNV-1a steps from `seed`, then murmur3's fmix32. */
export function hash32(bytes: Uint8Array, seed: number): number {
  let hash = seed >>> 0;
  for (let index = 0; index < bytes.length; index++) hash = Math.imul(hash ^ bytes[index], 16777619) >>> 0;
  return fmix32(hash);
}

/** murmur3's finalizer. */
export function fmix32(value: number): number {
  let hash = value >>> 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** The sketch hash of an encoded key: its index hash, mixed again (hash.zig's `sketchOf`). */
export function sketchHashOf(key: Uint8Array): number {
  return fmix32((hash32(key, 0x811c9dc5) ^ 0x9747b28c) >>> 0);
}

/** The policies the models cover. */
export type ReferencePolicy = "lru" | "fifo" | "lfu" | "adaptive";

/** A reference model of `policy`. */
export function referenceOf(policy: ReferencePolicy, bounds: ReferenceBounds): ReferenceCache {
  if (policy === "lru") return new ReferenceLru(bounds);
  if (policy === "fifo") return new ReferenceFifo(bounds);
  if (policy === "lfu") return new ReferenceLfu(bounds);
  return new ReferenceAdaptive(bounds);
}
