//! The size classes of the small (< 1 KiB) and medium (1-16 KiB) tiers.
//!
//! Classes step by 16 bytes up to 128 bytes, then by a quarter of the power of two below (four
//! classes per doubling), as in mimalloc and jemalloc. That bounds the internal fragmentation:
//!   - sizes 1-16: up to 15 bytes per block (the minimum block is 16 bytes: a free-list link and a
//!     double-free cookie);
//!   - sizes 17-128: under 16 bytes, at most 15/32 = 47% for a 17-byte request;
//!   - sizes above 128: at most 31/160 = 19.4% (a 129-byte request in the 160-byte class), and under
//!     20% everywhere above.
//!
//! Every class size is a multiple of 16, and blocks are carved from 64 KiB-aligned pages, so a block
//! is aligned to the largest power of two dividing its class size. An alignment request is served by
//! the first class that is both large enough and a multiple of the alignment.
const std = @import("std");
const assert = std.debug.assert;

pub const small_bytes_max: u32 = 1024;
pub const medium_bytes_max: u32 = 16 * 1024;
pub const min_block_bytes: u32 = 16;

pub const sizes = blk: {
    var list: [64]u32 = undefined;
    var used: usize = 0;
    var size: u32 = 16;
    while (size <= 128) : (size += 16) {
        list[used] = size;
        used += 1;
    }
    var base: u32 = 128;
    while (base < medium_bytes_max) : (base *= 2) {
        for (1..5) |quarter| {
            list[used] = base + base / 4 * quarter;
            used += 1;
        }
    }
    break :blk list[0..used].*;
};

pub const count: u8 = sizes.len;

/// Index of the first class of the medium tier.
pub const first_medium: u8 = blk: {
    for (sizes, 0..) |size, i| if (size > small_bytes_max) break :blk i;
    unreachable;
};

/// `lookup[(size + 15) / 16]` is the smallest class holding `size` bytes, for sizes up to 1 KiB.
const small_lookup = blk: {
    var table: [small_bytes_max / 16 + 1]u8 = undefined;
    var class: u8 = 0;
    for (&table, 0..) |*entry, units| {
        while (sizes[class] < units * 16) class += 1;
        entry.* = class;
    }
    break :blk table;
};

/// Same for the medium tier, in 128-byte units.
const medium_lookup = blk: {
    var table: [medium_bytes_max / 128 + 1]u8 = undefined;
    var class: u8 = 0;
    for (&table, 0..) |*entry, units| {
        while (sizes[class] < units * 128) class += 1;
        entry.* = class;
    }
    break :blk table;
};

/// The class for `size_bytes` at `alignment_bytes`, or null when the request belongs to a larger
/// tier (too large, or an alignment no class size is a multiple of).
pub inline fn classFor(size_bytes: usize, alignment_bytes: usize) ?u8 {
    assert(size_bytes > 0);
    assert(std.math.isPowerOfTwo(alignment_bytes));
    if (size_bytes > medium_bytes_max) return null;
    const size: u32 = @intCast(size_bytes);
    var class = if (size <= small_bytes_max) small_lookup[(size + 15) / 16] else medium_lookup[(size + 127) / 128];
    assert(sizes[class] >= size);
    if (alignment_bytes <= 16) return class;
    // Walk up to a class that is a multiple of the alignment; at most `count` steps.
    while (class < count) : (class += 1) {
        if (sizes[class] % alignment_bytes == 0) return class;
    }
    return null;
}

pub fn blockBytes(class: u8) u32 {
    assert(class < count);
    return sizes[class];
}

test "classes are increasing multiples of 16 and end at the medium limit" {
    try std.testing.expectEqual(medium_bytes_max, sizes[sizes.len - 1]);
    for (sizes, 0..) |size, i| {
        try std.testing.expect(size % 16 == 0);
        if (i > 0) try std.testing.expect(size > sizes[i - 1]);
    }
    try std.testing.expectEqual(@as(u32, 1024), sizes[first_medium - 1]);
}

test "every size maps to the smallest class that holds it, and fragmentation stays bounded" {
    var size: usize = 1;
    while (size <= medium_bytes_max) : (size += 1) {
        const class = classFor(size, 8).?;
        try std.testing.expect(sizes[class] >= size);
        if (class > 0) try std.testing.expect(sizes[class - 1] < size);
        if (size > 128) try std.testing.expect(@as(f64, @floatFromInt(sizes[class] - size)) / @as(f64, @floatFromInt(sizes[class])) < 0.2);
    }
}

test "alignment picks a class that is a multiple of it" {
    for ([_]usize{ 32, 64, 128, 4096 }) |alignment| {
        var size: usize = 1;
        while (size <= 2048) : (size += 7) {
            const class = classFor(size, alignment) orelse continue;
            try std.testing.expect(sizes[class] % alignment == 0);
            try std.testing.expect(sizes[class] >= size);
        }
    }
    try std.testing.expectEqual(@as(?u8, null), classFor(medium_bytes_max + 1, 16));
    try std.testing.expectEqual(@as(?u8, null), classFor(16, 32768));
}

const fuzz = @import("../support/fuzz.zig");

/// The smallest class at least `size_bytes` and a multiple of `alignment_bytes`, by a plain scan.
fn classByScan(size_bytes: usize, alignment_bytes: usize) ?u8 {
    for (sizes, 0..) |size, class| {
        if (size >= size_bytes and size % alignment_bytes == 0) return @intCast(class);
    }
    return null;
}

fn fuzzClassFor(_: void, smith: *fuzz.Smith) !void {
    for (0..fuzz.operations_max) |_| {
        if (smith.eos()) break;
        const raw = smith.value(u64);
        // Mostly sizes of the two tiers, sometimes anything up to 2^46.
        const size_bytes: usize = if ((raw & 1) == 0) (raw >> 1) % (medium_bytes_max + 64) + 1 else (raw >> 1) % (1 << 46) + 1;
        const alignment_bytes = @as(usize, 1) << @intCast(smith.value(u64) % 17);
        try std.testing.expectEqual(classByScan(size_bytes, alignment_bytes), classFor(size_bytes, alignment_bytes));
    }
}

test "fuzz: classFor maps every size and alignment to the smallest class that holds it at that alignment" {
    try fuzz.run({}, fuzzClassFor, &.{
        fuzz.values(&.{ 0, 0, 1 << 1, 4, 1023 << 1, 5, (16 << 10) << 1, 12, (16 << 10) << 1, 14 }),
        fuzz.values(&.{ 2047 << 1, 16, 129 << 1, 6, 1 << 1 | 1, 0, ((16 << 10) + 1) << 1, 4 }),
    });
}
