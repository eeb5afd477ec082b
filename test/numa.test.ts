/**
 * NUMA placement in both runtimes, checked with get_mempolicy after touching the memory. Written
 * for N nodes: every online node is bound and verified; the first node that does not exist is a
 * RangeError.
 */
import assert from "node:assert/strict";
import { heap } from "../mod.ts";
import { test } from "./harness.ts";

const MiB = 1024 * 1024;

test("the topology lists the current node", () => {
  const nodes = heap.numaNodes();
  assert.ok(nodes.length >= 1);
  assert.ok(nodes.includes(heap.currentNode()));
  assert.equal(heap.stats().numaNodes, nodes.length);
});

test("node: N binds every online node, verified by nodeOf after touch", () => {
  for (const node of heap.numaNodes()) {
    for (const size of [256 * 1024, 4 * MiB]) {
      using buf = heap.alloc(size, { node });
      buf.bytes().fill(1);
      assert.equal(heap.nodeOf(buf.address), node, `size ${size}`);
      assert.equal(heap.nodeOf(buf.address + size - 1), node);
      assert.equal(heap.policyOf(buf.address), "bind");
      assert.ok(heap.stats().bytesByNode[Math.min(node, 7)] >= size);
    }
  }
});

test("a node that does not exist is a RangeError naming it", () => {
  const nodes = heap.numaNodes();
  let missing = 0;
  while (nodes.includes(missing)) missing++;
  assert.throws(
    () => heap.alloc(MiB, { node: missing }),
    (e: unknown) => e instanceof RangeError && e.message.includes("NUMA node") && e.message.includes(String(missing)),
  );
  assert.throws(() => heap.alloc(MiB, { node: 1023 }), RangeError);
  assert.throws(() => heap.alloc(MiB, { node: 1024 }), RangeError);
});

test("interleave, preferred and local are accepted and reported", () => {
  using interleaved = heap.alloc(4 * MiB, { numa: "interleave" });
  interleaved.bytes().fill(1);
  assert.equal(heap.policyOf(interleaved.address), "interleave");
  assert.ok(heap.numaNodes().includes(heap.nodeOf(interleaved.address)));
  assert.ok(heap.stats().interleavedBytes >= 4 * MiB);
  using preferred = heap.alloc(MiB, { numa: "preferred", node: heap.numaNodes()[0] });
  preferred.bytes()[0] = 1;
  assert.equal(heap.policyOf(preferred.address), "preferred");
  using local = heap.alloc(MiB, { numa: "local" });
  local.bytes()[0] = 1;
  assert.equal(heap.policyOf(local.address), "local");
  using plain = heap.alloc(MiB);
  assert.equal(heap.policyOf(plain.address), "default");
});

test("nodeOf and policyOf reject addresses offheap does not own", () => {
  assert.throws(() => heap.nodeOf(4096), (e: unknown) => (e as { code?: string }).code === "NOT_OWNED");
  assert.throws(() => heap.policyOf("x" as unknown as number), TypeError);
});
