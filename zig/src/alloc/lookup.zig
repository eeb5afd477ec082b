//! What the segment map says about an address: the live block's usable size, tier, enclosing
//! mapping and backing pages, and the live region that starts there. Every answer is an error for
//! an address offheap does not own (NotOwned), the inside of a block (InteriorPointer), or a block
//! already freed (DoubleFree).
const std = @import("std");
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
