//! The index's arrays come from the allocator layer (alloc/heap.zig), never from libc, so that an
//! index honours `huge` and `node` like every other offheap object and its bytes show in heap stats.
//! Arrays are 64-byte aligned (one cache line: a node's link block or row never straddles two lines
//! more than it must) and zeroed; growing one allocates the new size, copies the used part, frees
//! the old.
const std = @import("std");
const assert = std.debug.assert;
const heap = @import("../alloc/heap.zig");
const huge = @import("../alloc/huge.zig");
const numa = @import("../alloc/numa.zig");
const Error = @import("../support/status.zig").Error;

pub const alignment_bytes: usize = 64;

/// Where an index's memory goes: the hugepage mode (null: the configured default) and NUMA placement.
pub const Placement = struct {
    huge_mode: ?huge.Mode = null,
    numa: numa.Placement = .{},
};

/// `count` zeroed `T`s (an empty slice for 0).
pub fn alloc(comptime T: type, count: usize, placement: Placement) Error![]T {
    if (count == 0) return &.{};
    const bytes = std.math.mul(usize, count, @sizeOf(T)) catch return error.OutOfMemory;
    if (bytes > heap.size_bytes_max) return error.OutOfMemory;
    const address = try heap.alloc(.{
        .size_bytes = bytes,
        .alignment_bytes = alignment_bytes,
        .zero = true,
        .huge_mode = placement.huge_mode,
        .placement = placement.numa,
    });
    assert(address % alignment_bytes == 0);
    const items: [*]T = @ptrFromInt(address);
    return items[0..count];
}

/// Frees a slice `alloc` returned (nothing for an empty one).
pub fn free(comptime T: type, items: []T) void {
    if (items.len == 0) return;
    _ = heap.free(@intFromPtr(items.ptr)) catch unreachable; // only this file hands these out
}

/// A larger copy of `items` whose first `used` elements are kept; the old slice is freed.
pub fn grow(comptime T: type, items: []T, used: usize, count: usize, placement: Placement) Error![]T {
    assert(used <= items.len);
    assert(count >= items.len);
    const larger = try alloc(T, count, placement);
    @memcpy(larger[0..used], items[0..used]);
    free(T, items);
    return larger;
}

test "alloc, grow and free keep the used part and zero the rest" {
    const items = try alloc(u32, 10, .{});
    for (items, 0..) |*item, index| item.* = @intCast(index);
    const larger = try grow(u32, items, 10, 1000, .{});
    try std.testing.expectEqual(@as(u32, 9), larger[9]);
    try std.testing.expectEqual(@as(u32, 0), larger[999]);
    free(u32, larger);
    try std.testing.expectEqual(@as(usize, 0), (try alloc(u8, 0, .{})).len);
}
