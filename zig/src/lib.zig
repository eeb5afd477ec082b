//! The root of liboffheap.so: pulls in the C ABI (ffi.zig) so its exports are linked, and lists
//! every file so that `zig build test` runs their inline tests.
comptime {
    _ = @import("ffi.zig");
    _ = @import("ffi_vectors.zig");
    _ = @import("ffi_threads.zig");
}

test {
    _ = @import("status.zig");
    _ = @import("config.zig");
    _ = @import("os.zig");
    _ = @import("spin_lock.zig");
    _ = @import("size_class.zig");
    _ = @import("segment_map.zig");
    _ = @import("segment.zig");
    _ = @import("stats.zig");
    _ = @import("thread_heap.zig");
    _ = @import("region.zig");
    _ = @import("region_cache.zig");
    _ = @import("region_stash.zig");
    _ = @import("huge.zig");
    _ = @import("numa.zig");
    _ = @import("clock.zig");
    _ = @import("heap.zig");
    _ = @import("resident.zig");
    _ = @import("ffi.zig");
    _ = @import("ffi_vectors.zig");
    _ = @import("ffi_threads.zig");
    _ = @import("simd/cpu.zig");
    _ = @import("simd/dispatch.zig");
    _ = @import("simd/metric.zig");
    _ = @import("simd/half.zig");
    _ = @import("simd/batch.zig");
    _ = @import("simd/kernels_test.zig");
    _ = @import("topk.zig");
}
