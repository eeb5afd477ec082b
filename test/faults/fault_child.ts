/**
 * The child of test/faults.test.ts: runs in one runtime against the fault-injection test library
 * (`.ci/build faults`, given as OFFHEAP_LIB), makes the OS layer's map, advise or bind calls fail
 * through its one extra export, and checks what the public API reports and that nothing leaks.
 * Prints one line per scenario and "faults: ok" at the end; any failure throws (exit status 1).
 */
import assert from "node:assert/strict";
import process from "node:process";
import { Cache, heap, OffheapError } from "../../mod.ts";
import { liveBytesOf } from "../heap_totals.ts";

const MAP = 0, ADVISE = 1, BIND = 2;
type Arm = (kind: number, nth: number, every: number) => number;

/** `offheap_test_fault` through this runtime's FFI (the OS loads the library once: same globals). */
async function openFaultHook(path: string): Promise<Arm> {
  if ("Bun" in globalThis) {
    const bunFfi = "bun:ffi"; // a variable specifier: Deno's checker never resolves it
    const { dlopen } = await import(bunFfi);
    const library = dlopen(path, { offheap_test_fault: { args: ["u32", "u32", "u32"], returns: "i32" } });
    return library.symbols.offheap_test_fault as Arm;
  }
  type Dlopen = (path: string, symbols: unknown) => { symbols: { offheap_test_fault: Arm } };
  const deno = (globalThis as unknown as { Deno: { dlopen: Dlopen } }).Deno;
  return deno.dlopen(path, { offheap_test_fault: { parameters: ["u32", "u32", "u32"], result: "i32" } }).symbols
    .offheap_test_fault;
}

function liveBytes(): number {
  return liveBytesOf(heap.stats());
}

function isOutOfMemory(error: unknown): boolean {
  return error instanceof OffheapError && error.code === "OUT_OF_MEMORY";
}

const path = process.env.OFFHEAP_LIB;
if (!path) throw new Error("fault child: OFFHEAP_LIB must name the fault-injection library");
const arm = await openFaultHook(path);
const disarm = (kind: number) => arm(kind, 0, 0);

/**
 * Runs `scenario` with `kind` failing from call `nth` on (every `every` after), disarms, and
 * returns how many calls the plan made fail.
 */
function withFaults(kind: number, nth: number, every: number, scenario: () => void): number {
  arm(kind, nth, every);
  try {
    scenario();
  } catch (error) {
    disarm(kind);
    throw error;
  }
  return disarm(kind);
}

// Warm up: the allocator's own first mappings are made before anything is armed.
heap.alloc(64).free();
const baseline = liveBytes();

// 1. The caches' address-space reservation cannot be made: new Cache() is OUT_OF_MEMORY, then works.
let injected = withFaults(MAP, 1, 1, () => assert.throws(() => new Cache({ maxBytes: 1 << 20 }), isOutOfMemory));
assert.ok(injected >= 1, "the reservation's map call was made to fail");
{
  using cache = new Cache({ maxBytes: 1 << 20 });
  cache.set("k", "v");
  assert.equal(cache.getString("k"), "v");
}
console.log(`reservation refused: OUT_OF_MEMORY (${injected} map calls failed), then a cache works`);

// 2. A mapped-tier allocation whose map fails: OUT_OF_MEMORY, nothing counted.
heap.trim();
injected = withFaults(MAP, 1, 1, () => assert.throws(() => heap.alloc(256 * 1024), isOutOfMemory));
assert.ok(injected >= 1);
assert.equal(liveBytes(), baseline, "a refused mapping leaves no live bytes");
heap.alloc(256 * 1024).free();
console.log(`mapped-tier alloc refused: OUT_OF_MEMORY (${injected}), live bytes unchanged, then it works`);

// 3. A batch that fails half-way rolls back every block it took.
heap.trim();
injected = withFaults(MAP, 4, 1, () => assert.throws(() => heap.allocMany(200 * 1024, 8), isOutOfMemory));
assert.ok(injected >= 1);
assert.equal(liveBytes(), baseline, "allocMany is all or nothing");
heap.freeMany(heap.allocMany(200 * 1024, 8));
console.log(`allocMany failing at its 4th mapping: OUT_OF_MEMORY (${injected}), rolled back, then it works`);

// 4. A cache bound to a node whose chunk cannot be bound: the set fails whole, the cache stays usable.
for (const node of heap.numaNodes().slice(0, 1)) {
  using cache = new Cache({ maxBytes: 64 << 20, node, huge: "never" });
  injected = withFaults(BIND, 1, 1, () => assert.throws(() => cache.set("a", new Uint8Array(100)), isOutOfMemory));
  assert.ok(injected >= 1);
  assert.equal(cache.size, 0, "nothing half-inserted");
  assert.equal(cache.get("a"), undefined);
  cache.set("a", new Uint8Array(100).fill(3));
  assert.deepEqual(cache.get("a"), new Uint8Array(100).fill(3));
  console.log(`cache chunk bind refused: OUT_OF_MEMORY (${injected}), nothing inserted, then the set works`);
}

// 5. Hugepage advice is best effort: refused, the cache works on ordinary pages.
{
  using cache = new Cache({ maxBytes: 64 << 20, huge: "always" });
  injected = withFaults(ADVISE, 1, 1, () => {
    for (let i = 0; i < 100; i++) cache.set(i, new Uint8Array(1000).fill(i));
  });
  assert.ok(injected >= 1, "the chunk's advice was refused");
  for (let i = 0; i < 100; i++) assert.deepEqual(cache.get(i), new Uint8Array(1000).fill(i));
  console.log(`cache chunk advice refused (${injected}): every set and get works`);
}

heap.trim();
assert.equal(liveBytes(), baseline, "every scenario freed what it took");
console.log("faults: ok");
