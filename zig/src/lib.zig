//! The root of liboffheap.so. The folders are the layers, each knowing only those below it:
//!
//!   abi/      the only `export fn`s, grouped by area; args.zig decodes every argument once
//!   alloc/    the allocator: size classes, segments, thread heaps, regions and their caches, pins
//!   simd/     the vector kernels (one object per CPU level), their dispatch, and top-k
//!   cache/    the off-heap cache: entries, hash index, policies (LRU, LFU, FIFO, W-TinyLFU), shards
//!   pool/     fixed-size block pools: the shared free stack, block states, chunks that grow and decay
//!   stats/    the counters, their one declared field list, and resident bytes
//!   index/    the approximate vector index (HNSW): graph, beam search, insertion, filters, files
//!   profile/  allocation tags: interned names and their live, peak and total counters; the sampler
//!   os/       every system call, behind one contract (Linux, macOS, Windows)
//!   support/  the status codes, a spin lock and the handle registry, used by every layer
//!   config.zig  the options table
//!
//! The comptime block references every ABI file so that its exports are linked (which also brings in
//! their inline tests); the test block lists every other file so that `zig build test` runs theirs.
comptime {
    _ = @import("abi/memory.zig");
    _ = @import("abi/queries.zig");
    _ = @import("abi/pins.zig");
    _ = @import("abi/layout.zig");
    _ = @import("abi/threads.zig");
    _ = @import("abi/vectors.zig");
    _ = @import("abi/cache.zig");
    _ = @import("abi/pool.zig");
    _ = @import("abi/faults.zig");
    _ = @import("abi/profile.zig");
    _ = @import("abi/index.zig");
}

test {
    _ = @import("support/status.zig");
    _ = @import("support/spin_lock.zig");
    _ = @import("support/handles.zig");
    _ = @import("support/assert.zig");
    _ = @import("support/fuzz.zig");
    _ = @import("config.zig");
    _ = @import("os/os.zig");
    _ = @import("os/native_pages.zig");
    _ = @import("alloc/size_class.zig");
    _ = @import("alloc/segment_map.zig");
    _ = @import("alloc/segment.zig");
    _ = @import("alloc/thread_heap.zig");
    _ = @import("alloc/heap_registry.zig");
    _ = @import("alloc/abandon.zig");
    _ = @import("alloc/threads_test.zig");
    _ = @import("alloc/region.zig");
    _ = @import("alloc/region_cache.zig");
    _ = @import("alloc/region_stash.zig");
    _ = @import("alloc/region_tier.zig");
    _ = @import("alloc/fault_sweep.zig");
    _ = @import("alloc/huge.zig");
    _ = @import("alloc/numa.zig");
    _ = @import("alloc/pin_owner.zig");
    _ = @import("alloc/lookup.zig");
    _ = @import("alloc/heap.zig");
    _ = @import("cache/hash.zig");
    _ = @import("cache/clock.zig");
    _ = @import("cache/arena.zig");
    _ = @import("cache/slabs.zig");
    _ = @import("cache/entry.zig");
    _ = @import("cache/list.zig");
    _ = @import("cache/index.zig");
    _ = @import("cache/sketch.zig");
    _ = @import("cache/policy.zig");
    _ = @import("cache/shard.zig");
    _ = @import("cache/cache.zig");
    _ = @import("cache/fields.zig");
    _ = @import("abi/cache_test.zig");
    _ = @import("pool/pool.zig");
    _ = @import("pool/fields.zig");
    _ = @import("stats/counters.zig");
    _ = @import("stats/fields.zig");
    _ = @import("stats/threads.zig");
    _ = @import("stats/resident.zig");
    _ = @import("abi/args.zig");
    _ = @import("simd/cpu.zig");
    _ = @import("simd/dispatch.zig");
    _ = @import("simd/metric.zig");
    _ = @import("simd/half.zig");
    _ = @import("simd/magnitude.zig");
    _ = @import("simd/batch.zig");
    _ = @import("simd/kernels_test.zig");
    _ = @import("simd/accuracy_test.zig");
    _ = @import("simd/topk.zig");
    _ = @import("profile/tags.zig");
    _ = @import("profile/sampler.zig");
    _ = @import("profile/fields.zig");
    _ = @import("index/memory.zig");
    _ = @import("index/space.zig");
    _ = @import("index/graph.zig");
    _ = @import("index/ids.zig");
    _ = @import("index/rw_lock.zig");
    _ = @import("index/queue.zig");
    _ = @import("index/scratch.zig");
    _ = @import("index/filter.zig");
    _ = @import("index/index_test.zig");
    _ = @import("index/persist.zig");
    _ = @import("index/link_locks.zig");
}
