/**
 * Injected OS failures seen from JavaScript, in both runtimes: a child process of this runtime loads
 * the fault-injection test library (`.ci/build faults`: a safe build whose OS layer can be told to
 * fail its Nth map, advise or bind call) and runs test/faults/fault_child.ts, which checks the
 * errors the public API reports, that nothing is half-done or leaked, and that everything works
 * once the faults stop. The Zig tests sweep every such call in-process (zig/src/alloc/fault_sweep.zig).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { runScript, test } from "./harness.ts";

const library = new URL("../zig/zig-out/faults/lib/liboffheap.so", import.meta.url).pathname;

test("refused map, advise and mbind calls are OUT_OF_MEMORY or absorbed, roll back, and leak nothing", () => {
  assert.ok(existsSync(library), `${library} is missing: build it with bash .ci/build faults (npm test does)`);
  const child = runScript(new URL("./faults/fault_child.ts", import.meta.url).pathname, [], {
    env: { OFFHEAP_LIB: library },
    timeoutMs: 120_000,
  });
  assert.equal(child.status, 0, `fault child failed:\n${child.stdout}\n${child.stderr}`);
  assert.match(child.stdout, /faults: ok/);
  assert.match(child.stdout, /reservation refused/);
  assert.match(child.stdout, /allocMany failing/);
});
