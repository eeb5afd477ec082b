/**
 * One stress Worker (see stress.ts): random blocks across every tier, 50% alloc, 35% free, 15% swap
 * through the shared transfer slots, every block patterned at alloc and checked before free or on
 * receipt. Progress goes to a shared counter; the result is posted when the ops are done.
 *
 * @module
 */
import { heap, releaseThreadHeap } from "../../mod.ts";
import { type Block, type SlotMemory, TransferSlots } from "../workers/slots.ts";
import { fill, intact, Random, randomSize } from "../workers/pattern.ts";

/** What the runner posts to start a Worker. */
export interface StressTask {
  id: number;
  seed: number;
  ops: number;
  slots: SlotMemory;
  /** Int32 counters: [id] = ops done by Worker `id`. */
  progress: SharedArrayBuffer;
  /** Give the heap back when done (the exit hook would otherwise). */
  release: boolean;
}

/** What a Worker posts back. */
export interface StressResult {
  id: number;
  ops: number;
  corrupt: number;
  failures: string[];
}

const LOCAL_BLOCKS = 500;
const PROGRESS_EVERY = 1024;

class Stress {
  readonly local: (Block | null)[] = new Array(LOCAL_BLOCKS).fill(null);
  corrupt = 0;
  readonly failures: string[] = [];

  release(block: Block | null): void {
    if (!block) return;
    if (!intact(block.address, block.size)) this.corrupt++;
    try {
      heap.freeRaw(block.address);
    } catch (error) {
      if (this.failures.length < 10) this.failures.push(`free ${block.address} (${block.size}): ${error}`);
    }
  }

  step(random: Random, slots: TransferSlots): void {
    const index = random.below(LOCAL_BLOCKS);
    const roll = random.below(100);
    if (roll < 50) {
      this.release(this.local[index]);
      const size = randomSize(random);
      const address = heap.allocRaw(size);
      fill(address, size);
      this.local[index] = { address, size };
    } else if (roll < 85) {
      this.release(this.local[index]);
      this.local[index] = null;
    } else {
      const received = slots.swap(random.below(slots.count), this.local[index]);
      if (received === undefined) return;
      if (received && !intact(received.address, received.size)) this.corrupt++;
      this.local[index] = received;
    }
  }
}

/** Runs `task` to the end in this thread. */
export function runStress(task: StressTask): StressResult {
  const slots = new TransferSlots(task.slots);
  const progress = new Int32Array(task.progress);
  const random = new Random(task.seed);
  const stress = new Stress();
  for (let done = 0; done < task.ops; done++) {
    stress.step(random, slots);
    if (done % PROGRESS_EVERY === 0) Atomics.store(progress, task.id, done);
  }
  Atomics.store(progress, task.id, task.ops);
  for (const block of stress.local) stress.release(block);
  if (task.release) releaseThreadHeap();
  return { id: task.id, ops: task.ops, corrupt: stress.corrupt, failures: stress.failures };
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<StressTask>) => void) | null;
  postMessage(message: StressResult): void;
};
scope.onmessage = (event) => scope.postMessage(runStress(event.data));
