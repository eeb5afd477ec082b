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
//! "ttl" eviction) or by `purgeStale`; while the shard holds entries with an expiry, each set also
//! sweeps up to `sweep_slots` index slots with a moving hand, so expired entries never pile up
//! unseen. The sweep depends on slot positions, so the facade's reference models are compared on
//! operations without TTL.
//!
//! Deferred hits (Caffeine's read buffer): a get that hits records its entry in `pending_hits` and
//! leaves the policy's moves (list links, sketch counters) for later. `settle` applies them in
//! order, prefetching every line they touch first, so a batch of hits pays for its cache misses
//! side by side instead of one after another. Every operation that reads the policy's order or
//! removes an entry settles first, so the order every observer sees is exactly the order of
//! applying each hit at once, and a pending entry is never freed.
const std = @import("std");
const assert = std.debug.assert;
const SpinLock = @import("../support/spin_lock.zig").SpinLock;
const Error = @import("../support/status.zig").Error;
const entry_zig = @import("entry.zig");
const Entry = entry_zig.Entry;
const Index = @import("index.zig").Index;
const policy = @import("policy.zig");
const Clock = @import("clock.zig").Clock;
const slabs_zig = @import("slabs.zig");
const Slabs = slabs_zig.Slabs;

const sweep_slots = 8;
/// Hits recorded before they are applied; 32 entries' moves overlap well and fit in L1.
const pending_hits_max = 32;

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
    /// The memory of the shard's entries.
    slabs: Slabs,
    lists: policy.Lists,
    bytes: u64 = 0,
    entries: u64 = 0,
    bytes_max: u64,
    entries_max: u64,
    counters: Counters = .{},
    sweep_position: usize = 0,
    /// Entries with an expiry: the sweep runs only while there are some.
    expiring_entries: u64 = 0,
    pending_hits: [pending_hits_max]*Entry = undefined,
    pending_count: u32 = 0,

    pub fn bounds(shard: *const Shard) policy.Bounds {
        return .{ .bytes = shard.bytes_max, .entries = shard.entries_max };
    }

    /// The live entry of `key`, or null; an expired one is removed on the way.
    pub fn find(shard: *Shard, key: []const u8, hash: u32, clock: *Clock) ?*Entry {
        return shard.lookUp(key, hash, clock, .header);
    }

    /// What a lookup will read of the entry it finds: its header and key, or its value too (then
    /// the whole slot is asked for at once).
    const Reading = enum { header, value };

    fn lookUp(shard: *Shard, key: []const u8, hash: u32, clock: *Clock, reading: Reading) ?*Entry {
        const slabs: ?*const Slabs = if (reading == .value) &shard.slabs else null;
        const entry = shard.index.find(key, hash, slabs) orelse return null;
        if (!clock.passed(entry.expiresAtMs())) return entry;
        shard.settle();
        shard.counters.expired += 1;
        shard.removeEntry(entry, .ttl);
        return null;
    }

    /// A get: the value's length on a hit (copied into `out` when it fits), null on a miss. A peek
    /// changes neither the policy's order nor the counters.
    pub fn get(shard: *Shard, key: []const u8, hash: u32, clock: *Clock, out: []u8, peek: bool) ?usize {
        const found = shard.lookUp(key, hash, clock, if (out.len > 0) .value else .header);
        if (!peek) {
            if (found) |entry| {
                shard.counters.hits += 1;
                shard.deferHit(entry);
            } else shard.counters.misses += 1;
            if (shard.lists.kind == .adaptive) {
                // A climb changes the segments' shares, which the hits before it were applied under.
                if (shard.lists.adaptive.sampleEndsWithNextGet()) shard.settle();
                shard.lists.adaptive.recordGet(found != null, shard.entries);
            }
        }
        const entry = found orelse return null;
        const value = entry.value();
        if (value.len <= out.len) {
            // A slot's lines were asked for by the lookup (Slabs.prefetchSlot); a large entry's
            // value lives in a block of its own.
            if (entry.external()) slabs_zig.prefetchAfterFirstLine(@intFromPtr(value.ptr), value.len);
            @memcpy(out[0..value.len], value);
        }
        return value.len;
    }

    /// A batch of gets' first step for one key: asks for its index line. Changes nothing.
    pub fn prefetchHome(shard: *const Shard, hash: u32) void {
        shard.index.prefetchHome(hash);
    }

    /// A batch's second step, once the index lines are in: asks for the entry the key will most
    /// likely find. Changes nothing; the gets that follow do the work.
    pub fn prefetchCandidate(shard: *const Shard, hash: u32) void {
        shard.index.prefetchCandidate(hash, &shard.slabs);
    }

    fn deferHit(shard: *Shard, entry: *Entry) void {
        if (shard.lists.kind == .fifo) return; // a FIFO hit moves nothing
        if (shard.pending_count == pending_hits_max) shard.settle();
        assert(shard.pending_count < pending_hits_max);
        shard.pending_hits[shard.pending_count] = entry;
        shard.pending_count += 1;
    }

    /// Applies the deferred hits, in order: prefetches every line their moves touch, then moves.
    pub fn settle(shard: *Shard) void {
        const pending = shard.pending_hits[0..shard.pending_count];
        if (pending.len == 0) return;
        const sketch = &shard.lists.adaptive.sketch;
        for (pending) |entry| {
            if (entry.prevEntry()) |prev| @prefetch(prev, .{ .rw = .write });
            if (entry.nextEntry()) |next| @prefetch(next, .{ .rw = .write });
            if (shard.lists.kind == .adaptive) @prefetch(sketch.blockOf(entry.sketchHash()), .{ .rw = .write });
        }
        for (pending) |entry| {
            assert(entry.list < policy.list_count);
            shard.lists.hit(entry, shard.bounds());
            shard.lists.countOperation(shard.entries);
        }
        shard.pending_count = 0;
    }

    /// Stores `fresh` (its key may be present: then it replaces the old entry) and evicts until the
    /// shard fits. Returns false when the new entry itself was evicted (not admitted).
    pub fn set(shard: *Shard, fresh: *Entry, clock: *Clock) Error!bool {
        assert(fresh.chargedBytes() <= shard.bytes_max);
        shard.settle();
        shard.sweep(clock);
        shard.counters.sets += 1;
        if (shard.find(fresh.key(), fresh.index_hash, clock)) |old| {
            shard.index.replace(old, fresh);
            shard.bytes = shard.bytes - old.chargedBytes() + fresh.chargedBytes();
            shard.expiring_entries -= @intFromBool(old.expiresAtMs() != 0);
            shard.lists.update(old, fresh, shard.bounds());
            entry_zig.destroy(&shard.slabs, old);
        } else {
            try shard.index.insert(fresh, shard.slabs.options);
            shard.lists.insert(fresh);
            if (shard.lists.kind == .adaptive) shard.lists.adaptive.sketch.increment(fresh.sketchHash());
            shard.bytes += fresh.chargedBytes();
            shard.entries += 1;
        }
        shard.expiring_entries += @intFromBool(fresh.expiresAtMs() != 0);
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

    pub fn delete(shard: *Shard, key: []const u8, hash: u32, clock: *Clock) bool {
        shard.settle();
        const entry = shard.find(key, hash, clock) orelse return false;
        shard.removeEntry(entry, .explicit);
        return true;
    }

    pub fn clear(shard: *Shard) void {
        shard.settle();
        for (0..policy.list_count) |list| {
            while (shard.lists.lists[list].tail) |entry| shard.removeEntry(entry, .explicit);
        }
        assert(shard.entries == 0 and shard.bytes == 0 and shard.index.count == 0);
        assert(shard.expiring_entries == 0);
        shard.slabs.releaseIfEmpty();
    }

    /// Removes every expired entry; returns how many.
    pub fn purgeStale(shard: *Shard, clock: *Clock) u64 {
        shard.settle();
        var removed: u64 = 0;
        if (shard.expiring_entries == 0) return 0;
        for (0..policy.list_count) |list| {
            var cursor = shard.lists.lists[list].tail;
            while (cursor) |entry| {
                cursor = entry.prevEntry();
                if (!clock.passed(entry.expiresAtMs())) continue;
                shard.counters.expired += 1;
                shard.removeEntry(entry, .ttl);
                removed += 1;
            }
        }
        return removed;
    }

    fn sweep(shard: *Shard, clock: *Clock) void {
        assert(shard.pending_count == 0);
        const slots = shard.index.capacity();
        if (slots == 0 or shard.expiring_entries == 0) return;
        for (0..sweep_slots) |_| {
            shard.sweep_position = (shard.sweep_position + 1) % slots;
            const entry = shard.index.at(shard.sweep_position) orelse continue;
            if (!clock.passed(entry.expiresAtMs())) continue;
            shard.counters.expired += 1;
            shard.removeEntry(entry, .ttl);
        }
    }

    fn removeEntry(shard: *Shard, entry: *Entry, reason: Reason) void {
        assert(shard.pending_count == 0); // a pending hit may name this entry
        assert(shard.entries > 0);
        assert(shard.bytes >= entry.chargedBytes());
        shard.index.remove(entry);
        shard.lists.remove(entry);
        shard.bytes -= entry.chargedBytes();
        shard.entries -= 1;
        shard.expiring_entries -= @intFromBool(entry.expiresAtMs() != 0);
        shard.counters.evictions[@backingInt(reason)] += 1;
        entry_zig.destroy(&shard.slabs, entry);
    }

    /// Native bytes the shard holds: its entries' pages and large entries, its index and its sketch.
    pub fn memoryBytes(shard: *const Shard) u64 {
        const sketch_bytes = shard.lists.adaptive.sketch.counters.len;
        return shard.slabs.memoryBytes() + shard.index.memoryBytes() + sketch_bytes;
    }

    /// The entries in the policy's order: the order `keys()` reports and a dump keeps.
    pub fn eachInOrder(shard: *Shard, context: anytype, comptime visit: fn (@TypeOf(context), *const Entry) void) void {
        shard.settle();
        const order: []const u8 = switch (shard.lists.kind) {
            .lru, .fifo => &.{0},
            .lfu => &.{ 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
            .adaptive => &.{ policy.protected, policy.probation, policy.candidates, policy.window },
        };
        for (order) |list| {
            var cursor = shard.lists.lists[list].head;
            while (cursor) |entry| : (cursor = entry.nextEntry()) visit(context, entry);
        }
    }

    pub fn deinit(shard: *Shard) void {
        shard.clear();
        shard.slabs.deinit();
        shard.index.deinit();
        shard.lists.adaptive.sketch.deinit();
    }
};
