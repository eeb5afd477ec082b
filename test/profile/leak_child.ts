/**
 * Child process of test/profile.test.ts: leaks buffers on purpose, forces the GC and prints what
 * `profile.leaks()` and `heap.leaks()` report, as one JSON line. The parent checks that the
 * leaked buffer is reported with this file's line that allocated it.
 *
 * Run with `deno run -A --v8-flags=--expose-gc` or `bun`; argv[2] is `stacks` or `batched`.
 *
 * @module
 */
import { heap, profile } from "../../mod.ts";

const mode = (globalThis as unknown as { Deno?: { args: string[] } }).Deno?.args[0] ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv[2];
if (mode === "stacks") profile.start({ stacks: true, sampleBytes: 0 });

function collectGarbage(): void {
  const bun = (globalThis as unknown as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) bun.gc(true);
  else (globalThis as unknown as { gc(): void }).gc();
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

function leakOne(): number {
  const leaked = heap.alloc(4096, { tag: "leaky" }); // LEAK SITE
  return leaked.address;
}

const leakedAddress = leakOne();
const kept = heap.alloc(100, { tag: "kept" }); // LIVE SITE
// The leak watch of a buffer begins by the end of its task (a microtask): let it, then collect.
for (let round = 0; round < 10; round++) {
  await nextTask();
  collectGarbage();
  await nextTask();
  if (heap.leaks().count > 0) break;
}
const tags = profile.byTag();
console.log(JSON.stringify({
  leakedAddress,
  keptAddress: kept.address,
  leaks: profile.leaks(),
  heapLeaks: heap.leaks(),
  leakyLiveBytes: tags.leaky.liveBytes,
}));
kept.free();
