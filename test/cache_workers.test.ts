/**
 * One cache shared by 2 and 4 Workers (`cache.share()` / `Cache.open()`), each running a mix of
 * get, getManyInto, set and delete on the same small key space with checksummed values: no value read may be
 * torn, and the cache's counters must balance against what the Workers report.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Cache, type CachePolicy } from "../mod.ts";
import type { CacheWorkerCommand, CacheWorkerReport } from "./cache/cache_worker.ts";
import { runWorkerOnce } from "./workers/runtime.ts";
import { test } from "./harness.ts";

function runWorker(command: CacheWorkerCommand): Promise<CacheWorkerReport> {
  return runWorkerOnce(new URL("./cache/cache_worker.ts", import.meta.url), command);
}

const RUNS: { workers: number; shards: number; policy: CachePolicy }[] = [
  { workers: 2, shards: 1, policy: "lru" },
  { workers: 2, shards: 4, policy: "adaptive" },
  { workers: 4, shards: 1, policy: "adaptive" },
  { workers: 4, shards: 8, policy: "lfu" },
];

for (const { workers, shards, policy } of RUNS) {
  test(
    `${workers} Workers share one ${policy} cache of ${shards} shard(s): no torn value, counters balanced`,
    async () => {
      using cache = new Cache({ maxBytes: 256 * 1024, shards, policy });
      const descriptor = cache.share();
      const ops = 40_000;
      const reports = await Promise.all(
        Array.from({ length: workers }, (_, index) => runWorker({ descriptor, seed: 100 + index, ops, keys: 500 })),
      );
      const total = { gets: 0, hits: 0, misses: 0, sets: 0, torn: 0 };
      for (const report of reports) {
        assert.equal(report.error, undefined);
        // A batch is one operation of several gets.
        assert.equal(report.gets - report.batchGets + report.batches + report.sets + report.deletes, ops);
        assert.ok(report.batches > ops / 5, `${report.batches} batches`);
        for (const name of ["gets", "hits", "misses", "sets", "torn"] as const) total[name] += report[name];
      }
      assert.equal(total.torn, 0);
      const stats = cache.stats();
      assert.equal(stats.hits + stats.misses, total.gets);
      assert.equal(stats.hits, total.hits);
      assert.equal(stats.misses, total.misses);
      assert.equal(stats.sets, total.sets);
      assert.ok(stats.bytes <= 256 * 1024);
      let bytes = 0;
      for (const [, value] of cache.entries()) bytes += 9 + value.length + stats.entryOverheadBytes; // integer keys
      assert.equal(bytes, stats.bytes);
    },
    { timeoutMs: 120_000 },
  );
}
