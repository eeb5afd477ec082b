//! The C ABI of profiling: the owned allocation of `heap.alloc()` (one crossing that allocates, says
//! the tier and counts the block under its tag), its free, and the tag table (profile/tags.zig).
//!
//!   offheap_alloc_owned(size: f64, alignment: u32, flags: u32, node: i32, tag: u32) f64
//!       address + tier + sample flag (addresses are 16-aligned: the low 2 bits carry the tier, bit
//!       2 says "sample this allocation", see profile/sampler.zig), or status; flags and node as
//!       offheap_alloc_ex; tag 0 for none, else an id from offheap_tag_intern
//!   offheap_profile_countdown(bytes: f64) i32
//!       status; arms this thread's sampler: the owned allocation that takes `bytes` to zero or
//!       below is flagged (and disarms it); 0 disarms it
//!   offheap_free_owned(address: f64, size: f64, tag: u32) i32
//!       tier freed, or status; a tagged block's `size` bytes leave its tag's counters
//!   offheap_tag_intern(name: [*]const u8, length: u32) i32   tag id (>= 1), or status
//!   offheap_tag_count() u32                                   tags interned (ids 1..count)
//!   offheap_tag_name(id: u32, out: [*]u8, capacity: u32) i32  the name's full length, or status
//!   offheap_tag_stats(out: [*]f64, capacity: u32) i32
//!       rows written (one per tag from id 1, each laid out as offheap_layout(6)), or status
//!   offheap_tag_adjust(tag: u32, bytes: f64, blocks: i32) i32
//!       status; adds (or, negative, removes) memory a pool, arena or cache holds under the tag
const std = @import("std");
const assert = std.debug.assert;
const args = @import("args.zig");
const memory = @import("memory.zig");
const heap = @import("../alloc/heap.zig");
const lookup = @import("../alloc/lookup.zig");
const size_class = @import("../alloc/size_class.zig");
const tags = @import("../profile/tags.zig");
const fields = @import("../profile/fields.zig");
const sampler = @import("../profile/sampler.zig");
const status = @import("../support/status.zig");
/// A name one byte longer than any tag may be (tests).
const long_name: [65]u8 = @splat('x');
const Error = status.Error;

const fast_size_max: f64 = @floatFromInt(size_class.medium_bytes_max);
const tier_bits_mask: usize = 3;
/// Set in an owned allocation's result when the sampler asks for this allocation to be sampled.
const sample_flag: usize = 4;

comptime {
    // The tier and the sample flag ride in the low bits of every address: each block is at least
    // this aligned.
    assert(heap.alignment_default_bytes > tier_bits_mask | sample_flag);
    assert(sample_flag & tier_bits_mask == 0);
    assert(std.enums.values(heap.Tier).len <= tier_bits_mask + 1);
}

fn tagArgument(tag: u32) Error!u32 {
    if (tag != 0 and !tags.valid(tag)) return error.InvalidArgument;
    return tag;
}

/// The result of an owned allocation of `size_bytes`: the address, its tier, and the sample flag
/// when this allocation runs the thread's sampler down.
fn ownedResult(address: usize, tier: heap.Tier, size_bytes: u64) f64 {
    assert(address & (tier_bits_mask | sample_flag) == 0);
    assert(address < 1 << 53);
    const flag: usize = if (sampler.due(size_bytes)) sample_flag else 0;
    return @floatFromInt(@as(i64, @intCast(address | flag | @backingInt(tier))));
}

pub export fn offheap_alloc_owned(size: f64, alignment: u32, flags: u32, node: i32, tag: u32) f64 {
    const tag_id = tagArgument(tag) catch |err| return args.failure(err);
    // The hot path: a small or medium block with no option, which the configured hugepage mode
    // does not send to the huge tier (offheap_alloc_ex routes by OFFHEAP_HUGE; so must this).
    if (alignment == 0 and flags == 0 and node == -1 and size >= 1 and size <= fast_size_max) {
        const size_bytes: u32 = @intFromFloat(size);
        if (@as(f64, @floatFromInt(size_bytes)) == size) {
            const tier = heap.tierFor(.{ .size_bytes = size_bytes, .huge_mode_routes = true });
            if (tier == .small or tier == .medium) {
                if (heap.allocFast(size_bytes)) |address| {
                    tags.add(tag_id, size_bytes, 1);
                    return ownedResult(address, tier, size_bytes);
                }
            }
        }
    }
    return @call(.never_inline, allocOwnedGeneral, .{ size, alignment, flags, node, tag_id });
}

fn allocOwnedGeneral(size: f64, alignment: u32, flags: u32, node: i32, tag_id: u32) f64 {
    const size_bytes = args.size(size) catch |err| return args.failure(err);
    const request = memory.requestArgument(size_bytes, alignment, flags, node) catch |err| return args.failure(err);
    const address = heap.alloc(request) catch |err| return args.failure(err);
    const tier = lookup.tierOf(address) catch |err| {
        _ = heap.free(address) catch {}; // a block just handed out is live: neither call can fail
        return args.failure(err);
    };
    tags.add(tag_id, size_bytes, 1);
    return ownedResult(address, tier, size_bytes);
}

pub export fn offheap_free_owned(address: f64, size: f64, tag: u32) i32 {
    const tag_id = tagArgument(tag) catch |err| return status.code(err);
    const size_bytes = args.size(size) catch |err| return status.code(err);
    const checked = args.address(address) catch |err| return status.code(err);
    const tier = heap.freeFast(checked) orelse (heap.free(checked) catch |err| return status.code(err));
    tags.remove(tag_id, size_bytes, 1);
    return @backingInt(tier);
}

pub export fn offheap_profile_countdown(bytes: f64) i32 {
    if (!(bytes >= 0) or bytes > @as(f64, @floatFromInt(sampler.countdown_bytes_max))) {
        return status.code(error.InvalidArgument);
    }
    // A fractional draw rounds up: a countdown of 0.5 bytes still waits for one allocation.
    sampler.arm(@intFromFloat(@ceil(bytes)));
    return 0;
}

pub export fn offheap_tag_intern(name: ?[*]const u8, length: u32) i32 {
    const bytes = args.pointer([*]const u8, name) catch |err| return status.code(err);
    if (length == 0 or length > tags.name_bytes_max) return status.code(error.InvalidArgument);
    return args.statusOf(tags.intern(bytes[0..length]));
}

pub export fn offheap_tag_count() u32 {
    return tags.count() - 1;
}

pub export fn offheap_tag_name(id: u32, out: ?[*]u8, capacity: u32) i32 {
    if (!tags.valid(id)) return status.code(error.InvalidArgument);
    return args.writeText(tags.nameOf(id), out, capacity);
}

pub export fn offheap_tag_stats(out: ?[*]f64, capacity: u32) i32 {
    const target = args.pointer([*]f64, out) catch |err| return status.code(err);
    const rows = @min(tags.count() - 1, capacity / fields.field_count);
    for (0..rows) |row| {
        const start = row * fields.field_count;
        fields.snapshot(@intCast(row + 1), target[start..][0..fields.field_count]);
    }
    return @intCast(rows);
}

pub export fn offheap_tag_adjust(tag: u32, bytes: f64, blocks: i32) i32 {
    if (tag == 0 or !tags.valid(tag)) return status.code(error.InvalidArgument);
    if (!(bytes == bytes) or @abs(bytes) > @as(f64, @floatFromInt(heap.size_bytes_max))) {
        return status.code(error.InvalidArgument);
    }
    const whole: i64 = @intFromFloat(bytes);
    if (@as(f64, @floatFromInt(whole)) != bytes) return status.code(error.InvalidArgument);
    if (whole >= 0 and blocks >= 0) {
        tags.add(tag, @intCast(whole), @intCast(blocks));
    } else if (whole <= 0 and blocks <= 0) {
        tags.remove(tag, @intCast(-whole), @intCast(-@as(i64, blocks)));
    } else {
        return status.code(error.InvalidArgument);
    }
    return 0;
}

fn tierOfResult(result: f64) u2 {
    const value: u64 = @intFromFloat(result);
    return @truncate(value);
}

test "an owned allocation carries its tier and counts under its tag until freed" {
    const name = "test.abi.owned";
    const id: u32 = @intCast(offheap_tag_intern(name, name.len));
    const before = tags.read(id);
    const small = offheap_alloc_owned(64, 0, 0, -1, id);
    const medium = offheap_alloc_owned(4000, 0, 0, -1, id);
    const mapped = offheap_alloc_owned(100_000, 64, 0, -1, id);
    try std.testing.expect(small > 0 and medium > 0 and mapped > 0);
    try std.testing.expectEqual(@as(u2, @backingInt(heap.Tier.small)), tierOfResult(small));
    try std.testing.expectEqual(@as(u2, @backingInt(heap.Tier.medium)), tierOfResult(medium));
    try std.testing.expectEqual(@as(u2, @backingInt(heap.Tier.mapped)), tierOfResult(mapped));
    try std.testing.expectEqual(before.live_bytes + 104_064, tags.read(id).live_bytes);
    try std.testing.expectEqual(before.live_blocks + 3, tags.read(id).live_blocks);
    const addresses = [_]f64{ small - 0, medium - 1, mapped - 2 };
    try std.testing.expectEqual(@as(i32, 0), offheap_free_owned(addresses[0], 64, id));
    try std.testing.expectEqual(@as(i32, 1), offheap_free_owned(addresses[1], 4000, id));
    try std.testing.expectEqual(@as(i32, 2), offheap_free_owned(addresses[2], 100_000, id));
    try std.testing.expectEqual(before.live_bytes, tags.read(id).live_bytes);
    try std.testing.expectEqual(before.live_blocks, tags.read(id).live_blocks);
    try std.testing.expectEqual(status.code(error.DoubleFree), offheap_free_owned(addresses[0], 64, id));
    try std.testing.expectEqual(before.live_bytes, tags.read(id).live_bytes);
}

test "bad arguments are statuses, never a crash" {
    const unknown_tag = tags.tags_max - 1;
    try std.testing.expectEqual(args.failure(error.InvalidArgument), offheap_alloc_owned(64, 0, 0, -1, unknown_tag));
    try std.testing.expectEqual(args.failure(error.InvalidSize), offheap_alloc_owned(0, 0, 0, -1, 0));
    try std.testing.expectEqual(args.failure(error.InvalidAlignment), offheap_alloc_owned(64, 3, 0, -1, 0));
    try std.testing.expectEqual(args.failure(error.InvalidArgument), offheap_alloc_owned(64, 0, 1 << 31, -1, 0));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_free_owned(std.math.nan(f64), 8, 0));
    try std.testing.expectEqual(status.code(error.InvalidSize), offheap_free_owned(4096, 0, 0));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_tag_intern(null, 3));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_tag_intern("x", 0));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_tag_intern(&long_name, long_name.len));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_tag_name(0, null, 0));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_tag_adjust(0, 8, 1));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_tag_stats(null, 8));
}

test "adjusting a tag by hand balances, and mixed signs are refused" {
    const name = "test.abi.adjust";
    const id: u32 = @intCast(offheap_tag_intern(name, name.len));
    const before = tags.read(id);
    try std.testing.expectEqual(@as(i32, 0), offheap_tag_adjust(id, 1 << 20, 1));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_tag_adjust(id, 1 << 20, -1));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_tag_adjust(id, 0.5, 0));
    var rows: [tags.tags_max * fields.field_count]f64 = undefined;
    const written = offheap_tag_stats(&rows, rows.len);
    try std.testing.expectEqual(@as(i32, @intCast(offheap_tag_count())), written);
    const row = rows[(id - 1) * fields.field_count ..][0..fields.field_count];
    try std.testing.expectEqual(@as(f64, @floatFromInt(before.live_bytes + (1 << 20))), row[0]);
    try std.testing.expectEqual(@as(i32, 0), offheap_tag_adjust(id, -(1 << 20), -1));
    try std.testing.expectEqual(before.live_bytes, tags.read(id).live_bytes);
    var name_out: [64]u8 = undefined;
    try std.testing.expectEqual(@as(i32, name.len), offheap_tag_name(id, &name_out, name_out.len));
    try std.testing.expectEqualStrings(name, name_out[0..name.len]);
}

fn sampledResult(result: f64) bool {
    const value: u64 = @intFromFloat(result);
    return value & sample_flag != 0;
}

fn freeOwnedResult(result: f64, size: f64) !void {
    const value: u64 = @intFromFloat(result);
    const address: f64 = @floatFromInt(value & ~(tier_bits_mask | sample_flag));
    try std.testing.expect(offheap_free_owned(address, size, 0) >= 0);
}

test "the owned allocation that runs the armed countdown down is flagged, once, small or mapped" {
    try std.testing.expectEqual(@as(i32, 0), offheap_profile_countdown(1000));
    var flagged: [4]bool = undefined;
    for (&flagged, [_]f64{ 400, 500, 100, 64 }) |*sampled, size| {
        const result = offheap_alloc_owned(size, 0, 0, -1, 0);
        sampled.* = sampledResult(result);
        try std.testing.expectEqual(@as(u2, @backingInt(heap.Tier.small)), tierOfResult(result));
        try freeOwnedResult(result, size);
    }
    // 400 + 500 leaves 100: the third allocation (100 bytes) reaches zero; then it is disarmed.
    try std.testing.expectEqual([4]bool{ false, false, true, false }, flagged);
    try std.testing.expectEqual(@as(i32, 0), offheap_profile_countdown(0.5)); // rounds up to 1 byte
    const mapped = offheap_alloc_owned(100_000, 64, 0, -1, 0);
    try std.testing.expect(sampledResult(mapped));
    try std.testing.expectEqual(@as(u2, @backingInt(heap.Tier.mapped)), tierOfResult(mapped));
    try freeOwnedResult(mapped, 100_000);
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_profile_countdown(-1));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_profile_countdown(std.math.nan(f64)));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_profile_countdown(std.math.inf(f64)));
}

test "with the countdown re-armed after each sample, samples come at the armed rate" {
    // Every sample re-arms with 64 KiB: 4 MiB of 1 KiB allocations take exactly 64 samples.
    try std.testing.expectEqual(@as(i32, 0), offheap_profile_countdown(64 * 1024));
    var samples: u32 = 0;
    for (0..4096) |_| {
        const result = offheap_alloc_owned(1024, 0, 0, -1, 0);
        try freeOwnedResult(result, 1024);
        if (sampledResult(result)) {
            samples += 1;
            try std.testing.expectEqual(@as(i32, 0), offheap_profile_countdown(64 * 1024));
        }
    }
    try std.testing.expectEqual(@as(u32, 64), samples);
    try std.testing.expectEqual(@as(i32, 0), offheap_profile_countdown(0));
    const quiet = offheap_alloc_owned(1 << 20, 0, 0, -1, 0);
    try std.testing.expect(!sampledResult(quiet));
    try freeOwnedResult(quiet, 1 << 20);
}
