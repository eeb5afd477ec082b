/**
 * Checks the loading rule from a fresh process: the main thread never loads liboffheap, and a
 * Worker that tries to allocate must get the loading-rule error instead of loading it first.
 * Prints `load rule: ok` and exits 0 when it does.
 *
 * @module
 */
import { TestWorker } from "../workers/worker_client.ts";
import { exit, write } from "../workers/runtime.ts";

const worker = new TestWorker();
const reply = await worker.send({ op: "alloc", sizes: [64] });
worker.terminate();
const refused = !reply.ok && reply.message.includes("before the main thread has loaded it");
write(refused ? "load rule: ok\n" : `load rule: FAILED ${JSON.stringify(reply)}\n`);
exit(refused ? 0 : 1);
