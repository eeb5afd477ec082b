/**
 * VectorStore operations: create (valid and invalid options), add, addBatch, get, has, remove,
 * search and free, then every call on a freed store. f32 stores must give back exactly what was
 * added; searches must return min(k, size) distinct live ids.
 *
 * @module
 */
import assert from "node:assert/strict";
import { VectorStore } from "../../mod.ts";
import { type Expected, offheap, OK, RANGE, TYPE } from "./expect.ts";
import type { Model, StoreModel } from "./model.ts";
import type { Prng } from "./prng.ts";
import type { Op } from "./step.ts";

const STORES_MAX = 3;
const STORAGES = ["f32", "f16", "i8", "binary"] as const;

function vector(rng: Prng, dim: number): Float32Array {
  const values = new Float32Array(dim);
  for (let i = 0; i < dim; i++) values[i] = rng.signed() * 8;
  return values;
}

const create: Op = {
  name: "new VectorStore",
  weight: 1,
  make(rng, model) {
    if (model.stores.length >= STORES_MAX) return null;
    const dim = rng.between(1, 16);
    const storage = rng.pick(STORAGES);
    const capacity = rng.between(1, 8);
    return {
      name: "new VectorStore",
      args: [{ dim, storage, capacity }],
      expect: OK,
      call: () => new VectorStore({ dim, storage, capacity }),
      after(result) {
        const store = result as VectorStore;
        const entry: StoreModel = { store, dim, storage, rows: new Map(), nextId: 0, address: 0, usable: 0 };
        model.refreshStore(entry);
        model.stores.push(entry);
      },
    };
  },
};

const createBad: Op = {
  name: "new VectorStore invalid",
  weight: 1,
  make(rng) {
    const cases: [unknown, Expected][] = [
      [{ dim: 0 }, RANGE],
      [{ dim: 1.5 }, RANGE],
      [{ dim: 65537 }, RANGE],
      [{ dim: "4" }, TYPE],
      [null, TYPE],
      [{ dim: 4, storage: "f64" }, RANGE],
      [{ dim: 4, type: "i8", storage: "f16" }, TYPE],
      [{ dim: 4, metric: "hamming" }, TYPE],
      [{ dim: 4, metric: "near" }, RANGE],
      [{ dim: 4, capacity: 0 }, RANGE],
      [{ dim: 4, storage: "i8", scale: -1 }, RANGE],
      [{ dim: 4, scale: 2 }, TYPE],
    ];
    const [options, expect] = rng.pick(cases);
    return { name: "new VectorStore", args: [options], expect, call: () => new VectorStore(options as { dim: number }) };
  },
};

function pickStore(rng: Prng, model: Model): StoreModel | undefined {
  return model.stores.length === 0 ? undefined : rng.pick(model.stores);
}

const add: Op = {
  name: "store.add/addBatch",
  weight: 5,
  make(rng, model) {
    const entry = pickStore(rng, model);
    if (entry === undefined || entry.rows.size > 200) return null;
    const count = rng.chance(0.5) ? 0 : rng.between(1, 6);
    const list = Array.from({ length: Math.max(count, 1) }, () => vector(rng, entry.dim));
    const packed = new Float32Array(list.length * entry.dim);
    list.forEach((row, i) => packed.set(row, i * entry.dim));
    const asList = rng.chance(0.5);
    return {
      name: count === 0 ? "store.add" : "store.addBatch",
      args: [count === 0 ? list[0] : asList ? list : packed],
      expect: OK,
      call: () => (count === 0 ? entry.store.add(list[0]) : entry.store.addBatch(asList ? list : packed)),
      after(result) {
        const ids = typeof result === "number" ? [result] : Array.from(result as Uint32Array);
        assert.deepEqual(ids, list.map((_, i) => entry.nextId + i));
        list.forEach((row, i) => entry.rows.set(entry.nextId + i, row));
        entry.nextId += list.length;
        assert.equal(entry.store.size, entry.rows.size);
        model.refreshStore(entry);
      },
    };
  },
};

const addBad: Op = {
  name: "store.add invalid",
  weight: 2,
  make(rng, model) {
    const entry = pickStore(rng, model);
    if (entry === undefined) return null;
    const { dim, store } = entry;
    const nan = vector(rng, dim);
    nan[rng.below(dim)] = rng.pick([NaN, Infinity, -Infinity]);
    const cases: [string, unknown, Expected][] = [
      ["store.add", new Float32Array(dim + 1), RANGE],
      ["store.add", new Float64Array(dim), TYPE],
      ["store.add", Array.from(vector(rng, dim)), TYPE],
      ["store.addBatch", new Float32Array(dim * 2 + (dim > 1 ? 1 : 0)), dim > 1 ? RANGE : OK],
      ["store.addBatch", [vector(rng, dim), new Float32Array(dim + 1)], RANGE],
    ];
    if (entry.storage === "i8") cases.push(["store.add", nan, RANGE], ["store.addBatch", [vector(rng, dim), nan], RANGE]);
    const [name, argument, expect] = rng.pick(cases);
    if (expect === OK) return null;
    return {
      name,
      args: [argument],
      expect,
      call: () => (name === "store.add" ? store.add(argument as Float32Array) : store.addBatch(argument as Float32Array)),
      after: () => assert.equal(store.size, entry.rows.size, "a refused add changed the size"),
    };
  },
};

const getRemove: Op = {
  name: "store.get/has/remove",
  weight: 4,
  make(rng, model) {
    const entry = pickStore(rng, model);
    if (entry === undefined || entry.nextId === 0) return null;
    const id = rng.below(entry.nextId + 2);
    const live = entry.rows.has(id);
    const which = rng.pick(["get", "has", "remove", "remove"] as const);
    const expect: Expected = which === "get" && !live ? RANGE : OK;
    return {
      name: `store.${which}`,
      args: [id, live ? "live" : "absent"],
      expect,
      call: () => entry.store[which](id),
      after(result) {
        if (which === "has" || which === "remove") assert.equal(result, live);
        if (which === "remove" && live) entry.rows.delete(id);
        if (which === "get" && live && entry.storage === "f32") assert.deepEqual(result, entry.rows.get(id));
        assert.equal(entry.store.size, entry.rows.size);
      },
    };
  },
};

const search: Op = {
  name: "store.search",
  weight: 4,
  make(rng, model) {
    const entry = pickStore(rng, model);
    if (entry === undefined) return null;
    const query = vector(rng, entry.dim);
    const k = rng.between(1, 12);
    return {
      name: "store.search",
      args: [query, { k }],
      expect: OK,
      call: () => entry.store.search(query, { k }),
      after(result) {
        const { ids, scores } = result as { ids: Uint32Array; scores: Float32Array };
        const wanted = Math.min(k, entry.rows.size);
        assert.equal(ids.length, wanted);
        assert.equal(scores.length, wanted);
        assert.equal(new Set(ids).size, wanted, "duplicate ids");
        for (const id of ids) assert.ok(entry.rows.has(id), `search returned id ${id}, not in the store`);
      },
    };
  },
};

const searchBad: Op = {
  name: "store.search invalid",
  weight: 1,
  make(rng, model) {
    const entry = pickStore(rng, model);
    if (entry === undefined) return null;
    const cases: [unknown, unknown, Expected][] = [
      [vector(rng, entry.dim), { k: 0 }, RANGE],
      [vector(rng, entry.dim), { k: 1025 }, RANGE],
      [vector(rng, entry.dim), { k: NaN }, RANGE],
      [vector(rng, entry.dim), { k: "3" }, TYPE],
      [new Float32Array(entry.dim + 1), { k: 1 }, RANGE],
      [new Int8Array(entry.dim), { k: 1 }, TYPE],
    ];
    if (entry.storage === "i8") {
      const nan = vector(rng, entry.dim);
      nan[0] = NaN;
      cases.push([nan, { k: 1 }, RANGE]);
    }
    const [query, options, expect] = rng.pick(cases);
    return { name: "store.search", args: [query, options], expect, call: () => entry.store.search(query as Float32Array, options as { k: number }) };
  },
};

const free: Op = {
  name: "store.free",
  weight: 1,
  make(rng, model) {
    const entry = pickStore(rng, model);
    if (entry === undefined) return null;
    return {
      name: "store.free",
      args: [`${entry.rows.size} rows`],
      expect: OK,
      call: () => entry.store.free(),
      after() {
        assert.equal(entry.store.freed, true);
        model.retire(model.stores, entry, model.freedStores, entry.store);
      },
    };
  },
};

const afterFree: Op = {
  name: "store after free",
  weight: 1,
  make(rng, model) {
    if (model.freedStores.length === 0) return null;
    const store = rng.pick(model.freedStores);
    const q = new Float32Array(store.dim);
    const cases: [string, () => unknown, Expected][] = [
      ["freed store.free", () => store.free(), OK],
      ["freed store.add", () => store.add(q), offheap("USE_AFTER_FREE")],
      ["freed store.search", () => store.search(q, { k: 1 }), offheap("USE_AFTER_FREE")],
      ["freed store.get", () => store.get(0), offheap("USE_AFTER_FREE")],
      ["freed store.remove", () => store.remove(0), offheap("USE_AFTER_FREE")],
      ["freed store.descriptor", () => store.descriptor(), offheap("USE_AFTER_FREE")],
    ];
    const [name, call, expect] = rng.pick(cases);
    return { name, args: [], expect, call };
  },
};

/** The VectorStore operations. */
export const STORE_OPS: readonly Op[] = [create, createBad, add, addBad, getRemove, search, searchBad, free, afterFree];
