/**
 * Heap operations: allocRaw, freeRaw, reallocRaw, view, usableSize, tierOf, allocMany, freeMany,
 * heap.alloc and OffheapBuffer (views, free, share, transfer, from), with valid and invalid
 * arguments: wrong types, sizes and alignments; foreign, freed, interior and out-of-range addresses;
 * double frees and use after free.
 *
 * @module
 */
import assert from "node:assert/strict";
import { checkDescriptor, heap, OffheapBuffer, type OffheapErrorCode, type Tier } from "../../mod.ts";
import { type Expected, offheap, OK, RANGE, TYPE } from "./expect.ts";
import type { Block, Model } from "./model.ts";
import type { Prng } from "./prng.ts";
import type { Op } from "./step.ts";

/** Live blocks the fuzzer keeps at most: beyond, allocations wait for frees. */
export const BLOCKS_MAX = 64;
const MIB = 1024 * 1024;

/** A size from every tier, mostly small so that a million operations stay fast. */
export function randomSize(rng: Prng): number {
  const r = rng.u32() / 4294967296;
  if (r < 0.45) return rng.between(1, 128);
  if (r < 0.75) return rng.between(129, 1024);
  if (r < 0.93) return rng.between(1025, 16384);
  if (r < 0.9995) return rng.between(16385, 131072);
  return rng.between(2 * MIB + 1, 3 * MIB);
}

const BAD_SIZES = [0, -1, -4096, NaN, 1.5, Infinity, -Infinity, 2 ** 46 + 1, 2 ** 53, 2 ** 60];
const VALID_ALIGNS = [0, 1, 2, 8, 16, 32, 64, 256, 4096];
const BAD_ALIGNS = [3, 24, 100, 8192, -8, 0.5, NaN, 1.5, 2 ** 32];
/** Addresses offheap never hands out, and what freeing them is. */
const FOREIGN: readonly [number, OffheapErrorCode][] = [
  [4096, "NOT_OWNED"],
  [123456789 * 4096, "NOT_OWNED"],
  [2 ** 47 + 4096, "NOT_OWNED"],
  [2 ** 52, "NOT_OWNED"],
  [-16, "INVALID_ARGUMENT"],
  [NaN, "INVALID_ARGUMENT"],
  [1.5, "INVALID_ARGUMENT"],
];
/** What a free, a size or a tier query of a freed start address may be (its page or range may be reused). */
export const STALE_QUERY: Expected = offheap("DOUBLE_FREE", "NOT_OWNED", "INTERIOR_POINTER");

function rawBlocks(model: Model): Block[] {
  return model.blocks.filter((block) => block.kind === "raw");
}

/** A freed address that no live block holds now (only while the model knows every live block). */
export function pickStale(rng: Prng, model: Model): { address: number; tier: Tier } | undefined {
  if (!model.allKnown() || model.stale.length === 0) return undefined;
  const stale = rng.pick(model.stale);
  return model.containing(stale.address) === undefined ? stale : undefined;
}

const allocRaw: Op = {
  name: "allocRaw",
  weight: 14,
  make(rng, model) {
    if (model.blocks.length >= BLOCKS_MAX) return null;
    const size = randomSize(rng);
    const align = size > 2 * MIB ? 0 : rng.pick(VALID_ALIGNS);
    return {
      name: "heap.allocRaw",
      args: [size, align],
      expect: OK,
      call: () => heap.allocRaw(size, align),
      after(address) {
        assert.equal(typeof address, "number");
        const effective = align === 0 ? 16 : align;
        if (size <= 2 * MIB) assert.equal((address as number) % effective, 0, `address ${address} not ${effective}-aligned`);
        model.add("raw", address as number, size);
      },
    };
  },
};

const allocRawBad: Op = {
  name: "allocRaw invalid",
  weight: 2,
  make(rng) {
    const choice = rng.below(3);
    if (choice === 0) {
      const size = rng.pick(BAD_SIZES);
      return { name: "heap.allocRaw", args: [size], expect: RANGE, call: () => heap.allocRaw(size) };
    }
    if (choice === 1) {
      const align = rng.pick(BAD_ALIGNS);
      const size = rng.between(1, 4096);
      return { name: "heap.allocRaw", args: [size, align], expect: RANGE, call: () => heap.allocRaw(size, align) };
    }
    const size = rng.pick<unknown>(["12", null, undefined, {}, 12n]);
    return {
      name: "heap.allocRaw",
      args: [size],
      expect: ["TypeError", "RangeError"],
      call: () => heap.allocRaw(size as number),
    };
  },
};

const freeRaw: Op = {
  name: "freeRaw",
  weight: 12,
  make(rng, model) {
    const blocks = rawBlocks(model);
    if (blocks.length === 0) return null;
    const block = rng.pick(blocks);
    return {
      name: "heap.freeRaw",
      args: [block.address, `block ${block.id}, ${block.size} bytes, ${block.tier}`],
      expect: OK,
      call: () => {
        model.check(block);
        heap.freeRaw(block.address);
      },
      after: () => model.remove(block),
    };
  },
};

const freeRawBad: Op = {
  name: "freeRaw invalid",
  weight: 4,
  make(rng, model) {
    const choice = rng.below(4);
    if (choice === 0) {
      const stale = pickStale(rng, model);
      if (stale === undefined) return null;
      return { name: "heap.freeRaw", args: [stale.address, `freed ${stale.tier}`], expect: STALE_QUERY, call: () => heap.freeRaw(stale.address) };
    }
    if (choice === 1 && model.blocks.length > 0) {
      const block = rng.pick(model.blocks);
      const offset = rng.between(1, block.usable - 1);
      if (offset <= 0) return null;
      return {
        name: "heap.freeRaw",
        args: [block.address + offset, `inside block ${block.id} (${block.tier}, ${block.usable} usable) at +${offset}`],
        expect: offheap("INTERIOR_POINTER"),
        call: () => heap.freeRaw(block.address + offset),
        after: () => model.check(block),
      };
    }
    if (choice === 2) {
      const [address, code] = rng.pick(FOREIGN);
      return { name: "heap.freeRaw", args: [address], expect: offheap(code), call: () => heap.freeRaw(address) };
    }
    const address = rng.pick<unknown>(["1", null, undefined, {}, 5n]);
    return { name: "heap.freeRaw", args: [address], expect: TYPE, call: () => heap.freeRaw(address as number) };
  },
};

const reallocRaw: Op = {
  name: "reallocRaw",
  weight: 5,
  make(rng, model) {
    const blocks = rawBlocks(model);
    if (blocks.length === 0) return null;
    const block = rng.pick(blocks);
    const size = randomSize(rng);
    const old = { address: block.address, size: block.size, tier: block.tier };
    return {
      name: "heap.reallocRaw",
      args: [block.address, size, `block ${block.id}, ${block.size} bytes, ${block.tier}`],
      expect: OK,
      call: () => {
        model.check(block);
        return heap.reallocRaw(block.address, size);
      },
      after(moved) {
        const address = moved as number;
        block.address = address;
        block.size = size;
        block.usable = heap.usableSize(address);
        block.tier = heap.tierOf(address);
        assert.ok(block.usable >= size, `usable ${block.usable} below ${size} after realloc`);
        model.check(block, Math.min(old.size, size));
        model.refill(block);
        if (address !== old.address) model.addStale(old.address, old.tier);
      },
    };
  },
};

const reallocRawBad: Op = {
  name: "reallocRaw invalid",
  weight: 1,
  make(rng, model) {
    const choice = rng.below(3);
    if (choice === 0) {
      const stale = pickStale(rng, model);
      if (stale === undefined) return null;
      return { name: "heap.reallocRaw", args: [stale.address, 64], expect: STALE_QUERY, call: () => heap.reallocRaw(stale.address, 64) };
    }
    const blocks = rawBlocks(model);
    if (blocks.length === 0) return null;
    const block = rng.pick(blocks);
    if (choice === 1) {
      const size = rng.pick(BAD_SIZES);
      return {
        name: "heap.reallocRaw",
        args: [block.address, size],
        expect: RANGE,
        call: () => heap.reallocRaw(block.address, size),
        after: () => model.check(block),
      };
    }
    return {
      name: "heap.reallocRaw",
      args: [String(block.address), 64],
      expect: TYPE,
      call: () => heap.reallocRaw(String(block.address) as unknown as number, 64),
    };
  },
};

const view: Op = {
  name: "view",
  weight: 6,
  make(rng, model) {
    if (model.blocks.length === 0) return null;
    const block = rng.pick(model.blocks);
    const offset = rng.below(block.size);
    const length = rng.between(1, block.size - offset);
    return {
      name: "heap.view",
      args: [block.address + offset, length, `block ${block.id} +${offset}`],
      expect: OK,
      call: () => heap.view(block.address + offset, length),
      after(result) {
        const bytes = result as Uint8Array;
        assert.equal(bytes.length, length);
        const whole = model.bytesOf(block);
        for (let i = 0; i < length; i++) {
          if (bytes[i] !== whole[offset + i]) throw new Error(`view of block ${block.id} differs at +${offset + i}`);
        }
      },
    };
  },
};

const viewBad: Op = {
  name: "view invalid",
  weight: 2,
  make(rng, model) {
    const choice = rng.below(4);
    if (choice === 0 && model.blocks.length > 0) {
      const block = rng.pick(model.blocks);
      const length = rng.pick<unknown>([0, -1, NaN, 1.5, Infinity]);
      return { name: "heap.view", args: [block.address, length], expect: RANGE, call: () => heap.view(block.address, length as number) };
    }
    if (choice === 1 && model.blocks.length > 0) {
      // Past the end of the block's mapping: a segment is 4 MiB, a region its own size.
      const block = rng.pick(model.blocks);
      const length = 8 * MIB;
      return { name: "heap.view", args: [block.address, length], expect: RANGE, call: () => heap.view(block.address, length) };
    }
    if (choice === 2) {
      const stale = pickStale(rng, model);
      if (stale === undefined) return null;
      // A freed block of a segment stays viewable (segments are never unmapped; it reads whatever reuses it).
      const small = stale.tier === "small" || stale.tier === "medium";
      return {
        name: "heap.view",
        args: [stale.address, 16, `freed ${stale.tier}`],
        expect: small ? OK : offheap("DOUBLE_FREE", "NOT_OWNED", "USE_AFTER_FREE"),
        call: () => heap.view(stale.address, 16),
      };
    }
    const [address, code] = rng.pick(FOREIGN);
    const expect: Expected = code === "NOT_OWNED" ? offheap("NOT_OWNED") : offheap("NOT_OWNED", "INVALID_ARGUMENT");
    return { name: "heap.view", args: [address, 16], expect, call: () => heap.view(address, 16) };
  },
};

const queries: Op = {
  name: "usableSize/tierOf",
  weight: 3,
  make(rng, model) {
    if (rng.chance(0.7) && model.blocks.length > 0) {
      const block = rng.pick(model.blocks);
      return {
        name: "heap.usableSize+tierOf",
        args: [block.address],
        expect: OK,
        call: () => [heap.usableSize(block.address), heap.tierOf(block.address)],
        after(result) {
          assert.deepEqual(result, [block.usable, block.tier]);
        },
      };
    }
    const stale = pickStale(rng, model);
    if (stale === undefined) return null;
    const tier = rng.chance(0.5);
    return {
      name: tier ? "heap.tierOf" : "heap.usableSize",
      args: [stale.address, `freed ${stale.tier}`],
      expect: STALE_QUERY,
      call: () => (tier ? heap.tierOf(stale.address) : heap.usableSize(stale.address)),
    };
  },
};

const allocMany: Op = {
  name: "allocMany",
  weight: 3,
  make(rng, model) {
    if (model.blocks.length >= BLOCKS_MAX - 16) return null;
    const size = rng.between(1, rng.chance(0.8) ? 256 : 16384);
    const count = rng.between(0, 16);
    const align = rng.pick(VALID_ALIGNS);
    const out = rng.chance(0.5) ? new Float64Array(count + rng.below(3)) : undefined;
    return {
      name: "heap.allocMany",
      args: [size, count, out, align],
      expect: OK,
      call: () => heap.allocMany(size, count, out, align),
      after(result) {
        const addresses = result as Float64Array;
        if (out !== undefined) assert.equal(addresses, out);
        else assert.equal(addresses.length, count);
        for (let i = 0; i < count; i++) model.add("raw", addresses[i], size);
      },
    };
  },
};

const allocManyBad: Op = {
  name: "allocMany invalid",
  weight: 1,
  make(rng) {
    const cases: [unknown[], Expected][] = [
      [[64, rng.pick([-1, 1.5, NaN, Infinity, 2 ** 31])], RANGE],
      [[64, "4"], TYPE],
      [[64, 4, new Float64Array(3)], RANGE],
      [[64, 4, [0, 0, 0, 0]], TYPE],
      [[64, 4, new Float32Array(4)], TYPE],
      [[rng.pick(BAD_SIZES), 4], RANGE],
      [["64", 4], TYPE],
      [[64, 4, undefined, rng.pick([3, 24, 8192, -8, 0.5, NaN])], RANGE],
    ];
    const [args, expect] = rng.pick(cases);
    return {
      name: "heap.allocMany",
      args,
      expect,
      call: () => (heap.allocMany as (...a: unknown[]) => unknown)(...args),
    };
  },
};

const freeMany: Op = {
  name: "freeMany",
  weight: 3,
  make(rng, model) {
    const blocks = rawBlocks(model);
    if (blocks.length === 0) return null;
    const count = rng.between(1, Math.min(8, blocks.length));
    const chosen: Block[] = [];
    for (let i = 0; i < count; i++) {
      const block = blocks.splice(rng.below(blocks.length), 1)[0];
      chosen.push(block);
    }
    // Sometimes one bad address at index `bad`: freeMany frees the ones before it and stops there.
    let bad = -1;
    let badAddress = 0;
    let expect: Expected = OK;
    if (rng.chance(0.3)) {
      bad = rng.below(count + 1);
      const kind = rng.below(3);
      if (kind === 0 && bad > 0) {
        badAddress = chosen[rng.below(bad)].address;
        expect = STALE_QUERY;
      } else if (kind === 1 && blocks.length > 0) {
        const other = rng.pick(blocks);
        badAddress = other.address + rng.between(1, other.usable - 1);
        expect = offheap("INTERIOR_POINTER");
      } else {
        badAddress = 4096;
        expect = offheap("NOT_OWNED");
      }
    }
    const addresses = new Float64Array(count + (bad >= 0 ? 1 : 0));
    for (let i = 0, j = 0; i < addresses.length; i++) addresses[i] = i === bad ? badAddress : chosen[j++].address;
    return {
      name: "heap.freeMany",
      args: [addresses, bad >= 0 ? `bad address at index ${bad}` : "all live"],
      expect,
      call: () => {
        for (const block of chosen) model.check(block);
        heap.freeMany(addresses);
      },
      after(_result, error) {
        const freed = error === undefined ? count : bad;
        if (error !== undefined) assert.match((error as Error).message, new RegExp(`index ${bad} `));
        for (let i = 0; i < freed; i++) model.remove(chosen[i]);
      },
    };
  },
};

const freeManyBad: Op = {
  name: "freeMany invalid",
  weight: 1,
  make(rng) {
    const addresses = rng.pick<unknown>([[1, 2], null, new Float32Array(2), "x"]);
    return { name: "heap.freeMany", args: [addresses], expect: TYPE, call: () => heap.freeMany(addresses as Float64Array) };
  },
};

const VALID_OPTIONS = [{}, { align: 64 }, { zero: true }, { tag: "fuzz" }, { align: 4096, zero: true }, { align: 16, tag: "t" }];
const BAD_OPTIONS: readonly [unknown, Expected, number][] = [
  [{ align: 3 }, RANGE, 64],
  [{ align: 8192 }, RANGE, 64],
  [{ align: "64" }, TYPE, 64],
  [{ tag: 5 }, TYPE, 64],
  [{ zero: 1 }, TYPE, 64],
  [{ huge: "sometimes" }, RANGE, 64],
  [{ huge: 1 }, TYPE, 64],
  [{ node: -1 }, RANGE, 64],
  [{ node: 1.5 }, RANGE, 64],
  [{ node: 1000 }, RANGE, 65536],
  [{ node: 0, numa: "interleave" }, RANGE, 65536],
  [{ numa: "x" }, RANGE, 64],
  [{ advice: "x" }, RANGE, 64],
  [{ collapse: "yes" }, TYPE, 64],
  [null, TYPE, 64],
  [5, TYPE, 64],
];

const alloc: Op = {
  name: "alloc",
  weight: 8,
  make(rng, model) {
    if (model.blocks.length >= BLOCKS_MAX) return null;
    const size = randomSize(rng);
    const options = size > 2 * MIB ? {} : rng.pick(VALID_OPTIONS) as { align?: number; zero?: boolean; tag?: string };
    return {
      name: "heap.alloc",
      args: [size, options],
      expect: OK,
      call: () => heap.alloc(size, options),
      after(result) {
        const buffer = result as OffheapBuffer;
        assert.equal(buffer.byteLength, size);
        assert.equal(buffer.tag, options.tag);
        assert.equal(buffer.freed, false);
        assert.equal(buffer.address % (options.align ?? 16), 0);
        if (options.zero) {
          const bytes = buffer.bytes();
          for (let i = 0; i < size; i++) if (bytes[i] !== 0) throw new Error(`zeroed buffer has ${bytes[i]} at ${i}`);
        }
        const block = model.add("buffer", buffer.address, size, buffer);
        assert.equal(buffer.tier, block.tier);
      },
    };
  },
};

const allocBad: Op = {
  name: "alloc invalid",
  weight: 2,
  make(rng) {
    if (rng.chance(0.3)) {
      const size = rng.pick<unknown>([...BAD_SIZES, "12", null, undefined, {}, 12n]);
      const expect = typeof size === "number" ? RANGE : TYPE;
      return { name: "heap.alloc", args: [size], expect, call: () => heap.alloc(size as number) };
    }
    const [options, expect, size] = rng.pick(BAD_OPTIONS);
    return { name: "heap.alloc", args: [size, options], expect, call: () => heap.alloc(size, options as object) };
  },
};

/** A live block owned by an OffheapBuffer, if any. */
function pickBuffer(rng: Prng, model: Model): Block | undefined {
  const live = model.blocks.filter((block) => block.kind === "buffer");
  return live.length === 0 ? undefined : rng.pick(live);
}

const bufferFree: Op = {
  name: "buffer.free",
  weight: 8,
  make(rng, model) {
    const block = pickBuffer(rng, model);
    if (block === undefined) return null;
    const buffer = block.buffer!;
    const disposed = rng.chance(0.2);
    return {
      name: disposed ? "buffer[Symbol.dispose]" : "buffer.free",
      args: [`block ${block.id}, ${block.size} bytes, ${block.tier}`],
      expect: OK,
      call: () => {
        model.check(block);
        if (disposed) buffer[Symbol.dispose]();
        else buffer.free();
      },
      after() {
        assert.equal(buffer.freed, true);
        model.remove(block);
      },
    };
  },
};

const bufferUseAfterFree: Op = {
  name: "buffer after free",
  weight: 3,
  make(rng, model) {
    if (model.freedBuffers.length === 0) return null;
    const buffer = rng.pick(model.freedBuffers);
    const use = rng.below(6);
    const names = ["free", "bytes", "f32", "share", "transfer", "backing"];
    const calls: (() => unknown)[] = [
      () => buffer.free(),
      () => buffer.bytes(),
      () => buffer.f32(),
      () => buffer.share(),
      () => buffer.transfer(),
      () => buffer.backing,
    ];
    return {
      name: `freed buffer.${names[use]}`,
      args: [buffer.address],
      expect: use === 0 ? OK : offheap("USE_AFTER_FREE"),
      call: calls[use],
    };
  },
};

const bufferShare: Op = {
  name: "buffer.share/transfer",
  weight: 3,
  make(rng, model) {
    const block = pickBuffer(rng, model);
    if (block === undefined) return null;
    const buffer = block.buffer!;
    const transfer = rng.chance(0.5);
    return {
      name: transfer ? "buffer.transfer+OffheapBuffer.from" : "buffer.share+checkDescriptor",
      args: [`block ${block.id}`],
      expect: OK,
      call: () => {
        const descriptor = transfer ? buffer.transfer() : buffer.share();
        assert.equal(descriptor.address, block.address);
        assert.equal(descriptor.byteLength, block.size);
        assert.equal(descriptor.tier, block.tier);
        assert.equal(checkDescriptor(descriptor, "fuzz"), block.tier);
        return transfer ? OffheapBuffer.from(descriptor) : undefined;
      },
      after(received) {
        if (!transfer) return;
        assert.equal(buffer.freed, true);
        model.addFreedBuffer(buffer);
        block.buffer = received as OffheapBuffer;
        model.check(block);
      },
    };
  },
};

const descriptorBad: Op = {
  name: "checkDescriptor invalid",
  weight: 1,
  make(rng, model) {
    const choice = rng.below(3);
    if (choice === 0) {
      const descriptor = rng.pick<unknown>([null, {}, { address: 0, byteLength: 1 }, { address: 4096, byteLength: 0 }, { address: "1", byteLength: 8 }]);
      return { name: "OffheapBuffer.from", args: [descriptor], expect: TYPE, call: () => OffheapBuffer.from(descriptor as never) };
    }
    if (choice === 1 && model.blocks.length > 0) {
      const block = rng.pick(model.blocks);
      const descriptor = { address: block.address, byteLength: block.usable + 1, tier: block.tier };
      return { name: "checkDescriptor", args: [descriptor], expect: RANGE, call: () => checkDescriptor(descriptor, "fuzz") };
    }
    const stale = pickStale(rng, model);
    if (stale === undefined) return null;
    const descriptor = { address: stale.address, byteLength: 1, tier: stale.tier };
    return { name: "checkDescriptor", args: [descriptor, `freed ${stale.tier}`], expect: STALE_QUERY, call: () => checkDescriptor(descriptor, "fuzz") };
  },
};

/** The heap's operations. */
export const HEAP_OPS: readonly Op[] = [
  allocRaw,
  allocRawBad,
  freeRaw,
  freeRawBad,
  reallocRaw,
  reallocRawBad,
  view,
  viewBad,
  queries,
  allocMany,
  allocManyBad,
  freeMany,
  freeManyBad,
  alloc,
  allocBad,
  bufferFree,
  bufferUseAfterFree,
  bufferShare,
  descriptorBad,
];

