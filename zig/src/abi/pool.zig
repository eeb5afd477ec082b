//! The C ABI of fixed-size block pools (zig/src/pool/). A pool is named by a u32 handle; each JS
//! handle (one per Worker that created or opened the pool) also has a slot, which names its counters.
//! Allocation and free happen in JavaScript; these calls are its slow path, one per batch.
//!
//!   offheap_pool_create(block_bytes: f64, alignment: u32, capacity: u32, blocks_max: u32,
//!                       flags: u32, node: i32, decay_ms: u32, info: [*]f64) f64
//!                                   handle, or status; flags bit 0: grow, bits 1-2: huge 0 auto
//!                                   1 never 2 always; node -1 = none; info gets `Info` (slot 0)
//!   offheap_pool_open(handle: u32, info: [*]f64) i32        status; one more owner, a new slot
//!   offheap_pool_close(handle: u32, slot: u32) i32          status; the last owner frees the pool
//!   offheap_pool_refill(handle: u32, out: [*]u32, want: u32) i32
//!                                   blocks handed over (free -> held, 1..want), or status
//!                                   (OUT_OF_MEMORY: the pool is full)
//!   offheap_pool_drain(handle: u32, indices: [*]u32, count: u32) i32   status (held -> free)
//!   offheap_pool_reset(handle: u32) i32                     status; every block free
//!   offheap_pool_trim(handle: u32) f64                      bytes given back, or status
//!   offheap_pool_stats(handle: u32, out: [*]f64, capacity: u32) i32   fields (offheap_layout 5)
const std = @import("std");
const args = @import("args.zig");
const status = @import("../support/status.zig");
const Error = status.Error;
const handles = @import("../support/handles.zig");
const pool_zig = @import("../pool/pool.zig");
const fields = @import("../pool/fields.zig");
const slabs = @import("../cache/slabs.zig");
const os = @import("../os/os.zig");
const Pool = pool_zig.Pool;

var registry: handles.Registry(Pool) = .{};

/// What `create` and `open` write to `info`, in order (the facade reads it by these positions).
pub const Info = enum(u32) { slot, blocks_base, slot_bytes, blocks_max, meta_base, meta_bytes, states_offset, counters_offset, range_bytes };
pub const info_count = std.enums.values(Info).len;
/// Fewest f64s an `info` buffer holds.
const info_capacity = 16;
comptime {
    std.debug.assert(info_count <= info_capacity);
}

fn writeInfo(pool: *const Pool, slot: u32, info: [*]f64) void {
    const values = [info_count]f64{
        @floatFromInt(slot),
        @floatFromInt(pool.blocks_base),
        @floatFromInt(pool.slot_bytes),
        @floatFromInt(pool.options.blocks_max),
        @floatFromInt(pool.meta_base),
        @floatFromInt(pool.layout.total_bytes),
        @floatFromInt(pool.layout.states_offset),
        @floatFromInt(pool.layout.counters_offset),
        @floatFromInt(pool.range_bytes),
    };
    @memcpy(info[0..info_count], &values);
}

pub export fn offheap_pool_create(block_bytes: f64, alignment: u32, capacity: u32, blocks_max: u32, flags: u32, node: i32, decay_ms: u32, info: ?[*]f64) f64 {
    const created = create(block_bytes, alignment, capacity, blocks_max, flags, node, decay_ms, info) catch |err| return args.failure(err);
    return @floatFromInt(created);
}

fn create(block_bytes: f64, alignment: u32, capacity: u32, blocks_max: u32, flags: u32, node: i32, decay_ms: u32, info: ?[*]f64) Error!u32 {
    const target = try args.pointer([*]f64, info);
    if (flags & ~@as(u32, 0b111) != 0) return error.InvalidArgument;
    const huge = std.enums.fromInt(slabs.Huge, (flags >> 1) & 0b11) orelse return error.InvalidArgument;
    const placement = try args.boundPlacement(node);
    const size_bytes = try args.size(block_bytes);
    if (size_bytes > std.math.maxInt(u32)) return error.InvalidSize;
    const pool = try pool_zig.create(.{
        .block_bytes = @intCast(size_bytes),
        .alignment_bytes = if (alignment == 0) 16 else alignment,
        .capacity_blocks = capacity,
        .blocks_max = blocks_max,
        .grow = flags & 1 != 0,
        .huge = huge,
        .placement = placement,
        .decay_ms = decay_ms,
    });
    const handle = registry.register(pool) catch |err| {
        pool.owners.store(0, .monotonic);
        pool_zig.destroy(pool);
        return err;
    };
    writeInfo(pool, 0, target);
    return handle;
}

pub export fn offheap_pool_open(handle: u32, info: ?[*]f64) i32 {
    return args.statusOf(open(handle, info));
}

fn open(handle: u32, info: ?[*]f64) Error!u32 {
    const target = try args.pointer([*]f64, info);
    const pool = try registry.retain(handle);
    const slot = pool.openHandle() catch |err| {
        release(handle);
        return err;
    };
    writeInfo(pool, slot, target);
    return 0;
}

fn release(handle: u32) void {
    const last = registry.release(handle) catch unreachable; // the caller owns the handle
    if (last) |pool| pool_zig.destroy(pool);
}

pub export fn offheap_pool_close(handle: u32, slot: u32) i32 {
    const pool = registry.resolve(handle) catch |err| return status.code(err);
    pool.closeHandle(slot) catch |err| return status.code(err);
    release(handle);
    return 0;
}

pub export fn offheap_pool_refill(handle: u32, out: ?[*]u32, want: u32) i32 {
    return args.statusOf(refill(handle, out, want));
}

fn refill(handle: u32, out: ?[*]u32, want: u32) Error!u32 {
    const pool = try registry.resolve(handle);
    if (want == 0) return error.InvalidArgument;
    const indices = try args.batch(u32, out, want);
    return pool.refill(indices);
}

pub export fn offheap_pool_drain(handle: u32, indices: ?[*]u32, count: u32) i32 {
    const pool = registry.resolve(handle) catch |err| return status.code(err);
    const batch = args.batch(u32, indices, count) catch |err| return status.code(err);
    pool.drain(batch, os.coarseNs()) catch |err| return status.code(err);
    return 0;
}

pub export fn offheap_pool_reset(handle: u32) i32 {
    const pool = registry.resolve(handle) catch |err| return status.code(err);
    pool.reset();
    return 0;
}

pub export fn offheap_pool_trim(handle: u32) f64 {
    const pool = registry.resolve(handle) catch |err| return args.failure(err);
    return @floatFromInt(pool.trim());
}

pub export fn offheap_pool_stats(handle: u32, out: ?[*]f64, capacity: u32) i32 {
    const pool = registry.resolve(handle) catch |err| return status.code(err);
    const target = args.pointer([*]f64, out) catch |err| return status.code(err);
    if (capacity < fields.field_count) return status.code(error.InvalidArgument);
    fields.snapshot(pool, target[0..fields.field_count]);
    return fields.field_count;
}

test "a pool through the ABI: create, open from a second handle, refill, drain, close twice" {
    var info: [info_capacity]f64 = undefined;
    const created = offheap_pool_create(1000, 64, 4, 64, 1, -1, 1000, &info);
    try std.testing.expect(created > 0);
    const handle: u32 = @intFromFloat(created);
    try std.testing.expectEqual(@as(f64, 0), info[@backingInt(Info.slot)]);
    try std.testing.expectEqual(@as(f64, 1024), info[@backingInt(Info.slot_bytes)]);
    try std.testing.expectEqual(@as(i32, 0), offheap_pool_open(handle, &info));
    try std.testing.expectEqual(@as(f64, 1), info[@backingInt(Info.slot)]);
    var held: [8]u32 = undefined;
    try std.testing.expectEqual(@as(i32, 4), offheap_pool_refill(handle, &held, 8));
    try std.testing.expectEqual(@as(i32, 4), offheap_pool_refill(handle, held[4..].ptr, 4)); // grew
    try std.testing.expectEqual(@as(i32, 0), offheap_pool_drain(handle, &held, 8));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_pool_drain(handle, &held, 1));
    var stats: [fields.field_count]f64 = undefined;
    try std.testing.expectEqual(@as(i32, fields.field_count), offheap_pool_stats(handle, &stats, stats.len));
    try std.testing.expectEqual(@as(f64, 8), stats[@backingInt(fields.Field.capacity)]);
    try std.testing.expectEqual(@as(f64, 1), stats[@backingInt(fields.Field.grows)]);
    try std.testing.expectEqual(@as(i32, 0), offheap_pool_close(handle, 0));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_pool_close(handle, 0));
    try std.testing.expectEqual(@as(i32, 0), offheap_pool_close(handle, 1));
    try std.testing.expectEqual(status.code(error.NotOwned), offheap_pool_refill(handle, &held, 1));
    try std.testing.expect(offheap_pool_create(0, 0, 1, 1, 1, -1, 0, &info) == -2);
    try std.testing.expect(offheap_pool_create(8, 3, 1, 1, 1, -1, 0, &info) == -3);
    try std.testing.expect(offheap_pool_create(8, 0, 1, 1, 1 << 5, -1, 0, &info) == -7);
}
