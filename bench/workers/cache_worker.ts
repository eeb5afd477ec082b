/**
 * The Worker behind the cache suite's Worker case (bench/suites/cache.ts): it opens the cache the
 * main thread shares (`Cache.open`), keeps its own lru-cache copy of the same entries as the
 * baseline (a JS cache cannot be shared), and reads either with seeded random existing keys.
 *
 * @module
 */
import * as offheap from "../../mod.ts";
import { cacheClass, fillStore, type Key, lookupKeys, type OffheapCache } from "../baselines/caches.ts";
import type { CacheRequest } from "./cache_protocol.ts";
import { serveMessages } from "./serve.ts";
import type { LRUCache } from "lru-cache";

let shared: OffheapCache | undefined;
let copy: LRUCache<Key, Uint8Array> | undefined;
let keys: Key[] = [];
let out = new Uint8Array(0);

function offheapGets(cache: OffheapCache, count: number): number {
  const mask = keys.length - 1;
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += cache.getInto(keys[i & mask], out);
  return bytes;
}

function lruGets(lru: LRUCache<Key, Uint8Array>, count: number): number {
  const mask = keys.length - 1;
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += lru.get(keys[i & mask])!.length;
  return bytes;
}

function run(request: CacheRequest): number {
  switch (request.op) {
    case "init": {
      offheap.loadLibrary({ path: request.path });
      const Cache = cacheClass(offheap);
      if (typeof Cache === "string") throw new Error(Cache);
      shared = Cache.open(request.descriptor);
      copy = fillStore("lru-cache", undefined, "string", request.entries, request.valueBytes) as LRUCache<
        Key,
        Uint8Array
      >;
      keys = lookupKeys("string", request.entries, request.lookups, request.seed);
      out = new Uint8Array(request.valueBytes);
      return keys.length;
    }
    case "gets": {
      if (!shared || !copy) throw new Error("cache worker: init first");
      return request.store === "offheap" ? offheapGets(shared, request.count) : lruGets(copy, request.count);
    }
    case "close":
      shared?.free();
      shared = undefined;
      copy = undefined;
      return 0;
  }
}

serveMessages(run);
