//! The root of liboffheap.so: pulls in the C ABI (ffi.zig) so its exports are linked, and lists
//! every file so that `zig build test` runs their inline tests.
comptime {
    _ = @import("abi/memory.zig");
    _ = @import("abi/vectors.zig");
    _ = @import("abi/threads.zig");
}

test {
    _ = @import("support/status.zig");
    _ = @import("config.zig");
    _ = @import("os/os.zig");
    _ = @import("support/spin_lock.zig");
    _ = @import("alloc/size_class.zig");
    _ = @import("alloc/segment_map.zig");
    _ = @import("alloc/segment.zig");
    _ = @import("stats/counters.zig");
    _ = @import("alloc/thread_heap.zig");
    _ = @import("alloc/region.zig");
    _ = @import("alloc/region_cache.zig");
    _ = @import("alloc/region_stash.zig");
    _ = @import("alloc/huge.zig");
    _ = @import("alloc/numa.zig");
    _ = @import("os/os.zig");
    _ = @import("alloc/heap.zig");
    _ = @import("stats/resident.zig");
    _ = @import("abi/memory.zig");
    _ = @import("abi/vectors.zig");
    _ = @import("abi/threads.zig");
    _ = @import("simd/cpu.zig");
    _ = @import("simd/dispatch.zig");
    _ = @import("simd/metric.zig");
    _ = @import("simd/half.zig");
    _ = @import("simd/batch.zig");
    _ = @import("simd/kernels_test.zig");
    _ = @import("simd/topk.zig");
}
