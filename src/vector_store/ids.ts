/**
 * A store's id map. Ids are stable (0, 1, 2, … never reused) while rows stay packed: a removal
 * moves the last row into the hole, so each id maps to a slot and each slot back to its id.
 *
 * @module
 */
import { expectIntegerIn } from "../vectors/checks.ts";
import { ROWS_INITIAL, ROWS_MAX } from "./options.ts";

/** Ids to slots and back. */
export class IdMap {
  #slotToId = new Uint32Array(0);
  #idToSlot = new Int32Array(0);
  #nextId = 0;

  /** Resizes the slot table to `capacity` slots, keeping the first `used`. */
  growSlots(capacity: number, used: number): void {
    const slotToId = new Uint32Array(capacity);
    slotToId.set(this.#slotToId.subarray(0, used));
    this.#slotToId = slotToId;
  }

  /** Makes room for `extra` new ids. */
  reserveIds(extra: number): void {
    if (this.#nextId + extra > this.#idToSlot.length) {
      const ids = new Int32Array(Math.max(this.#nextId + extra, this.#idToSlot.length * 2, ROWS_INITIAL));
      ids.set(this.#idToSlot.subarray(0, this.#nextId));
      this.#idToSlot = ids;
    }
  }

  /** Gives the row in `slot` the next id, and returns it. */
  assign(slot: number): number {
    const id = this.#nextId;
    this.#slotToId[slot] = id;
    this.#idToSlot[id] = slot;
    this.#nextId = id + 1;
    return id;
  }

  /** The slot of `id`, or −1 when it is not in the store; throws unless `id` is an integer in range. */
  slotOf(action: string, id: unknown): number {
    expectIntegerIn(action, "id", id, 0, ROWS_MAX);
    const slot = (id as number) < this.#nextId ? this.#idToSlot[id as number] : -1;
    return slot;
  }

  /** Forgets `id`, whose slot `slot` now holds the row that was in slot `last`. */
  remove(id: number, slot: number, last: number): void {
    if (slot !== last) {
      const moved = this.#slotToId[last];
      this.#slotToId[slot] = moved;
      this.#idToSlot[moved] = slot;
    }
    this.#idToSlot[id] = -1;
  }

  /** Replaces slots by their ids, in place. */
  toIds(slots: Uint32Array): void {
    for (let index = 0; index < slots.length; index++) slots[index] = this.#slotToId[slots[index]];
  }
}
