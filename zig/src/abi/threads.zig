//! The C ABI of thread-heap ownership (the workers issue): a census of heaps and their owners (and
//! of region-pin owners), a collection of unowned heaps for `trim()`, and an explicit release of
//! the calling thread's heap.
//! Like ffi.zig, no export can panic: each validates its arguments and returns a status.
//!
//!   offheap_threads_field_count() u32
//!   offheap_threads_stats(out: [*]f64, capacity: u32) i32   fields written, or status
//!   offheap_threads_collect() f64                           bytes returned to the OS
//!   offheap_thread_release() i32                            0; the caller's heap is abandoned
const std = @import("std");
const thread_heap = @import("../alloc/thread_heap.zig");
const pin_owner = @import("../alloc/pin_owner.zig");
const status = @import("../support/status.zig");

/// The flat layout of `offheap_threads_stats`, one f64 per field. Only ever append.
pub const fields = [_][]const u8{
    "heaps",         "activeHeaps",    "abandonedHeaps", "adoptions",
    "reclaimedDead", "abandonedByHint", "purgedBytes",   "pinOwners",
    "pinsDropped",
};

export fn offheap_threads_field_count() u32 {
    return fields.len;
}

export fn offheap_threads_stats(out: ?[*]f64, capacity: u32) i32 {
    const target = out orelse return status.code(error.InvalidArgument);
    if (capacity < fields.len) return status.code(error.InvalidArgument);
    const census = thread_heap.census();
    const pins = pin_owner.census();
    const events = &thread_heap.events;
    const values = [fields.len]u64{
        census.heaps,                          census.active,                          census.abandoned,
        events.adopted.load(.monotonic),       events.reclaimed_dead.load(.monotonic), events.abandoned_hint.load(.monotonic),
        events.purged_bytes.load(.monotonic),  pins.owners,                            pins.pins_dropped,
    };
    for (values, 0..) |value, index| target[index] = @floatFromInt(value);
    return fields.len;
}

/// Collects every heap no live thread owns and the caller's own heap, and returns the memory of
/// their empty pages to the OS.
export fn offheap_threads_collect() f64 {
    return @floatFromInt(thread_heap.collectUnowned());
}

/// Abandons the calling thread's heap now, as its thread-exit hint would. For a Worker that has
/// finished allocating: the next thread to need a heap adopts this one. Safe to call at any time;
/// a later allocation on this thread adopts or creates a heap again.
export fn offheap_thread_release() i32 {
    thread_heap.abandonCurrent();
    return 0;
}

test {
    _ = @import("../alloc/abandon.zig");
    _ = @import("../alloc/threads_test.zig");
    _ = @import("../alloc/pin_owner.zig");
}

test "the census sees the calling thread's heap as active" {
    var out: [fields.len]f64 = undefined;
    _ = try thread_heap.get();
    try std.testing.expectEqual(@as(i32, fields.len), offheap_threads_stats(&out, fields.len));
    try std.testing.expect(out[0] >= 1);
    try std.testing.expect(out[1] >= 1);
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_threads_stats(&out, 2));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_threads_stats(null, 99));
}
