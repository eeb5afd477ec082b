/**
 * Workers, in both runtimes: blocks freed by a thread that did not allocate them, double frees
 * across Workers, and (in child processes, so a crash fails the test instead of the runner) the
 * stress harness, Workers terminated mid-allocation, the 200-Worker churn bound and the loading
 * rule.
 */
import assert from "node:assert/strict";
import { heap, OffheapBuffer, threadHeapStats } from "../mod.ts";
import { fill, intact } from "./workers/pattern.ts";
import type { Block } from "./workers/slots.ts";
import { type Reply, TestWorker } from "./workers/worker_client.ts";
import { runScript, runtime, test } from "./harness.ts";

/** Runs `test/stress/<script>` with `args` in a child process of this runtime. */
function runStress(script: string, args: string[]): { status: number | null; output: string } {
  const path = new URL(`./stress/${script}`, import.meta.url).pathname;
  // --expose-gc lets churn.ts collect garbage before it samples RSS (Bun always can).
  const child = runScript(path, args, { denoFlags: ["--v8-flags=--expose-gc"], timeoutMs: 170_000 });
  return { status: child.status, output: `${child.stdout}${child.stderr}` };
}

function allocBlocks(sizes: number[]): Block[] {
  return sizes.map((size) => {
    const address = heap.allocRaw(size);
    fill(address, size);
    return { address, size };
  });
}

/** A second free is DOUBLE_FREE; a freed mapped region may also be gone entirely (NOT_OWNED). */
function refused(reply: Reply, size: number): boolean {
  if (reply.ok) return false;
  return reply.code === "DOUBLE_FREE" || (size > 16384 && reply.code === "NOT_OWNED");
}

const TIER_SIZES: Record<string, { size: number; count: number }> = {
  small: { size: 200, count: 10_000 },
  medium: { size: 6000, count: 10_000 },
  mapped: { size: 20_000, count: 10_000 },
  huge: { size: 3 << 20, count: 16 },
};

test("blocks of every tier allocated here are checked and freed by a Worker, and back", async () => {
  heap.freeRaw(heap.allocRaw(8)); // the main thread loads the library before any Worker starts
  const worker = new TestWorker();
  try {
    for (const [tier, { size, count }] of Object.entries(TIER_SIZES)) {
      const sent = allocBlocks(new Array(count).fill(size));
      const reply = await worker.send({ op: "verify-free", blocks: sent });
      assert.deepEqual(reply, { ok: true, corrupt: 0 }, `${tier}: main -> Worker`);
      const received = await worker.blocks({ op: "alloc", sizes: new Array(count).fill(size) });
      for (const block of received) {
        assert.ok(intact(block.address, block.size), `${tier}: block ${block.address} from the Worker`);
        heap.freeRaw(block.address);
      }
    }
  } finally {
    worker.terminate();
  }
}, { timeoutMs: 120_000 });

test("a double free across Workers is a DOUBLE_FREE error, not corruption", async () => {
  const first = new TestWorker();
  const second = new TestWorker();
  try {
    for (const size of [64, 6000, 100_000]) {
      const freedHere = heap.allocRaw(size);
      heap.freeRaw(freedHere);
      const reply = await first.send({ op: "free", address: freedHere });
      assert.ok(refused(reply, size), `size ${size}: ${JSON.stringify(reply)}`);
      const [block] = allocBlocks([size]);
      assert.deepEqual(await first.send({ op: "verify-free", blocks: [block] }), { ok: true, corrupt: 0 });
      const again = await second.send({ op: "free", address: block.address });
      assert.ok(refused(again, size), `size ${size}: ${JSON.stringify(again)}`);
    }
    const buffer = heap.alloc(128);
    const descriptor = buffer.transfer();
    assert.deepEqual(await first.send({ op: "adopt-free", descriptor }), { ok: true });
    const twice = await second.send({ op: "adopt-free", descriptor });
    assert.equal(twice.ok ? "ok" : twice.code, "DOUBLE_FREE");
    // The allocator still works and hands out intact memory.
    const after = allocBlocks([64, 6000, 100_000]);
    assert.deepEqual(await second.send({ op: "verify-free", blocks: after }), { ok: true, corrupt: 0 });
  } finally {
    first.terminate();
    second.terminate();
  }
});

test("regions viewed by a Worker that ended unmap once freed: its pins are dropped, not kept", async () => {
  const before = threadHeapStats().pinsDropped;
  const blocks = allocBlocks([100_000, 300_000, 3 << 20]);
  const worker = new TestWorker();
  try {
    assert.deepEqual(await worker.send({ op: "view-keep", blocks }), { ok: true, corrupt: 0 });
  } finally {
    worker.terminate();
  }
  // Freed while the ended Worker's views still pin them: each becomes a zombie, mapped but freed.
  for (const block of blocks) heap.freeRaw(block.address);
  // terminate() returns before the Worker's thread is gone; trim() sweeps once the kernel says so.
  const deadline = Date.now() + 20_000;
  while (threadHeapStats().pinsDropped - before < blocks.length && Date.now() < deadline) {
    heap.trim();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(threadHeapStats().pinsDropped - before >= blocks.length, "the ended Worker's pins were never dropped");
  heap.trim();
  for (const block of blocks) {
    assert.throws(() => heap.usableSize(block.address), { code: "NOT_OWNED" }, `block of ${block.size} still mapped`);
  }
}, { timeoutMs: 60_000 });

test("a transferred buffer is owned by its receiver and shared buffers stay with the sender", () => {
  const buffer = heap.alloc(64, { tag: "shared" });
  buffer.bytes()[5] = 42;
  const lent = buffer.share();
  assert.deepEqual(lent, { address: buffer.address, byteLength: 64, tier: "small", tag: "shared" });
  assert.equal(heap.view(lent.address, lent.byteLength)[5], 42);
  const owned = OffheapBuffer.from(buffer.transfer());
  assert.equal(buffer.freed, true);
  buffer.free(); // a no-op: the buffer was given away
  assert.equal(owned.bytes()[5], 42);
  owned.free();
  assert.throws(() => OffheapBuffer.from(lent), { code: "DOUBLE_FREE" });
  assert.throws(() => OffheapBuffer.from({ address: -1, byteLength: 8, tier: "small" }), TypeError);
  assert.ok(threadHeapStats().heaps >= 1);
});

test("a short stress run: 4 Workers x 200k ops, blocks swapped through shared slots", () => {
  const { status, output } = runStress("stress.ts", ["--workers", "4", "--ops", "200000", "--rounds", "2"]);
  assert.equal(status, 0, output);
  assert.match(output, /stress: ok/);
}, { timeoutMs: 180_000 });

test("Workers terminated in the middle of allocating neither hang nor crash the process", () => {
  const { status, output } = runStress("terminate.ts", ["--times", "20"]);
  assert.equal(status, 0, output);
  assert.match(output, /terminate: ok/);
}, { timeoutMs: 180_000 });

test("200 Workers of 16 MiB each keep RSS within twice the first round's peak", () => {
  const { status, output } = runStress("churn.ts", ["--workers", "200", "--concurrency", "4", "--mib", "16"]);
  assert.equal(status, 0, output);
  assert.match(output, /churn: ok/);
}, { timeoutMs: 180_000 });

test(`a Worker that would load the library first is refused (${runtime})`, () => {
  const { status, output } = runStress("load_rule.ts", []);
  assert.equal(status, 0, output);
  assert.match(output, /load rule: ok/);
}, { timeoutMs: 60_000 });
