//! The C ABI of the off-heap cache (zig/src/cache/). A cache is named by a u32 handle; keys arrive
//! already encoded by the facade (a type tag, then the key's bytes), values as bytes. A miss is the
//! status NOT_FOUND (-10), which the facade reports as a miss, never as an error.
//!
//!   offheap_cache_create(max_bytes: f64, max_entries: f64, policy: u32, ttl_ms: f64, shards: u32,
//!                        huge: u32, node: i32) f64
//!                                   handle, or status; max_entries 0 = unlimited, ttl_ms 0 = none,
//!                                   policy 0 lru 1 lfu 2 fifo 3 adaptive, shards a power of two <= 256,
//!                                   huge 0 auto 1 never 2 always, node -1 = none, else bind to it
//!   offheap_cache_retain(handle) i32 / offheap_cache_release(handle) i32      status
//!   offheap_cache_set(handle, key: [*]u8, key_len, value: [*]u8, value_len, ttl_ms: f64) i32
//!                                   0 stored, 1 not admitted (adaptive), or status; ttl_ms -1 = the
//!                                   cache's default, 0 = never, else milliseconds
//!   offheap_cache_get(handle, key, key_len, out: [*]u8, out_offset: u32, out_capacity: u32, flags: u32) i32
//!                                   the value's length (copied to out + out_offset when it fits in
//!                                   out_capacity), NOT_FOUND, or status; flags bit 0: peek (no policy
//!                                   move, no counting). The offset lets the facade copy into a pool
//!                                   it passes whole, which both runtimes pass faster than a view.
//!   offheap_cache_get_many(handle, keys: [*]u8, key_ends: [*]u32, count: u32, out: [*]u8,
//!                          out_capacity: u32, lengths: [*]f64) f64
//!                                   gets `count` (1..4096) keys in order, as many gets would: key i
//!                                   is keys[key_ends[i - 1] .. key_ends[i]] (from 0). Each hit's
//!                                   value is copied into out right after the previous hit's while
//!                                   all of them fit; lengths[i] is its length, or -1 for a miss.
//!                                   Returns the bytes all the hits' values take (more than
//!                                   out_capacity: the values from the first that did not fit on
//!                                   were not copied), or status. Bad arguments fail before any get.
//!   offheap_cache_delete(handle, key, key_len) i32          1 deleted, 0 absent, or status
//!   offheap_cache_clear(handle) i32                          status
//!   offheap_cache_remaining_ttl(handle, key, key_len) f64   ms left, -1 for none, NOT_FOUND, or status
//!   offheap_cache_purge_stale(handle) f64                   entries removed, or status
//!   offheap_cache_stats(handle, out: [*]f64, capacity: u32) i32   fields (offheap_layout 4), or status
//!   offheap_cache_export(handle, out: [*]u8, capacity: f64) f64   the dump's bytes (written only
//!                                   when they fit), or status. Per entry, in the policy's order:
//!                                   u32 key_len, u32 value_len, f64 ms left (-1 none), key, value
//!   offheap_cache_set_clock(handle, now_ms: f64) i32        status; a manual clock from now on (tests)
const std = @import("std");
const assert = std.debug.assert;
const args = @import("args.zig");
const status = @import("../support/status.zig");
const Error = status.Error;
const cache_zig = @import("../cache/cache.zig");
const entry_zig = @import("../cache/entry.zig");
const fields = @import("../cache/fields.zig");
const hash = @import("../cache/hash.zig");
const policy = @import("../cache/policy.zig");
const Cache = cache_zig.Cache;
const Shard = @import("../cache/shard.zig").Shard;
const Entry = entry_zig.Entry;
const clock_zig = @import("../cache/clock.zig");
const slabs_zig = @import("../cache/slabs.zig");
const Clock = clock_zig.Clock;

/// Largest entry count accepted: keeps every count exact in an f64.
const count_max: f64 = 9e15;

fn keyArgument(key: ?[*]const u8, key_len: u32) Error![]const u8 {
    if (key_len < 1 or key_len > entry_zig.key_bytes_max) return error.InvalidArgument;
    const bytes = key orelse return error.InvalidArgument;
    return bytes[0..key_len];
}

/// What every call on one key needs: its cache, the key, its hash and shard, and the time.
const Keyed = struct {
    cache: *Cache,
    key: []const u8,
    index_hash: u32,
    shard: *Shard,
    clock: Clock,

    fn of(handle: u32, key: ?[*]const u8, key_len: u32) Error!Keyed {
        const cache = try cache_zig.resolve(handle);
        const key_bytes = try keyArgument(key, key_len);
        const index_hash = hash.hash32(key_bytes, hash.index_seed);
        return .{ .cache = cache, .key = key_bytes, .index_hash = index_hash, .shard = cache.shardOf(index_hash), .clock = cache.clock() };
    }
};

fn wholeArgument(value: f64, max: f64) Error!u64 {
    if (!(value >= 0 and value <= max)) return error.InvalidArgument;
    if (@floor(value) != value) return error.InvalidArgument;
    return @intFromFloat(value);
}

fn countArgument(value: f64) Error!u64 {
    return wholeArgument(value, count_max);
}

/// A TTL or a manual time: at most 2^39 ms, so that their sum fits an entry's 40-bit expiry.
fn msArgument(value: f64) Error!u64 {
    return wholeArgument(value, @floatFromInt(clock_zig.ms_max));
}

pub export fn offheap_cache_create(max_bytes: f64, max_entries: f64, policy_code: u32, ttl_ms: f64, shards: u32, huge: u32, node: i32) f64 {
    const created = create(max_bytes, max_entries, policy_code, ttl_ms, shards, huge, node) catch |err| return args.failure(err);
    return @floatFromInt(created);
}

fn create(max_bytes: f64, max_entries: f64, policy_code: u32, ttl_ms: f64, shards: u32, huge: u32, node: i32) Error!u32 {
    const kind = std.enums.fromInt(policy.Kind, policy_code) orelse return error.InvalidArgument;
    const huge_mode = std.enums.fromInt(slabs_zig.Huge, huge) orelse return error.InvalidArgument;
    const placement = try args.boundPlacement(node);
    const cache = try cache_zig.create(.{
        .bytes_max = try args.size(max_bytes),
        .entries_max = try countArgument(max_entries),
        .kind = kind,
        .ttl_ms = try msArgument(ttl_ms),
        .shards = shards,
        .huge = huge_mode,
        .placement = placement,
    });
    return cache_zig.register(cache) catch |err| {
        cache_zig.releaseUnregistered(cache);
        return err;
    };
}

pub export fn offheap_cache_retain(handle: u32) i32 {
    cache_zig.retain(handle) catch |err| return status.code(err);
    return 0;
}

pub export fn offheap_cache_release(handle: u32) i32 {
    cache_zig.release(handle) catch |err| return status.code(err);
    return 0;
}

pub export fn offheap_cache_set(handle: u32, key: ?[*]const u8, key_len: u32, value: ?[*]const u8, value_len: u32, ttl_ms: f64) i32 {
    return args.statusOf(set(handle, key, key_len, value, value_len, ttl_ms));
}

fn set(handle: u32, key: ?[*]const u8, key_len: u32, value: ?[*]const u8, value_len: u32, ttl_ms: f64) Error!u32 {
    var on = try Keyed.of(handle, key, key_len);
    // An empty value may arrive as a null pointer.
    const value_bytes: []const u8 = if (value_len == 0) &.{} else (value orelse return error.InvalidArgument)[0..value_len];
    if (entry_zig.chargedBytesOf(key_len, value_len) > on.cache.shardBytesMax()) return error.InvalidSize;
    const ttl: u64 = if (ttl_ms == -1) on.cache.options.ttl_ms else try msArgument(ttl_ms);
    const expires_at_ms = if (ttl == 0) 0 else on.clock.now() + ttl;
    on.shard.lock.lock();
    defer on.shard.lock.unlock();
    // The entry's memory is the shard's, so it is built under the shard's lock.
    const fresh = try entry_zig.create(&on.shard.slabs, on.key, value_bytes, on.index_hash, expires_at_ms);
    const stored = on.shard.set(fresh, &on.clock) catch |err| {
        entry_zig.destroy(&on.shard.slabs, fresh);
        return err;
    };
    return @intFromBool(!stored);
}

pub export fn offheap_cache_get(handle: u32, key: ?[*]const u8, key_len: u32, out: ?[*]u8, out_offset: u32, out_capacity: u32, flags: u32) i32 {
    return args.statusOf(get(handle, key, key_len, out, out_offset, out_capacity, flags));
}

fn get(handle: u32, key: ?[*]const u8, key_len: u32, out: ?[*]u8, out_offset: u32, out_capacity: u32, flags: u32) Error!u32 {
    if (flags & ~@as(u32, 1) != 0) return error.InvalidArgument;
    var on = try Keyed.of(handle, key, key_len);
    const target: []u8 = if (out_capacity == 0) &.{} else (out orelse return error.InvalidArgument)[out_offset..][0..out_capacity];
    on.shard.lock.lock();
    defer on.shard.lock.unlock();
    const length = on.shard.get(on.key, on.index_hash, &on.clock, target, flags & 1 != 0) orelse return error.NotFound;
    return @intCast(length);
}

/// The most keys one `offheap_cache_get_many` call takes.
pub const get_many_max = 4096;
/// Keys looked up side by side: all their index lines, then all their entries, are asked for before
/// the first get, so that their cache misses overlap.
const lookup_window = 16;

pub export fn offheap_cache_get_many(handle: u32, keys: ?[*]const u8, key_ends: ?[*]const u32, count: u32, out: ?[*]u8, out_capacity: u32, lengths: ?[*]f64) f64 {
    const total = getMany(handle, keys, key_ends, count, out, out_capacity, lengths) catch |err| return args.failure(err);
    return @floatFromInt(total);
}

fn getMany(handle: u32, keys: ?[*]const u8, key_ends: ?[*]const u32, count: u32, out: ?[*]u8, out_capacity: u32, lengths: ?[*]f64) Error!u64 {
    const cache = try cache_zig.resolve(handle);
    if (count < 1 or count > get_many_max) return error.InvalidArgument;
    const ends = (key_ends orelse return error.InvalidArgument)[0..count];
    const key_bytes = keys orelse return error.InvalidArgument;
    const results = (lengths orelse return error.InvalidArgument)[0..count];
    const target: []u8 = if (out_capacity == 0) &.{} else (out orelse return error.InvalidArgument)[0..out_capacity];
    var start: u32 = 0;
    for (ends) |end| {
        if (end <= start or end - start > entry_zig.key_bytes_max) return error.InvalidArgument;
        start = end;
    }
    var clock = cache.clock();
    var written: u64 = 0; // the bytes of the hits so far, copied or not
    var copying = true; // every value so far fitted
    var first: usize = 0;
    while (first < count) : (first += lookup_window) {
        const window = @min(count - first, lookup_window);
        var hashes: [lookup_window]u32 = undefined;
        var shards: [lookup_window]*Shard = undefined;
        for (0..window) |offset| {
            hashes[offset] = hash.hash32(keyAt(key_bytes, ends, first + offset), hash.index_seed);
            shards[offset] = cache.shardOf(hashes[offset]);
        }
        // Every key's index line, then every key's entry, is asked for before the first get.
        inline for (.{ Shard.prefetchHome, Shard.prefetchCandidate }) |prefetch| {
            for (hashes[0..window], shards[0..window]) |key_hash, shard| {
                shard.lock.lock();
                defer shard.lock.unlock();
                prefetch(shard, key_hash);
            }
        }
        for (hashes[0..window], shards[0..window], first..) |key_hash, shard, position| {
            const room: []u8 = if (copying) target[@intCast(written)..] else &.{};
            const length = get: {
                shard.lock.lock();
                defer shard.lock.unlock();
                break :get shard.get(keyAt(key_bytes, ends, position), key_hash, &clock, room, false);
            } orelse {
                results[position] = -1;
                continue;
            };
            if (length > room.len) copying = false;
            written += length;
            results[position] = @floatFromInt(length);
        }
    }
    return written;
}

fn keyAt(keys: [*]const u8, ends: []const u32, position: usize) []const u8 {
    const start = if (position == 0) 0 else ends[position - 1];
    return keys[start..ends[position]];
}

pub export fn offheap_cache_delete(handle: u32, key: ?[*]const u8, key_len: u32) i32 {
    var on = Keyed.of(handle, key, key_len) catch |err| return status.code(err);
    on.shard.lock.lock();
    defer on.shard.lock.unlock();
    return @intFromBool(on.shard.delete(on.key, on.index_hash, &on.clock));
}

pub export fn offheap_cache_clear(handle: u32) i32 {
    const cache = cache_zig.resolve(handle) catch |err| return status.code(err);
    for (cache.shards) |*shard| {
        shard.lock.lock();
        defer shard.lock.unlock();
        shard.clear();
    }
    return 0;
}

pub export fn offheap_cache_remaining_ttl(handle: u32, key: ?[*]const u8, key_len: u32) f64 {
    var on = Keyed.of(handle, key, key_len) catch |err| return args.failure(err);
    on.shard.lock.lock();
    defer on.shard.lock.unlock();
    const entry = on.shard.find(on.key, on.index_hash, &on.clock) orelse return args.failure(error.NotFound);
    const expires_at_ms = entry.expiresAtMs();
    if (expires_at_ms == 0) return -1;
    return @floatFromInt(expires_at_ms - on.clock.now());
}

pub export fn offheap_cache_purge_stale(handle: u32) f64 {
    const cache = cache_zig.resolve(handle) catch |err| return args.failure(err);
    var clock = cache.clock();
    var removed: u64 = 0;
    for (cache.shards) |*shard| {
        shard.lock.lock();
        defer shard.lock.unlock();
        removed += shard.purgeStale(&clock);
    }
    return @floatFromInt(removed);
}

pub export fn offheap_cache_stats(handle: u32, out: ?[*]f64, capacity: u32) i32 {
    const cache = cache_zig.resolve(handle) catch |err| return status.code(err);
    const target = args.pointer([*]f64, out) catch |err| return status.code(err);
    if (capacity < fields.field_count) return status.code(error.InvalidArgument);
    fields.snapshot(cache, target[0..fields.field_count]);
    return fields.field_count;
}

const record_header_bytes = 16;

/// Writes one entry of a dump, or only counts it when it does not fit.
const Exporter = struct {
    out: []u8,
    written: u64 = 0,
    clock: Clock,
    fits: bool = true,

    fn visit(exporter: *Exporter, entry: *const Entry) void {
        const expires_at_ms = entry.expiresAtMs();
        if (exporter.clock.passed(expires_at_ms)) return;
        const key_len: u32 = @intCast(entry.keyLength());
        const record_bytes = record_header_bytes + key_len + entry.value_len;
        defer exporter.written += record_bytes;
        if (!exporter.fits or exporter.written + record_bytes > exporter.out.len) {
            exporter.fits = false;
            return;
        }
        const at = exporter.out[@intCast(exporter.written)..];
        std.mem.writeInt(u32, at[0..4], key_len, .little);
        std.mem.writeInt(u32, at[4..8], entry.value_len, .little);
        const left: f64 = if (expires_at_ms == 0) -1 else @floatFromInt(expires_at_ms - exporter.clock.now());
        std.mem.writeInt(u64, at[8..16], @bitCast(left), .little);
        @memcpy(at[16..][0..key_len], entry.key());
        @memcpy(at[16 + key_len ..][0..entry.value_len], entry.value());
    }
};

pub export fn offheap_cache_export(handle: u32, out: ?[*]u8, capacity: f64) f64 {
    const cache = cache_zig.resolve(handle) catch |err| return args.failure(err);
    if (!(capacity >= 0 and capacity <= 0x1p46) or @floor(capacity) != capacity) return args.failure(error.InvalidArgument);
    const capacity_bytes: usize = @intFromFloat(capacity);
    const target: []u8 = if (capacity_bytes == 0) &.{} else (out orelse return args.failure(error.InvalidArgument))[0..capacity_bytes];
    var exporter: Exporter = .{ .out = target, .clock = cache.clock() };
    for (cache.shards) |*shard| {
        shard.lock.lock();
        defer shard.lock.unlock();
        shard.eachInOrder(&exporter, Exporter.visit);
    }
    return @floatFromInt(exporter.written);
}

pub export fn offheap_cache_set_clock(handle: u32, now_ms: f64) i32 {
    const cache = cache_zig.resolve(handle) catch |err| return status.code(err);
    const now = msArgument(now_ms) catch |err| return status.code(err);
    if (now == 0) return status.code(error.InvalidArgument);
    cache.manual_now_ms.store(now, .monotonic);
    return 0;
}
