//! Regions: allocations that get a mapping of their own (the mapped tier, 16 KiB - 2 MiB, and the
//! huge tier above). Each region starts on a 4 MiB chunk boundary so that it owns its segment-map
//! entries outright, and its descriptor lives out of band, so the user's memory starts exactly at
//! the mapping (page-aligned, and chunk-aligned for hugepages).
//!
//! Descriptors come from a small slab guarded by a spin lock: every path through here already costs
//! an mmap or munmap, which dwarfs the lock.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("os.zig");
const segment_map = @import("segment_map.zig");
const stats = @import("stats.zig");
const SpinLock = @import("spin_lock.zig").SpinLock;
const Error = @import("status.zig").Error;

pub const State = enum(u8) { live, freed };

pub const Region = struct {
    base: usize,
    /// Bytes mapped (a multiple of the page size); what `usableSize` reports.
    mapped_bytes: usize,
    tier: stats.Tier,
    state: std.atomic.Value(State),
    next_free: ?*Region,
};

const slab_bytes: usize = 64 * 1024;
var descriptors_lock: SpinLock = .{};
var free_descriptors: ?*Region = null;

fn newDescriptor() os.MapError!*Region {
    descriptors_lock.lock();
    defer descriptors_lock.unlock();
    if (free_descriptors == null) {
        const slab: [*]Region = @ptrCast(try os.map(slab_bytes, .{}));
        for (slab[0 .. slab_bytes / @sizeOf(Region)]) |*descriptor| {
            descriptor.next_free = free_descriptors;
            free_descriptors = descriptor;
        }
    }
    const descriptor = free_descriptors.?;
    free_descriptors = descriptor.next_free;
    return descriptor;
}

fn dropDescriptor(descriptor: *Region) void {
    descriptors_lock.lock();
    defer descriptors_lock.unlock();
    descriptor.next_free = free_descriptors;
    free_descriptors = descriptor;
}

/// Maps a region of at least `size_bytes`, chunk-aligned, and publishes it.
pub fn create(size_bytes: usize, tier: stats.Tier) Error!*Region {
    assert(size_bytes > 0);
    const mapped_bytes = std.mem.alignForward(usize, size_bytes, os.page_size_bytes);
    const memory = try os.mapAligned(mapped_bytes, segment_map.chunk_bytes, .{});
    const descriptor = newDescriptor() catch |err| {
        os.unmap(memory, mapped_bytes);
        return err;
    };
    descriptor.* = .{ .base = @intFromPtr(memory), .mapped_bytes = mapped_bytes, .tier = tier, .state = .init(.live), .next_free = null };
    segment_map.publish(descriptor.base, mapped_bytes, segment_map.encode(.region, @intFromPtr(descriptor))) catch |err| {
        dropDescriptor(descriptor);
        os.unmap(memory, mapped_bytes);
        return err;
    };
    _ = stats.global.region_bytes_mapped.fetchAdd(mapped_bytes, .monotonic);
    return descriptor;
}

/// The region `address` starts, or the precise reason it is not one.
pub fn locate(descriptor: *Region, address: usize) Error!*Region {
    if (address != descriptor.base) return error.InteriorPointer;
    if (descriptor.state.load(.acquire) != .live) return error.DoubleFree;
    return descriptor;
}

/// Unpublishes and unmaps. Exactly one of two racing frees wins the state change; the other gets
/// `DoubleFree` and touches nothing.
pub fn destroy(descriptor: *Region) Error!void {
    if (descriptor.state.cmpxchgStrong(.live, .freed, .acq_rel, .monotonic) != null) return error.DoubleFree;
    const base = descriptor.base;
    const mapped_bytes = descriptor.mapped_bytes;
    segment_map.retract(base, mapped_bytes);
    os.unmap(@ptrFromInt(base), mapped_bytes);
    _ = stats.global.region_bytes_mapped.fetchSub(mapped_bytes, .monotonic);
    dropDescriptor(descriptor);
}

test "a region is chunk-aligned, published, and gone after destroy" {
    const region = try create(100 * 1024, .mapped);
    try std.testing.expect(region.base % segment_map.chunk_bytes == 0);
    try std.testing.expectEqual(@as(usize, 100 * 1024), region.mapped_bytes);
    try std.testing.expectEqual(segment_map.Kind.region, segment_map.lookup(region.base + 5000).kind);
    try std.testing.expectError(error.InteriorPointer, locate(region, region.base + 16));
    const base = region.base;
    try destroy(region);
    try std.testing.expectEqual(segment_map.Kind.none, segment_map.lookup(base).kind);
}
