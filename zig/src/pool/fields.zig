//! The one declared field list of `pool.stats()`, like cache/fields.zig: the enum names each field as
//! the facade reports it, and the flat f64 layout of `offheap_pool_stats` and the names of
//! `offheap_layout(5)` follow from it. The facade derives hit rate, efficiency and fragmentation.
const std = @import("std");
const assert = std.debug.assert;
const Pool = @import("pool.zig").Pool;

pub const Field = enum {
    allocs,
    frees,
    blocksLive,
    capacity,
    maxBlocks,
    blockSize,
    slotSize,
    grows,
    chunks,
    chunksReleased,
    mappedBytes,
    reservedBytes,
    freeShared,
    handles,
};

pub const field_count = std.enums.values(Field).len;

fn count(value: u64) f64 {
    return @floatFromInt(value);
}

fn read(field: Field, pool: *Pool, totals: Pool.Totals) f64 {
    return switch (field) {
        .allocs => totals.allocs,
        .frees => totals.frees,
        .blocksLive => @max(totals.allocs - totals.frees, 0),
        .capacity => count(pool.capacity_blocks),
        .maxBlocks => count(pool.options.blocks_max),
        .blockSize => count(pool.options.block_bytes),
        .slotSize => count(pool.slot_bytes),
        .grows => count(pool.grows),
        .chunks => blk: {
            var carved: u64 = 0;
            for (pool.chunks[0..pool.chunk_count]) |chunk| carved += @intFromBool(chunk.carved);
            break :blk count(carved);
        },
        .chunksReleased => count(pool.chunks_released),
        .mappedBytes => count(@as(u64, pool.capacity_blocks) * pool.slot_bytes),
        .reservedBytes => count(pool.range_bytes),
        .freeShared => count(pool.free_count),
        .handles => blk: {
            var open: u64 = 0;
            for (pool.handle_used) |used| open += @intFromBool(used);
            break :blk count(open);
        },
    };
}

/// Reads every field under the pool's lock.
pub fn snapshot(pool: *Pool, out: *[field_count]f64) void {
    pool.lock.lock();
    defer pool.lock.unlock();
    const totals = pool.totals();
    assert(pool.free_count <= pool.capacity_blocks);
    for (std.enums.values(Field), out) |field, *value| value.* = read(field, pool, totals);
}

/// The names of the layout, in order, as a JSON array of strings.
pub const names_json: []const u8 = blk: {
    var text: []const u8 = "[";
    for (std.enums.values(Field)) |field| text = text ++ "\"" ++ @tagName(field) ++ "\",";
    break :blk text[0 .. text.len - 1] ++ "]";
};
