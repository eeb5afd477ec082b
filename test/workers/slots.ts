/**
 * Transfer slots: a SharedArrayBuffer of block descriptors that Workers swap blocks through, as in
 * mimalloc's test-stress.c. Each slot holds an address and a size; an Int32 state per slot
 * (Atomics) makes one thread at a time its holder, so a block is never taken twice.
 *
 * @module
 */

const EMPTY = 0;
const FULL = 1;
const BUSY = 2;

/** A block as the stress harness tracks it. */
export interface Block {
  address: number;
  size: number;
}

/** The shared memory of the slots, to post to Workers. */
export interface SlotMemory {
  states: SharedArrayBuffer;
  blocks: SharedArrayBuffer;
}

/** A view of the slots in one thread. */
export class TransferSlots {
  readonly count: number;
  readonly memory: SlotMemory;
  #states: Int32Array;
  #blocks: Float64Array;

  /** Opens slots over `memory`, or allocates `count` new empty ones. */
  constructor(source: SlotMemory | number) {
    const memory = typeof source === "number"
      ? { states: new SharedArrayBuffer(source * 4), blocks: new SharedArrayBuffer(source * 16) }
      : source;
    this.memory = memory;
    this.#states = new Int32Array(memory.states);
    this.#blocks = new Float64Array(memory.blocks);
    this.count = this.#states.length;
  }

  /**
   * Puts `block` (or nothing) in slot `index` and returns what it held. Returns `undefined` and
   * leaves everything as it was when another thread holds the slot at this moment.
   */
  swap(index: number, block: Block | null): Block | null | undefined {
    const state = Atomics.load(this.#states, index);
    if (state === BUSY || Atomics.compareExchange(this.#states, index, state, BUSY) !== state) return undefined;
    const previous = state === FULL ? { address: this.#blocks[index * 2], size: this.#blocks[index * 2 + 1] } : null;
    if (block) {
      this.#blocks[index * 2] = block.address;
      this.#blocks[index * 2 + 1] = block.size;
    }
    Atomics.store(this.#states, index, block ? FULL : EMPTY);
    return previous;
  }

  /** Empties every slot whose index satisfies `which`, returning the blocks they held. */
  drain(which: (index: number) => boolean = () => true): Block[] {
    const taken: Block[] = [];
    for (let index = 0; index < this.count; index++) {
      if (!which(index)) continue;
      const block = this.swap(index, null);
      if (block === undefined) throw new Error(`slot ${index} is still held by a Worker`);
      if (block) taken.push(block);
    }
    return taken;
  }
}
