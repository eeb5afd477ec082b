//! One shard of a cache: a lock, a hash index, the policy's lists and the shard's counters. A key
//! belongs to the shard its hash names, and every operation on it runs under that shard's lock, so
//! shards let several Workers work on one cache at once. Every function here expects the caller to
//! hold the lock.
//!
//! Byte limits are per shard (the cache's limits divided by the shard count, rounded up). After a
//! set, the shard evicts the policy's victims until it fits; an eviction counts as "size" when the
//! byte bound is exceeded, else "count".
//!
//! TTL: an expired entry is removed when it is next looked up (a miss, counted as expired and as a
//! "ttl" eviction) or by `purgeStale`; each set also sweeps up to `sweep_slots` index slots with a
//! moving hand, so expired entries never pile up unseen. The sweep depends on slot positions, so
//! the facade's reference models are compared on operations without TTL.
const std = @import("std");
const assert = std.debug.assert;
const SpinLock = @import("../support/spin_lock.zig").SpinLock;
const Error = @import("../support/status.zig").Error;
const entry_zig = @import("entry.zig");
const Entry = entry_zig.Entry;
const Index = @import("index.zig").Index;
const policy = @import("policy.zig");

const sweep_slots = 8;

pub const Reason = enum(u2) { size = 0, count = 1, ttl = 2, explicit = 3 };

pub const Counters = struct {
    hits: u64 = 0,
    misses: u64 = 0,
    sets: u64 = 0,
    evictions: [4]u64 = @splat(0),
    expired: u64 = 0,
    rejected: u64 = 0,
};

pub const Shard = struct {
    lock: SpinLock = .{},
    index: Index = .{},
    lists: policy.Lists,
    bytes: u64 = 0,
    entries: u64 = 0,
    bytes_max: u64,
    entries_max: u64,
    counters: Counters = .{},
    sweep_position: usize = 0,

    pub fn bounds(shard: *const Shard) policy.Bounds {
        return .{ .bytes = shard.bytes_max, .entries = shard.entries_max };
    }

    fn expired(entry: *const Entry, now_ms: u64) bool {
        return entry.expires_at_ms != 0 and entry.expires_at_ms <= now_ms;
    }

    /// The live entry of `key`, or null; an expired one is removed on the way.
    pub fn find(shard: *Shard, key: []const u8, hash: u32, now_ms: u64) ?*Entry {
        const entry = shard.index.find(key, hash) orelse return null;
        if (!expired(entry, now_ms)) return entry;
        shard.counters.expired += 1;
        shard.removeEntry(entry, .ttl);
        return null;
    }

    /// A get: the value's length on a hit (copied into `out` when it fits), null on a miss. A peek
    /// changes neither the policy's order nor the counters.
    pub fn get(shard: *Shard, key: []const u8, hash: u32, now_ms: u64, out: []u8, peek: bool) ?usize {
        const found = shard.find(key, hash, now_ms);
        if (!peek) {
            if (found) |entry| {
                shard.counters.hits += 1;
                shard.lists.hit(entry, shard.bounds());
                shard.lists.countOperation(shard.entries);
            } else shard.counters.misses += 1;
            if (shard.lists.kind == .adaptive) shard.lists.adaptive.recordGet(found != null, shard.entries);
        }
        const entry = found orelse return null;
        const value = entry.value();
        if (value.len <= out.len) @memcpy(out[0..value.len], value);
        return value.len;
    }

    /// Stores `fresh` (its key may be present: then it replaces the old entry) and evicts until the
    /// shard fits. Returns false when the new entry itself was evicted (not admitted).
    pub fn set(shard: *Shard, fresh: *Entry, now_ms: u64) Error!bool {
        assert(fresh.chargedBytes() <= shard.bytes_max);
        shard.sweep(now_ms);
        shard.counters.sets += 1;
        if (shard.find(fresh.key(), fresh.index_hash, now_ms)) |old| {
            shard.index.replace(old, fresh);
            shard.bytes = shard.bytes - old.chargedBytes() + fresh.chargedBytes();
            shard.lists.update(old, fresh, shard.bounds());
            entry_zig.destroy(old);
        } else {
            try shard.index.insert(fresh);
            shard.lists.insert(fresh);
            if (shard.lists.kind == .adaptive) shard.lists.adaptive.sketch.increment(fresh.sketch_hash);
            shard.bytes += fresh.chargedBytes();
            shard.entries += 1;
        }
        const stored = shard.evict(fresh);
        shard.lists.countOperation(shard.entries);
        return stored;
    }

    /// Evicts until the shard fits its bounds; false when `fresh` was among the victims.
    fn evict(shard: *Shard, fresh: *const Entry) bool {
        var stored = true;
        shard.lists.spillWindow(shard.bounds());
        while (shard.bytes > shard.bytes_max or shard.entries > shard.entries_max) {
            assert(shard.entries > 0);
            const reason: Reason = if (shard.bytes > shard.bytes_max) .size else .count;
            const victim = shard.lists.victim(fresh);
            if (victim == fresh) {
                stored = false;
                shard.counters.rejected += 1;
            }
            shard.removeEntry(victim, reason);
        }
        shard.lists.admitCandidates();
        return stored;
    }

    pub fn delete(shard: *Shard, key: []const u8, hash: u32, now_ms: u64) bool {
        const entry = shard.find(key, hash, now_ms) orelse return false;
        shard.removeEntry(entry, .explicit);
        return true;
    }

    pub fn clear(shard: *Shard) void {
        for (0..policy.list_count) |list| {
            while (shard.lists.lists[list].tail) |entry| shard.removeEntry(entry, .explicit);
        }
        assert(shard.entries == 0 and shard.bytes == 0 and shard.index.count == 0);
    }

    /// Removes every expired entry; returns how many.
    pub fn purgeStale(shard: *Shard, now_ms: u64) u64 {
        var removed: u64 = 0;
        for (0..policy.list_count) |list| {
            var cursor = shard.lists.lists[list].tail;
            while (cursor) |entry| {
                cursor = entry.prev;
                if (!expired(entry, now_ms)) continue;
                shard.counters.expired += 1;
                shard.removeEntry(entry, .ttl);
                removed += 1;
            }
        }
        return removed;
    }

    fn sweep(shard: *Shard, now_ms: u64) void {
        const slots = shard.index.slots.len;
        if (slots == 0) return;
        for (0..sweep_slots) |_| {
            shard.sweep_position = (shard.sweep_position + 1) & (slots - 1);
            const entry = shard.index.at(shard.sweep_position) orelse continue;
            if (!expired(entry, now_ms)) continue;
            shard.counters.expired += 1;
            shard.removeEntry(entry, .ttl);
        }
    }

    fn removeEntry(shard: *Shard, entry: *Entry, reason: Reason) void {
        assert(shard.entries > 0);
        assert(shard.bytes >= entry.chargedBytes());
        shard.index.remove(entry);
        shard.lists.remove(entry);
        shard.bytes -= entry.chargedBytes();
        shard.entries -= 1;
        shard.counters.evictions[@intFromEnum(reason)] += 1;
        entry_zig.destroy(entry);
    }

    /// The entries in the policy's order: the order `keys()` reports and a dump keeps.
    pub fn eachInOrder(shard: *Shard, context: anytype, comptime visit: fn (@TypeOf(context), *const Entry) void) void {
        const order: []const u8 = switch (shard.lists.kind) {
            .lru, .fifo => &.{0},
            .lfu => &.{ 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
            .adaptive => &.{ policy.protected, policy.probation, policy.candidates, policy.window },
        };
        for (order) |list| {
            var cursor = shard.lists.lists[list].head;
            while (cursor) |entry| : (cursor = entry.next) visit(context, entry);
        }
    }

    pub fn deinit(shard: *Shard) void {
        shard.clear();
        shard.index.deinit();
        shard.lists.adaptive.sketch.deinit();
    }
};
