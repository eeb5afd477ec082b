/**
 * A command-driven Worker for test/workers.test.ts and the child-process scenarios: it allocates,
 * verifies and frees blocks on request, so tests can move blocks between threads and watch what
 * each side reports. Every reply is `{ ok: true, ... }` or `{ ok: false, code, message }`.
 *
 * @module
 */
import { heap, OffheapBuffer, OffheapError, releaseThreadHeap } from "../../mod.ts";
import type { BufferDescriptor } from "../../mod.ts";
import { fill, intact, Random, randomSize } from "./pattern.ts";
import type { Block } from "./slots.ts";

/** The commands this Worker understands. */
export type Command =
  | { op: "alloc"; sizes: number[] }
  | { op: "verify-free"; blocks: Block[] }
  | { op: "free"; address: number }
  | { op: "view-keep"; blocks: Block[] }
  | { op: "adopt-free"; descriptor: BufferDescriptor }
  | { op: "churn"; bytes: number; seed: number }
  | { op: "spin"; progress: SharedArrayBuffer; index: number };

/** Views this Worker keeps until it ends (so their pins outlive it unless the library drops them). */
const keptViews: Uint8Array[] = [];

type Reply = { ok: true; blocks?: Block[]; corrupt?: number } | { ok: false; code: string; message: string };

function allocAll(sizes: number[]): Block[] {
  return sizes.map((size) => {
    const address = heap.allocRaw(size);
    fill(address, size);
    return { address, size };
  });
}

function verifyFree(blocks: Block[]): number {
  let corrupt = 0;
  for (const block of blocks) {
    if (!intact(block.address, block.size)) corrupt++;
    heap.freeRaw(block.address);
  }
  return corrupt;
}

/** Allocates `bytes` in random sizes across every tier, frees half, returns the other half. */
function churn(bytes: number, seed: number): Block[] {
  const random = new Random(seed);
  const kept: Block[] = allocAll([3 << 20]); // one block of the huge size range, every time
  let total = kept[0].size;
  while (total < bytes) {
    const size = Math.min(randomSize(random) * (random.below(8) === 0 ? 64 : 1), 4 << 20);
    const address = heap.allocRaw(size);
    fill(address, size);
    total += size;
    if (random.below(2) === 0) kept.push({ address, size });
    else verifyFree([{ address, size }]);
  }
  releaseThreadHeap();
  return kept;
}

/** Allocates and frees forever, counting rounds in `progress[index]`: for terminate-mid-work tests. */
function spin(progress: SharedArrayBuffer, index: number): never {
  const counters = new Int32Array(progress);
  const random = new Random(index + 1);
  const held: Block[] = [];
  for (;;) {
    const size = randomSize(random);
    const address = heap.allocRaw(size);
    fill(address, size);
    held.push({ address, size });
    if (held.length > 200) verifyFree(held.splice(0, 100));
    Atomics.add(counters, index, 1);
  }
}

function run(command: Command): Reply {
  switch (command.op) {
    case "alloc":
      return { ok: true, blocks: allocAll(command.sizes) };
    case "verify-free":
      return { ok: true, corrupt: verifyFree(command.blocks) };
    case "free":
      heap.freeRaw(command.address);
      return { ok: true };
    case "view-keep":
      for (const block of command.blocks) keptViews.push(heap.view(block.address, block.size));
      return { ok: true, corrupt: command.blocks.filter((block) => !intact(block.address, block.size)).length };
    case "adopt-free":
      OffheapBuffer.from(command.descriptor).free();
      return { ok: true };
    case "churn":
      return { ok: true, blocks: churn(command.bytes, command.seed) };
    case "spin":
      return spin(command.progress, command.index);
  }
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<Command>) => void) | null;
  postMessage(message: Reply): void;
};
scope.onmessage = (event) => {
  try {
    scope.postMessage(run(event.data));
  } catch (error) {
    const code = error instanceof OffheapError ? error.code : (error as Error).name;
    scope.postMessage({ ok: false, code, message: String(error) });
  }
};
