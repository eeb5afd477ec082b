//! A cache: its shards, limits, default TTL and clock, and the registry that turns the u32 handles
//! JavaScript holds into caches. A handle names a registry slot and that slot's generation, so a
//! handle of a released cache (or a made-up number) is refused as NotOwned instead of followed.
//! Workers share a cache by handle: each Worker that opens it retains it, and the last release
//! frees every entry and the cache itself.
const std = @import("std");
const assert = std.debug.assert;
const heap = @import("../alloc/heap.zig");
const handles = @import("../support/handles.zig");
const Error = @import("../support/status.zig").Error;
const hash = @import("hash.zig");
const entry_zig = @import("entry.zig");
const policy = @import("policy.zig");
const Shard = @import("shard.zig").Shard;
const Sketch = @import("sketch.zig").Sketch;
const Clock = @import("clock.zig").Clock;
const slabs_zig = @import("slabs.zig");
const numa = @import("../alloc/numa.zig");

pub const shards_max: u32 = 256;
pub const entries_unlimited: u64 = std.math.maxInt(u32);

pub const Options = struct {
    bytes_max: u64,
    /// 0 = unlimited.
    entries_max: u64 = 0,
    kind: policy.Kind = .adaptive,
    ttl_ms: u64 = 0,
    shards: u32 = 1,
    /// Hugepages for the entries' chunks.
    huge: slabs_zig.Huge = .auto,
    /// NUMA placement of the entries' chunks and large entries.
    placement: numa.Placement = .{},
};

pub const Cache = struct {
    shards: []Shard,
    options: Options,
    owners: std.atomic.Value(u32) = .init(1),
    /// A manual clock for tests (`offheap_cache_set_clock`); 0 = the monotonic clock.
    manual_now_ms: std.atomic.Value(u64) = .init(0),

    /// The time of one call, read when first needed.
    pub fn clock(cache: *const Cache) Clock {
        return .{ .manual_ms = cache.manual_now_ms.load(.monotonic) };
    }

    pub fn shardOf(cache: *Cache, key_hash: u32) *Shard {
        return &cache.shards[key_hash & (cache.shards.len - 1)];
    }

    /// The bytes a shard may hold: the cache's bound divided by the shard count, rounded up.
    pub fn shardBytesMax(cache: *const Cache) u64 {
        return std.math.divCeil(u64, cache.options.bytes_max, cache.shards.len) catch unreachable;
    }
};

pub fn create(options: Options) Error!*Cache {
    if (options.bytes_max == 0) return error.InvalidSize;
    if (options.shards == 0 or options.shards > shards_max or !std.math.isPowerOfTwo(options.shards)) return error.InvalidArgument;
    try numa.validate(options.placement);
    try @import("arena.zig").reserve();
    const shard_count: u64 = options.shards;
    const entries_per_shard = if (options.entries_max == 0) entries_unlimited else std.math.divCeil(u64, options.entries_max, shard_count) catch unreachable;
    const bytes_per_shard = std.math.divCeil(u64, options.bytes_max, shard_count) catch unreachable;
    const size_bytes = @sizeOf(Cache) + options.shards * @sizeOf(Shard);
    const address = try heap.alloc(.{ .size_bytes = size_bytes, .alignment_bytes = 64, .zero = true });
    errdefer _ = heap.free(address) catch unreachable;
    const cache: *Cache = @ptrFromInt(address);
    const shards_address = std.mem.alignForward(usize, address + @sizeOf(Cache), @alignOf(Shard));
    assert(shards_address + options.shards * @sizeOf(Shard) <= address + size_bytes + @alignOf(Shard));
    cache.* = .{ .shards = @as([*]Shard, @ptrFromInt(shards_address))[0..options.shards], .options = options };
    for (cache.shards, 0..) |*shard, built| {
        shard.* = .{
            .lists = .{ .kind = options.kind },
            .slabs = .{ .options = .{ .huge = options.huge, .placement = options.placement, .bytes_max = bytes_per_shard } },
            .bytes_max = bytes_per_shard,
            .entries_max = entries_per_shard,
        };
        if (options.kind == .adaptive) {
            const expected = if (options.entries_max != 0) entries_per_shard else bytes_per_shard / 256;
            shard.lists.adaptive.sketch = Sketch.init(expected, shard.slabs.options) catch |err| {
                for (cache.shards[0..built]) |*done| done.deinit();
                return err;
            };
        }
    }
    return cache;
}

/// Frees a cache that never got a handle (registration failed).
pub fn releaseUnregistered(cache: *Cache) void {
    assert(cache.owners.load(.monotonic) == 1);
    destroy(cache);
}

fn destroy(cache: *Cache) void {
    for (cache.shards) |*shard| shard.deinit();
    _ = heap.free(@intFromPtr(cache)) catch unreachable;
}

// ---- The handle registry (support/handles.zig) ------------------------------------------------
//
// A cache is freed only when its last owner releases it, and every thread that uses a handle owns
// it until it releases it, so a resolved cache cannot be freed under its user.

var registry: handles.Registry(Cache) = .{};

/// Registers `cache` and returns its handle (never 0); OutOfMemory when 4095 caches are open.
pub fn register(cache: *Cache) Error!u32 {
    return registry.register(cache);
}

/// The cache of a live handle.
pub fn resolve(handle: u32) Error!*Cache {
    return registry.resolve(handle);
}

pub fn retain(handle: u32) Error!void {
    _ = try registry.retain(handle);
}

/// Drops one owner; the last one unregisters the handle and frees the cache.
pub fn release(handle: u32) Error!void {
    if (try registry.release(handle)) |cache| destroy(cache);
}

test "handles resolve until the last release, and never after" {
    const cache = try create(.{ .bytes_max = 1 << 20, .kind = .lru, .shards = 4 });
    const handle = try register(cache);
    try std.testing.expectEqual(cache, try resolve(handle));
    try retain(handle);
    try release(handle);
    try std.testing.expectEqual(cache, try resolve(handle));
    try release(handle);
    try std.testing.expectError(error.NotOwned, resolve(handle));
    try std.testing.expectError(error.NotOwned, release(handle));
    try std.testing.expectError(error.NotOwned, resolve(0));
    try std.testing.expectError(error.NotOwned, resolve(12345));
    try std.testing.expectError(error.InvalidArgument, create(.{ .bytes_max = 100, .shards = 3 }));
    try std.testing.expectError(error.InvalidSize, create(.{ .bytes_max = 0 }));
}
