//! The one declared field list of `cache.stats()`, like stats/fields.zig for the heap: the enum
//! names each field as the facade reports it, `read` says where its value comes from, and the flat
//! f64 layout of `offheap_cache_stats` and the names of `offheap_layout(4)` follow from the enum.
const std = @import("std");
const assert = std.debug.assert;
const Cache = @import("cache.zig").Cache;
const Counters = @import("shard.zig").Counters;
const entry_zig = @import("entry.zig");

pub const Field = enum {
    hits,
    misses,
    sets,
    evictionsSize,
    evictionsCount,
    evictionsTtl,
    evictionsExplicit,
    expired,
    rejected,
    bytes,
    entries,
    maxBytes,
    maxEntries,
    shards,
    entryOverheadBytes,
    windowFraction,
    memoryBytes,
};

pub const field_count = std.enums.values(Field).len;

/// Every shard's counters, summed; each shard is read under its lock.
const Totals = struct { counters: Counters = .{}, bytes: u64 = 0, entries: u64 = 0, window_fraction: f64 = 0, memory_bytes: u64 = 0 };

fn totalsOf(cache: *Cache) Totals {
    var totals: Totals = .{};
    for (cache.shards) |*shard| {
        shard.lock.lock();
        defer shard.lock.unlock();
        const counters = shard.counters;
        totals.counters.hits += counters.hits;
        totals.counters.misses += counters.misses;
        totals.counters.sets += counters.sets;
        for (&totals.counters.evictions, counters.evictions) |*sum, evicted| sum.* += evicted;
        totals.counters.expired += counters.expired;
        totals.counters.rejected += counters.rejected;
        totals.bytes += shard.bytes;
        totals.entries += shard.entries;
        totals.window_fraction += shard.lists.adaptive.window_fraction;
        totals.memory_bytes += shard.memoryBytes();
    }
    totals.window_fraction /= @floatFromInt(cache.shards.len);
    return totals;
}

fn count(value: u64) f64 {
    return @floatFromInt(value);
}

fn read(field: Field, cache: *const Cache, totals: *const Totals) f64 {
    return switch (field) {
        .hits => count(totals.counters.hits),
        .misses => count(totals.counters.misses),
        .sets => count(totals.counters.sets),
        .evictionsSize => count(totals.counters.evictions[0]),
        .evictionsCount => count(totals.counters.evictions[1]),
        .evictionsTtl => count(totals.counters.evictions[2]),
        .evictionsExplicit => count(totals.counters.evictions[3]),
        .expired => count(totals.counters.expired),
        .rejected => count(totals.counters.rejected),
        .bytes => count(totals.bytes),
        .entries => count(totals.entries),
        .maxBytes => count(cache.options.bytes_max),
        .maxEntries => count(cache.options.entries_max),
        .shards => count(cache.shards.len),
        .entryOverheadBytes => count(entry_zig.overhead_bytes),
        .windowFraction => if (cache.options.kind == .adaptive) totals.window_fraction else 0,
        .memoryBytes => count(totals.memory_bytes),
    };
}

pub fn snapshot(cache: *Cache, out: *[field_count]f64) void {
    const totals = totalsOf(cache);
    assert(totals.entries <= totals.counters.sets);
    for (std.enums.values(Field), out) |field, *value| value.* = read(field, cache, &totals);
}

/// The names of the layout, in order, as a JSON array of strings.
pub const names_json: []const u8 = blk: {
    var text: []const u8 = "[";
    for (std.enums.values(Field)) |field| text = text ++ "\"" ++ @tagName(field) ++ "\",";
    break :blk text[0 .. text.len - 1] ++ "]";
};
