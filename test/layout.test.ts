/**
 * The counters and options cross the ABI as flat f64 arrays named by the library's own field lists
 * (`offheap_layout`): these tests hold the decoded objects to the documented types, field by field,
 * and check that environment overrides reach `heap.options()` through the options table.
 *
 * @module
 */
import assert from "node:assert/strict";
import { heap, threadHeapStats } from "../mod.ts";
import { runScript, test } from "./harness.ts";

const TIER_FIELDS = [
  "allocs", "frees", "liveBytes", "bytesAllocated", "bytesFreed", "peakBytes", "mappedBytes", "cacheHits",
  "cacheMisses", "bytesPurged", "hugetlbPages", "thpAdvisedBytes",
].sort();
const GLOBAL_FIELDS = [
  "tiers", "segmentsMapped", "segmentBytesMapped", "regionBytesMapped", "threadHeaps", "cachedBytes", "cachedRegions",
  "osMapCalls", "osUnmapCalls", "hugetlbPages2m", "hugetlbPages1g", "numaNodes", "interleavedBytes", "bytesByNode",
  "stashedBytes", "stashedRegions", "stashHits", "leakedBuffers",
].sort();

function isCount(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

test("heap.stats() has exactly the documented fields, each a count", () => {
  const address = heap.allocRaw(100);
  const stats = heap.stats();
  heap.freeRaw(address);
  assert.deepEqual(Object.keys(stats).sort(), GLOBAL_FIELDS);
  assert.deepEqual(Object.keys(stats.tiers), ["small", "medium", "mapped", "huge"]);
  for (const [tier, fields] of Object.entries(stats.tiers)) {
    assert.deepEqual(Object.keys(fields).sort(), TIER_FIELDS, `tier ${tier}`);
    for (const [name, value] of Object.entries(fields)) assert.ok(isCount(value), `tiers.${tier}.${name} = ${value}`);
  }
  assert.ok(Array.isArray(stats.bytesByNode) && stats.bytesByNode.length === 8);
  assert.ok(stats.bytesByNode.every(isCount));
  assert.ok(stats.tiers.small.allocs >= 1 && stats.numaNodes >= 1 && stats.threadHeaps >= 1);
});

test("threadHeapStats() has exactly the documented fields, each a count", () => {
  const stats = threadHeapStats();
  assert.deepEqual(Object.keys(stats).sort(), [
    "abandonedByHint", "abandonedHeaps", "activeHeaps", "adoptions", "heaps", "pinOwners", "pinsDropped",
    "purgedBytes", "reclaimedDead",
  ]);
  assert.ok(Object.values(stats).every(isCount));
});

/** Runs test/print_options.ts in a child process of this runtime with `variables` added to its environment. */
function runWithEnvironment(variables: Record<string, string>): { options: unknown; rawTier: string; optionsTier: string } {
  const child = runScript(new URL("./print_options.ts", import.meta.url).pathname, [], { env: variables });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

test("heap.options() reports each option with its type, and OFFHEAP_* overrides reach it", () => {
  const options = heap.options();
  assert.deepEqual(Object.keys(options).sort(), [
    "cacheBudgetBytes", "decayMs", "huge", "hugeThresholdBytes", "hugetlbRetryMs", "numa", "poison",
  ]);
  assert.equal(typeof options.poison, "boolean");
  assert.ok(["local", "interleave", "preferred"].includes(options.numa));
  assert.ok(["auto", "always", "never"].includes(options.huge));
  const env = {
    OFFHEAP_CACHE_BUDGET: "32M",
    OFFHEAP_DECAY_MS: "250",
    OFFHEAP_HUGE_THRESHOLD: "4M",
    OFFHEAP_NUMA: "interleave",
    OFFHEAP_POISON: "1",
    OFFHEAP_HUGE: "never",
    OFFHEAP_HUGETLB_RETRY_MS: "5",
  };
  assert.deepEqual(runWithEnvironment(env).options, {
    cacheBudgetBytes: 32 << 20,
    decayMs: 250,
    hugeThresholdBytes: 4 << 20,
    numa: "interleave",
    poison: true,
    huge: "never",
    hugetlbRetryMs: 5,
  });
});

test("OFFHEAP_HUGE=always sends heap.alloc's requests to the huge tier at any size, never allocRaw's", () => {
  const placed = runWithEnvironment({ OFFHEAP_HUGE: "always" });
  assert.equal((placed.options as { huge: string }).huge, "always");
  assert.equal(placed.rawTier, "small");
  assert.equal(placed.optionsTier, "huge");
});
