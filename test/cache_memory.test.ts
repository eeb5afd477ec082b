/**
 * The cache's own memory (zig/src/cache/slabs.zig), checked against the kernel's view of this
 * process: `memoryBytes` against what the entries need, the `huge` option against the MADV_HUGEPAGE
 * flag (`hg`) of /proc/self/smaps, the `node` option against the `bind:N` policy of
 * /proc/self/numa_maps, and the pages going back when the cache is cleared.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Cache, heap } from "../mod.ts";
import { readSmaps, test } from "./harness.ts";
import { liveBytesOf } from "./heap_totals.ts";

const MiB = 1024 * 1024;

/** Bytes of this process's mappings advised MADV_HUGEPAGE. */
function hugepageAdvisedBytes(): number {
  return readSmaps()
    .filter((mapping) => mapping.vmFlags.includes("hg"))
    .reduce((sum, mapping) => sum + mapping.end - mapping.start, 0);
}

/** Pages (of any size) in mappings whose policy binds them to `node`, from /proc/self/numa_maps. */
function pagesBoundTo(node: number): number {
  let pages = 0;
  for (const line of readFileSync("/proc/self/numa_maps", "utf8").split("\n")) {
    if (!line.split(" ")[1]?.startsWith(`bind:${node}`)) continue;
    const dirty = /\bN\d+=(\d+)/.exec(line);
    if (dirty) pages += Number(dirty[1]);
  }
  return pages;
}

function liveBytes(): number {
  return liveBytesOf(heap.stats());
}

function fill(cache: Cache, count: number, valueBytes: number): void {
  const value = new Uint8Array(valueBytes).fill(7);
  for (let i = 0; i < count; i++) cache.set(i, value);
}

test("memoryBytes counts the entries' pages, the index and nothing more than a page per class", () => {
  using cache = new Cache({ maxBytes: 64 * MiB, policy: "lru" });
  const empty = cache.stats().memoryBytes;
  const count = 2000;
  fill(cache, count, 1000);
  const stats = cache.stats();
  // An entry: a 24-byte header, a 9-byte integer key and 1000 bytes (1033) in a 1040-byte slot of a
  // 64 KiB page; the index: 256 lines of 64 bytes (12 slots each, at most 3/4 full).
  const slotBytes = 1040;
  const indexBytes = 256 * 64;
  assert.ok(stats.memoryBytes >= count * (24 + 9 + 1000) + indexBytes, `memoryBytes ${stats.memoryBytes}`);
  assert.ok(stats.memoryBytes <= count * slotBytes + 2 * 64 * 1024 + indexBytes, `memoryBytes ${stats.memoryBytes}`);
  assert.ok(empty < 64 * 1024, `an empty cache holds ${empty} bytes`);
  cache.clear();
  assert.ok(cache.stats().memoryBytes <= indexBytes, "clear() gives the entries' pages back");
});

test("entries over 16 KiB live in the allocator, counted in memoryBytes and freed with the cache", () => {
  const before = liveBytes();
  {
    using cache = new Cache({ maxBytes: 64 * MiB });
    fill(cache, 8, 100_000);
    assert.ok(cache.stats().memoryBytes >= 8 * 100_000);
    assert.ok(liveBytes() - before >= 8 * 100_000);
    for (let i = 0; i < 8; i++) assert.equal(cache.get(i)!.length, 100_000);
  }
  assert.ok(liveBytes() - before < 64 * 1024, "the large entries went back to the allocator");
});

test('huge: "always" advises the chunks MADV_HUGEPAGE, "never" does not, "auto" only for large shards', () => {
  const cases: [string, Partial<ConstructorParameters<typeof Cache>[0]>, boolean][] = [
    ["always, small", { maxBytes: MiB, huge: "always" }, true],
    ["never, large", { maxBytes: 256 * MiB, huge: "never" }, false],
    ["auto, small", { maxBytes: MiB }, false],
    ["auto, 32 MiB per shard", { maxBytes: 64 * MiB, shards: 2 }, true],
  ];
  for (const [name, options, advised] of cases) {
    const before = hugepageAdvisedBytes();
    using cache = new Cache({ maxBytes: MiB, ...options });
    cache.set("k", new Uint8Array(100));
    const grown = hugepageAdvisedBytes() - before;
    if (advised) assert.ok(grown >= 2 * MiB, `${name}: ${grown} more bytes advised`);
    else assert.equal(grown, 0, `${name}: ${grown} more bytes advised`);
  }
});

test("node: N binds the entries' memory to that node (numa_maps), and a node that does not exist is a RangeError", () => {
  for (const node of heap.numaNodes()) {
    const before = pagesBoundTo(node);
    using cache = new Cache({ maxBytes: 8 * MiB, node, huge: "never" });
    fill(cache, 500, 1000);
    assert.ok(pagesBoundTo(node) - before >= (500 * 1000) / 4096, `node ${node}`);
  }
  const nodes = heap.numaNodes();
  let missing = 0;
  while (nodes.includes(missing)) missing++;
  assert.throws(
    () => new Cache({ maxBytes: MiB, node: missing }),
    (e: unknown) => e instanceof RangeError && e.message.includes("NUMA node does not exist"),
  );
  assert.throws(() => new Cache({ maxBytes: MiB, node: -1 }), RangeError);
  assert.throws(() => new Cache({ maxBytes: MiB, node: 1.5 }), RangeError);
  assert.throws(() => new Cache({ maxBytes: MiB, node: "0" as unknown as number }), TypeError);
  assert.throws(() => new Cache({ maxBytes: MiB, huge: "sometimes" as "auto" }), RangeError);
  assert.throws(() => new Cache({ maxBytes: MiB, huge: 1 as unknown as "auto" }), TypeError);
});

test("hits waiting to be applied never outlive their entries: expiry, delete and clear amid pending hits", () => {
  using cache = new Cache({ maxBytes: MiB, policy: "lru" });
  for (const key of ["a", "b", "c", "d"]) cache.set(key, key, { ttlMs: key === "b" ? 50 : 0 });
  // Hits on b, a and c wait in the shard's buffer; b then expires and is removed on the next get.
  cache.get("b");
  cache.get("a");
  cache.get("c");
  const now = Date.now();
  while (Date.now() - now < 80) { /* let b's TTL pass */ }
  assert.equal(cache.get("b"), undefined);
  cache.get("d");
  assert.equal(cache.delete("a"), true);
  assert.deepEqual([...cache.keys()], ["d", "c"]);
  cache.get("c");
  cache.clear();
  assert.deepEqual([...cache.keys()], []);
  assert.equal(cache.stats().expired, 1);
});
