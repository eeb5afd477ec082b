//! The allocator's front door: routes a request to its tier by size and alignment, and routes a
//! free by asking the segment map who owns the address. Everything the C ABI offers about memory
//! (alloc, zeroed alloc, free, realloc, usable size, tier, region) is implemented here once.
//!
//! Tiers by size:   small  <= 1 KiB   size classes in thread-local pages
//!                  medium <= 16 KiB  the same machinery, larger classes
//!                  mapped  > 16 KiB  a mapping of its own (region.zig)
const std = @import("std");
const assert = std.debug.assert;
const os = @import("os.zig");
const size_class = @import("size_class.zig");
const segment_map = @import("segment_map.zig");
const segment_zig = @import("segment.zig");
const thread_heap = @import("thread_heap.zig");
const region_zig = @import("region.zig");
const stats = @import("stats.zig");
const Error = @import("status.zig").Error;
const Segment = segment_zig.Segment;
const Region = region_zig.Region;

pub const Tier = stats.Tier;

/// Sizes must fit an f64 exactly and leave room for rounding; nothing larger can be mapped anyway.
pub const size_max_bytes: usize = 1 << 46;
/// The largest alignment every tier guarantees; huge-tier mappings are 4 MiB-aligned regardless.
pub const alignment_max_bytes: usize = os.page_size_bytes;
pub const alignment_default_bytes: usize = 16;

pub fn checkRequest(size_bytes: usize, alignment_bytes: usize) Error!void {
    if (size_bytes == 0 or size_bytes > size_max_bytes) return error.InvalidSize;
    if (!std.math.isPowerOfTwo(alignment_bytes)) return error.InvalidAlignment;
    if (alignment_bytes > alignment_max_bytes) return error.InvalidAlignment;
}

fn tierOfClass(class: u8) Tier {
    return if (class < size_class.first_medium) .small else .medium;
}

pub inline fn alloc(size_bytes: usize, alignment_bytes: usize) Error!usize {
    try checkRequest(size_bytes, alignment_bytes);
    const heap = try thread_heap.get();
    if (size_class.classFor(size_bytes, alignment_bytes)) |class| {
        const address = try heap.alloc(class);
        heap.counters.countAlloc(tierOfClass(class), size_class.blockBytes(class));
        assert(address % alignment_bytes == 0);
        return address;
    }
    const region = try region_zig.create(size_bytes, .mapped);
    heap.counters.countAlloc(region.tier, region.mapped_bytes);
    assert(region.base % alignment_bytes == 0);
    return region.base;
}

/// Zeroed memory. Fresh mappings are already zero, so only recycled blocks are cleared.
pub fn allocZeroed(size_bytes: usize, alignment_bytes: usize) Error!usize {
    const address = try alloc(size_bytes, alignment_bytes);
    switch (segment_map.lookup(address).kind) {
        .segment => {
            const bytes: [*]u8 = @ptrFromInt(address);
            @memset(bytes[0..size_bytes], 0);
        },
        .region => {},
        .none => unreachable,
    }
    return address;
}

/// Frees `address` and returns the tier it came from.
pub inline fn free(address: usize) Error!Tier {
    const entry = segment_map.lookup(address);
    switch (entry.kind) {
        .none => return error.NotOwned,
        .segment => {
            // The segment starts at the chunk, so derive it from the address rather than the entry:
            // the page loads below then do not wait for the map load (the kind check is a branch).
            const segment = Segment.of(address);
            assert(@intFromPtr(segment) == entry.pointer);
            const located = try segment.locate(address);
            const page = located.page;
            const tier = tierOfClass(page.class);
            const block_bytes = page.block_bytes;
            const heap = try thread_heap.get();
            if (segment.owner.load(.monotonic) == @intFromPtr(heap)) {
                heap.freeLocal(page, address);
            } else if (page.putRemote(address)) {
                const owner: *thread_heap.ThreadHeap = @ptrFromInt(segment.owner.load(.acquire));
                owner.pushDelayed(page);
            }
            heap.counters.countFree(tier, block_bytes);
            return tier;
        },
        .region => {
            const region = try region_zig.locate(@ptrFromInt(entry.pointer), address);
            const tier = region.tier;
            const mapped_bytes = region.mapped_bytes;
            try region_zig.destroy(region);
            const heap = try thread_heap.get();
            heap.counters.countFree(tier, mapped_bytes);
            return tier;
        },
    }
}

/// Usable bytes of the live block at `address` (at least what was asked for).
pub fn usableSize(address: usize) Error!usize {
    const entry = segment_map.lookup(address);
    return switch (entry.kind) {
        .none => error.NotOwned,
        .segment => (try @as(*Segment, @ptrFromInt(entry.pointer)).locate(address)).page.block_bytes,
        .region => (try region_zig.locate(@ptrFromInt(entry.pointer), address)).mapped_bytes,
    };
}

pub fn tierOf(address: usize) Error!Tier {
    const entry = segment_map.lookup(address);
    return switch (entry.kind) {
        .none => error.NotOwned,
        .segment => tierOfClass((try @as(*Segment, @ptrFromInt(entry.pointer)).locate(address)).page.class),
        .region => (try region_zig.locate(@ptrFromInt(entry.pointer), address)).tier,
    };
}

/// The mapping that holds `address`: a whole segment for small and medium blocks, the region for
/// the others. JavaScript caches one view per mapping and hands out sub-views at an offset.
pub const Mapping = struct { base: usize, len_bytes: usize };

pub fn mappingOf(address: usize) Error!Mapping {
    const entry = segment_map.lookup(address);
    return switch (entry.kind) {
        .none => error.NotOwned,
        .segment => .{ .base = entry.pointer, .len_bytes = segment_zig.segment_bytes },
        .region => blk: {
            const region: *Region = @ptrFromInt(entry.pointer);
            if (address - region.base >= region.mapped_bytes) return error.NotOwned;
            break :blk .{ .base = region.base, .len_bytes = region.mapped_bytes };
        },
    };
}

/// Grows or shrinks the block at `address`, keeping its contents up to the smaller size. The block
/// stays where it is when its usable size already fits; otherwise it moves, keeping the natural
/// alignment of the old address (up to 64 bytes) so SIMD-aligned data stays SIMD-aligned.
pub fn realloc(address: usize, size_bytes: usize) Error!usize {
    const old_usable = try usableSize(address);
    try checkRequest(size_bytes, alignment_default_bytes);
    const shrink_in_place = size_bytes <= old_usable and size_bytes * 2 > old_usable;
    if (shrink_in_place) return address;
    const alignment = @min(@as(usize, 64), @as(usize, 1) << @intCast(@ctz(address)));
    const moved = try alloc(size_bytes, @max(alignment, alignment_default_bytes));
    const from: [*]const u8 = @ptrFromInt(address);
    const to: [*]u8 = @ptrFromInt(moved);
    @memcpy(to[0..@min(old_usable, size_bytes)], from[0..@min(old_usable, size_bytes)]);
    _ = free(address) catch unreachable;
    return moved;
}

test "every tier boundary routes to the right tier and round-trips" {
    const cases = [_]struct { size: usize, tier: Tier }{
        .{ .size = 1, .tier = .small },             .{ .size = 1024, .tier = .small },
        .{ .size = 1025, .tier = .medium },         .{ .size = 16 * 1024, .tier = .medium },
        .{ .size = 16 * 1024 + 1, .tier = .mapped }, .{ .size = 3 << 20, .tier = .mapped },
    };
    for (cases) |case| {
        const address = try alloc(case.size, 16);
        try std.testing.expectEqual(case.tier, try tierOf(address));
        try std.testing.expect(try usableSize(address) >= case.size);
        const bytes: [*]u8 = @ptrFromInt(address);
        @memset(bytes[0..case.size], 0x5A);
        try std.testing.expectEqual(case.tier, try free(address));
    }
}

test "bad requests and bad frees give precise errors" {
    try std.testing.expectError(error.InvalidSize, alloc(0, 16));
    try std.testing.expectError(error.InvalidAlignment, alloc(8, 24));
    try std.testing.expectError(error.InvalidAlignment, alloc(8, 8192));
    var on_stack: u64 = 0;
    try std.testing.expectError(error.NotOwned, free(@intFromPtr(&on_stack)));
    const address = try alloc(100, 16);
    try std.testing.expectError(error.InteriorPointer, free(address + 16));
    _ = try free(address);
    try std.testing.expectError(error.DoubleFree, free(address));
    const big = try alloc(100 * 1024, 16);
    try std.testing.expectError(error.InteriorPointer, free(big + 4096));
    _ = try free(big);
    try std.testing.expectError(error.NotOwned, free(big));
}

test "realloc keeps contents across classes and tiers" {
    var address = try alloc(24, 16);
    const first: [*]u8 = @ptrFromInt(address);
    for (0..24) |i| first[i] = @intCast(i);
    for ([_]usize{ 200, 3000, 40_000, 500, 24 }) |size| {
        address = try realloc(address, size);
        const bytes: [*]u8 = @ptrFromInt(address);
        for (0..24) |i| try std.testing.expectEqual(@as(u8, @intCast(i)), bytes[i]);
        try std.testing.expect(try usableSize(address) >= size);
    }
    _ = try free(address);
}

test "blocks freed by another thread return to their owner" {
    const count = 5000;
    var addresses: [count]usize = undefined;
    for (&addresses) |*address| address.* = try alloc(48, 16);
    const Freer = struct {
        fn run(list: []const usize) void {
            for (list) |address| _ = free(address) catch unreachable;
        }
    };
    const thread = try std.Thread.spawn(.{}, Freer.run, .{addresses[0..]});
    thread.join();
    // The owner reuses the remotely freed blocks before mapping anything new.
    const mapped_before = stats.global.segments_mapped.load(.monotonic);
    for (&addresses) |*address| address.* = try alloc(48, 16);
    try std.testing.expectEqual(mapped_before, stats.global.segments_mapped.load(.monotonic));
    for (addresses) |address| _ = try free(address);
}
