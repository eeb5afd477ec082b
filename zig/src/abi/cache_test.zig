//! The inline tests of the cache's C ABI (abi/cache.zig), kept beside it so that file stays the ABI:
//! every export driven through its real arguments, bad ones included, and 4 threads on one cache.
const std = @import("std");
const abi = @import("cache.zig");
const args = @import("args.zig");
const status = @import("../support/status.zig");
const entry_zig = @import("../cache/entry.zig");
const fields = @import("../cache/fields.zig");

fn encode(comptime text: []const u8) []const u8 {
    return "\x01" ++ text;
}

test "set, get, peek, delete and a miss through the ABI" {
    const handle: u32 = @intFromFloat(abi.offheap_cache_create(1 << 20, 0, 0, 0, 1, 0, -1));
    defer _ = abi.offheap_cache_release(handle);
    const key = encode("alpha");
    var out: [16]u8 = undefined;
    try std.testing.expectEqual(@as(i32, 0), abi.offheap_cache_set(handle, key.ptr, @intCast(key.len), "value", 5, -1));
    try std.testing.expectEqual(@as(i32, 5), abi.offheap_cache_get(handle, key.ptr, @intCast(key.len), &out, 0, out.len, 0));
    try std.testing.expectEqualStrings("value", out[0..5]);
    try std.testing.expectEqual(@as(i32, 5), abi.offheap_cache_get(handle, key.ptr, @intCast(key.len), null, 0, 0, 1));
    try std.testing.expectEqual(@as(i32, 1), abi.offheap_cache_delete(handle, key.ptr, @intCast(key.len)));
    try std.testing.expectEqual(status.code(error.NotFound), abi.offheap_cache_get(handle, key.ptr, @intCast(key.len), &out, 0, out.len, 0));
    try std.testing.expectEqual(@as(i32, 0), abi.offheap_cache_delete(handle, key.ptr, @intCast(key.len)));
    var stats: [fields.field_count]f64 = undefined;
    try std.testing.expectEqual(@as(i32, fields.field_count), abi.offheap_cache_stats(handle, &stats, stats.len));
    try std.testing.expectEqual(@as(f64, 1), stats[@intFromEnum(fields.Field.hits)]);
    try std.testing.expectEqual(@as(f64, 1), stats[@intFromEnum(fields.Field.misses)]);
    try std.testing.expectEqual(@as(f64, 1), stats[@intFromEnum(fields.Field.evictionsExplicit)]);
}

test "bad arguments are statuses, never panics" {
    const invalid = status.code(error.InvalidArgument);
    try std.testing.expectEqual(args.failure(error.InvalidSize), abi.offheap_cache_create(0, 0, 0, 0, 1, 0, -1));
    try std.testing.expectEqual(args.failure(error.InvalidArgument), abi.offheap_cache_create(1000, 0, 9, 0, 1, 0, -1));
    try std.testing.expectEqual(args.failure(error.InvalidArgument), abi.offheap_cache_create(1000, -1, 0, 0, 1, 0, -1));
    try std.testing.expectEqual(args.failure(error.InvalidArgument), abi.offheap_cache_create(1000, 0, 0, std.math.nan(f64), 1, 0, -1));
    try std.testing.expectEqual(args.failure(error.InvalidArgument), abi.offheap_cache_create(1000, 0, 0, 0, 3, 0, -1));
    const handle: u32 = @intFromFloat(abi.offheap_cache_create(1000, 0, 3, 0, 1, 0, -1));
    const key = encode("k");
    var big: [2000]u8 = @splat(1);
    try std.testing.expectEqual(status.code(error.InvalidSize), abi.offheap_cache_set(handle, key.ptr, @intCast(key.len), &big, big.len, -1));
    try std.testing.expectEqual(invalid, abi.offheap_cache_set(handle, key.ptr, 0, "v", 1, -1));
    try std.testing.expectEqual(invalid, abi.offheap_cache_set(handle, null, 3, "v", 1, -1));
    try std.testing.expectEqual(invalid, abi.offheap_cache_set(handle, key.ptr, @intCast(key.len), "v", 1, -5));
    try std.testing.expectEqual(invalid, abi.offheap_cache_get(handle, key.ptr, @intCast(key.len), null, 0, 4, 0));
    try std.testing.expectEqual(invalid, abi.offheap_cache_get(handle, key.ptr, @intCast(key.len), null, 0, 0, 2));
    try std.testing.expectEqual(@as(i32, 0), abi.offheap_cache_release(handle));
    const not_owned = status.code(error.NotOwned);
    try std.testing.expectEqual(not_owned, abi.offheap_cache_release(handle));
    try std.testing.expectEqual(not_owned, abi.offheap_cache_get(handle, key.ptr, @intCast(key.len), null, 0, 0, 0));
    try std.testing.expectEqual(not_owned, abi.offheap_cache_set(12345, key.ptr, @intCast(key.len), "v", 1, -1));
}

test "TTL on a manual clock: lazy expiry, remaining time, purge" {
    const handle: u32 = @intFromFloat(abi.offheap_cache_create(1 << 20, 0, 0, 100, 2, 0, -1));
    defer _ = abi.offheap_cache_release(handle);
    try std.testing.expectEqual(@as(i32, 0), abi.offheap_cache_set_clock(handle, 1000));
    const a = encode("a");
    const b = encode("b");
    const c = encode("c");
    _ = abi.offheap_cache_set(handle, a.ptr, @intCast(a.len), "1", 1, -1);
    _ = abi.offheap_cache_set(handle, b.ptr, @intCast(b.len), "2", 1, 500);
    _ = abi.offheap_cache_set(handle, c.ptr, @intCast(c.len), "3", 1, 0);
    try std.testing.expectEqual(@as(f64, 100), abi.offheap_cache_remaining_ttl(handle, a.ptr, @intCast(a.len)));
    try std.testing.expectEqual(@as(f64, -1), abi.offheap_cache_remaining_ttl(handle, c.ptr, @intCast(c.len)));
    _ = abi.offheap_cache_set_clock(handle, 1100);
    try std.testing.expectEqual(status.code(error.NotFound), abi.offheap_cache_get(handle, a.ptr, @intCast(a.len), null, 0, 0, 0));
    try std.testing.expectEqual(@as(f64, 400), abi.offheap_cache_remaining_ttl(handle, b.ptr, @intCast(b.len)));
    _ = abi.offheap_cache_set_clock(handle, 2000);
    try std.testing.expectEqual(@as(f64, 1), abi.offheap_cache_purge_stale(handle));
    var stats: [fields.field_count]f64 = undefined;
    _ = abi.offheap_cache_stats(handle, &stats, stats.len);
    try std.testing.expectEqual(@as(f64, 2), stats[@intFromEnum(fields.Field.expired)]);
    try std.testing.expectEqual(@as(f64, 1), stats[@intFromEnum(fields.Field.entries)]);
}

test "LRU evicts the least recently used by bytes and by count; the dump keeps the order" {
    const per_entry = entry_zig.chargedBytesOf(2, 1);
    const handle: u32 = @intFromFloat(abi.offheap_cache_create(@floatFromInt(per_entry * 3), 0, 0, 0, 1, 0, -1));
    defer _ = abi.offheap_cache_release(handle);
    for ([_][]const u8{ encode("a"), encode("b"), encode("c") }) |key| _ = abi.offheap_cache_set(handle, key.ptr, @intCast(key.len), "v", 1, -1);
    const a = encode("a");
    _ = abi.offheap_cache_get(handle, a.ptr, @intCast(a.len), null, 0, 0, 0); // a is now the most recent
    const d = encode("d");
    _ = abi.offheap_cache_set(handle, d.ptr, @intCast(d.len), "v", 1, -1); // evicts b
    const b = encode("b");
    try std.testing.expectEqual(status.code(error.NotFound), abi.offheap_cache_get(handle, b.ptr, @intCast(b.len), null, 0, 0, 1));
    var dump: [256]u8 = undefined;
    const length = abi.offheap_cache_export(handle, &dump, dump.len);
    try std.testing.expectEqual(@as(f64, 3 * (16 + 2 + 1)), length);
    try std.testing.expectEqualStrings(encode("d"), dump[16..18]);
    try std.testing.expectEqualStrings(encode("a"), dump[19 + 16 ..][0..2]);
    try std.testing.expectEqual(@as(f64, 57), abi.offheap_cache_export(handle, &dump, 10)); // too small: sized only
}

test "every policy holds its bounds under a random workload, and the adaptive one climbs" {
    var prng = std.Random.DefaultPrng.init(7);
    const random = prng.random();
    for ([_]u32{ 0, 1, 2, 3 }) |code| {
        const handle: u32 = @intFromFloat(abi.offheap_cache_create(20_000, 150, code, 0, 2, 0, -1));
        defer _ = abi.offheap_cache_release(handle);
        var key_buffer: [12]u8 = undefined;
        var value: [200]u8 = @splat(7);
        for (0..20_000) |_| {
            const id = if (random.boolean()) random.uintLessThan(u32, 100) else random.uintLessThan(u32, 5000);
            const key = std.fmt.bufPrint(&key_buffer, "\x01{d}", .{id}) catch unreachable;
            if (abi.offheap_cache_get(handle, key.ptr, @intCast(key.len), null, 0, 0, 0) < 0) {
                const stored = abi.offheap_cache_set(handle, key.ptr, @intCast(key.len), &value, random.uintLessThan(u32, value.len), -1);
                try std.testing.expect(stored == 0 or stored == 1);
            }
        }
        var stats: [fields.field_count]f64 = undefined;
        _ = abi.offheap_cache_stats(handle, &stats, stats.len);
        try std.testing.expect(stats[@intFromEnum(fields.Field.bytes)] <= 20_000);
        try std.testing.expect(stats[@intFromEnum(fields.Field.entries)] <= 150);
        try std.testing.expect(stats[@intFromEnum(fields.Field.hits)] > 1000); // the hot 100 keys mostly stay
    }
}

test "threads sharing one cache never read a torn value, and the counters balance" {
    const handle: u32 = @intFromFloat(abi.offheap_cache_create(256 << 10, 0, 3, 0, 4, 0, -1));
    defer _ = abi.offheap_cache_release(handle);
    const thread_count = 4;
    const operations = 20_000;
    const Worker = struct {
        fn run(cache_handle: u32, seed: u64, gets: *u64, torn: *u64) void {
            var prng = std.Random.DefaultPrng.init(seed);
            const random = prng.random();
            var key_buffer: [12]u8 = undefined;
            var value: [300]u8 = undefined;
            var out: [300]u8 = undefined;
            for (0..operations) |_| {
                const key = std.fmt.bufPrint(&key_buffer, "\x03{d}", .{random.uintLessThan(u32, 500)}) catch unreachable;
                const key_len: u32 = @intCast(key.len);
                switch (random.uintLessThan(u8, 10)) {
                    0...5 => {
                        gets.* += 1;
                        const length = abi.offheap_cache_get(cache_handle, key.ptr, key_len, &out, 0, out.len, 0);
                        if (length >= 0 and !intact(out[0..@intCast(length)])) torn.* += 1;
                    },
                    6...8 => {
                        // A value is a length-dependent pattern whose last byte is the sum of the others.
                        const length = 1 + random.uintLessThan(usize, value.len - 1);
                        random.bytes(value[0 .. length - 1]);
                        value[length - 1] = checksum(value[0 .. length - 1]);
                        _ = abi.offheap_cache_set(cache_handle, key.ptr, key_len, &value, @intCast(length), -1);
                    },
                    else => _ = abi.offheap_cache_delete(cache_handle, key.ptr, key_len),
                }
            }
        }
        fn checksum(bytes: []const u8) u8 {
            var sum: u8 = 0x5a;
            for (bytes) |byte| sum +%= byte;
            return sum;
        }
        fn intact(bytes: []const u8) bool {
            return bytes.len >= 1 and checksum(bytes[0 .. bytes.len - 1]) == bytes[bytes.len - 1];
        }
    };
    var gets: [thread_count]u64 = @splat(0);
    var torn: [thread_count]u64 = @splat(0);
    var threads: [thread_count]std.Thread = undefined;
    for (&threads, 0..) |*thread, index| thread.* = try std.Thread.spawn(.{}, Worker.run, .{ handle, index + 1, &gets[index], &torn[index] });
    for (threads) |thread| thread.join();
    var stats: [fields.field_count]f64 = undefined;
    _ = abi.offheap_cache_stats(handle, &stats, stats.len);
    var total_gets: u64 = 0;
    for (gets, torn) |count, bad| {
        total_gets += count;
        try std.testing.expectEqual(@as(u64, 0), bad);
    }
    const hits = stats[@intFromEnum(fields.Field.hits)];
    const misses = stats[@intFromEnum(fields.Field.misses)];
    try std.testing.expectEqual(@as(f64, @floatFromInt(total_gets)), hits + misses);
    try std.testing.expect(stats[@intFromEnum(fields.Field.bytes)] <= 256 << 10);
}

test "a set never evicts the entry it just wrote: a FIFO update at the tail, an LFU key alone in its list" {
    const per_entry = entry_zig.chargedBytesOf(2, 1);
    for ([_]u32{ 2, 1 }) |code| {
        const handle: u32 = @intFromFloat(abi.offheap_cache_create(@floatFromInt(per_entry * 3), 0, code, 0, 1, 0, -1));
        defer _ = abi.offheap_cache_release(handle);
        const a = encode("a");
        const b = encode("b");
        const c = encode("c");
        for ([_][]const u8{ a, b, c }) |key| _ = abi.offheap_cache_set(handle, key.ptr, @intCast(key.len), "v", 1, -1);
        if (code == 1) {
            // LFU: b and c become more frequent, so a stays alone in the lowest list.
            _ = abi.offheap_cache_get(handle, b.ptr, @intCast(b.len), null, 0, 0, 0);
            _ = abi.offheap_cache_get(handle, c.ptr, @intCast(c.len), null, 0, 0, 0);
        }
        // The update makes the shard one byte too large; the victim must not be `a` itself.
        try std.testing.expectEqual(@as(i32, 0), abi.offheap_cache_set(handle, a.ptr, @intCast(a.len), "vv", 2, -1));
        try std.testing.expectEqual(@as(i32, 2), abi.offheap_cache_get(handle, a.ptr, @intCast(a.len), null, 0, 0, 1));
        try std.testing.expectEqual(status.code(error.NotFound), abi.offheap_cache_get(handle, b.ptr, @intCast(b.len), null, 0, 0, 1));
        try std.testing.expectEqual(@as(i32, 1), abi.offheap_cache_get(handle, c.ptr, @intCast(c.len), null, 0, 0, 1));
    }
}
