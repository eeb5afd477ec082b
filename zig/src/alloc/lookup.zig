//! What the segment map says about an address: the live block's usable size, tier, enclosing
//! mapping and backing pages, and the live region that starts there. Every answer is an error for
//! an address offheap does not own (NotOwned), the inside of a block (InteriorPointer), or a block
//! already freed (DoubleFree).
//!
//! `liveExtent` is the one question that accepts the inside of a block: it bounds the memory a
//! caller may read at a raw address (the vector kernels' `_at` exports, through abi/args.zig).
const std = @import("std");
const assert = std.debug.assert;
const segment_map = @import("segment_map.zig");
const segment_zig = @import("segment.zig");
const region_zig = @import("region.zig");
const size_class = @import("size_class.zig");
const huge = @import("huge.zig");
const Tier = @import("../stats/counters.zig").Tier;
const Error = @import("../support/status.zig").Error;
const Segment = segment_zig.Segment;
const Region = region_zig.Region;

/// The tier of a size class: small up to 1 KiB, medium above.
pub fn tierOfClass(class: u8) Tier {
    return if (class < size_class.first_medium) .small else .medium;
}

/// The live region that starts at `address` (for pins, backing and placement queries).
pub fn regionAt(address: usize) Error!*Region {
    const entry = segment_map.lookup(address);
    return switch (entry.kind) {
        .none => error.NotOwned,
        .segment => error.InvalidArgument,
        .region => region_zig.locate(@ptrFromInt(entry.pointer), address),
    };
}

/// The pages backing the block at `address`: segments are always small pages.
pub fn backingOf(address: usize) Error!huge.Backing {
    const entry = segment_map.lookup(address);
    return switch (entry.kind) {
        .none => error.NotOwned,
        .segment => .small_pages,
        .region => blk: {
            const region: *Region = @ptrFromInt(entry.pointer);
            if (address - region.base >= region.mapped_bytes) return error.NotOwned;
            break :blk region.backing;
        },
    };
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

/// The live block or region that holds `address`: its first byte and its usable bytes.
pub const Extent = struct { start: usize, bytes: usize };

/// The live block (of a segment) or live region that holds `address`, which may be any byte of it:
/// a caller passes `buffer.address + offset`. NotOwned for memory offheap never mapped, a segment's
/// header, an unassigned page or slot, and a region's unmapped tail; UseAfterFree for a block or
/// region that was freed but is still mapped (a freed region that was unmapped is NotOwned). One
/// segment-map lookup and a few loads, which cannot fault: segments are never unmapped, and region
/// descriptors are never unmapped. A block or region that another thread frees while the caller
/// reads it is a race this check cannot close (as for any view).
pub fn liveExtent(address: usize) Error!Extent {
    const entry = segment_map.lookup(address);
    const extent: Extent = switch (entry.kind) {
        .none => return error.NotOwned,
        .segment => blk: {
            const segment: *Segment = @ptrFromInt(entry.pointer);
            const start = try segment.blockStart(address);
            const located = segment.locate(start) catch |err| return switch (err) {
                error.DoubleFree => error.UseAfterFree,
                else => err,
            };
            break :blk .{ .start = start, .bytes = located.page.block_bytes };
        },
        .region => blk: {
            const region: *Region = @ptrFromInt(entry.pointer);
            if (address - region.base >= region.mapped_bytes) return error.NotOwned;
            if (region.state() != .live) return error.UseAfterFree;
            break :blk .{ .start = region.base, .bytes = region.mapped_bytes };
        },
    };
    assert(extent.start <= address);
    assert(address - extent.start < extent.bytes);
    return extent;
}

const heap = @import("heap.zig");

test "liveExtent accepts every byte of a live block, and names freed and foreign memory" {
    const neighbour = try heap.alloc(.{ .size_bytes = 100, .alignment_bytes = 16 }); // keeps the page in use
    const address = try heap.alloc(.{ .size_bytes = 100, .alignment_bytes = 16 });
    const usable = try usableSize(address);
    for ([_]usize{ 0, 1, 16, usable - 1 }) |offset| {
        const extent = try liveExtent(address + offset);
        try std.testing.expectEqual(address, extent.start);
        try std.testing.expectEqual(usable, extent.bytes);
    }
    var on_stack: u64 = 0;
    try std.testing.expectError(error.NotOwned, liveExtent(@intFromPtr(&on_stack)));
    try std.testing.expectError(error.NotOwned, liveExtent(@intFromPtr(Segment.of(address)) + 8)); // the header
    _ = try heap.free(address);
    try std.testing.expectError(error.UseAfterFree, liveExtent(address));
    try std.testing.expectError(error.UseAfterFree, liveExtent(address + usable - 1));
    try std.testing.expectEqual(neighbour, (try liveExtent(neighbour + 99)).start);
    _ = try heap.free(neighbour);
}

test "liveExtent bounds a region by its mapped bytes, from any byte inside it" {
    const base = try heap.alloc(.{ .size_bytes = 100 << 10, .alignment_bytes = 16 });
    const mapped_bytes = try usableSize(base);
    try std.testing.expect(mapped_bytes < segment_map.chunk_bytes); // so the tail is still its chunk
    for ([_]usize{ 0, 4096 + 3, mapped_bytes - 1 }) |offset| {
        const extent = try liveExtent(base + offset);
        try std.testing.expectEqual(base, extent.start);
        try std.testing.expectEqual(mapped_bytes, extent.bytes);
    }
    try std.testing.expectError(error.NotOwned, liveExtent(base + mapped_bytes));
    _ = try heap.free(base);
    // A freed region is cached (still mapped, so named precisely) or already unmapped.
    if (liveExtent(base + 8)) |_| return error.TestUnexpectedResult else |err| {
        try std.testing.expect(err == error.UseAfterFree or err == error.NotOwned);
    }
}
