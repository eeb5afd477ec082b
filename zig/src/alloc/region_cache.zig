//! The region cache of the mapped tier and of default huge regions: freed regions stay mapped (and
//! published, in state `cached`) and are handed out again by size, so a warm alloc+free of 64 KiB
//! costs a lock and a few list operations instead of an mmap and a munmap, and a warm 4 MiB one
//! also skips faulting in its hugepages again.
//!
//! Sizes are rounded up to bins of eight steps per power of two (at most 12.5% slack), so a request
//! finds any region of its bin. Within a bin the most recently freed region is reused first (its
//! pages are the likeliest to be resident). A byte budget (OFFHEAP_CACHE_BUDGET) bounds what the
//! cache keeps: the oldest regions are unmapped when it is exceeded. Regions idle for longer than the
//! decay (OFFHEAP_DECAY_MS) give their pages back with MADV_FREE but stay mapped (hugetlb ones are
//! unmapped: MADV_FREE does not apply to them); `trim()` unmaps everything. Purging runs only behind
//! a rate-limited clock check on free, on a miss, or in trim, never on every operation.
//!
//! Every list is guarded by one spin lock. madvise(MADV_FREE) runs under it on purpose: a region
//! must not be handed out while its pages are being freed, or the user's first writes could be lost.
const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const config = @import("../config.zig");
const region_zig = @import("region.zig");
const SpinLock = @import("../support/spin_lock.zig").SpinLock;
const Region = region_zig.Region;

const bin_shift_min: u6 = 14; // requests above 16 KiB
const steps_per_doubling: usize = 8;
pub const bin_bytes_max: usize = 1 << 30;
pub const bin_count: usize = (30 - bin_shift_min) * steps_per_doubling;

pub const Bin = struct { index: u8, bytes: usize };

/// The bin of a mapped-tier request (> 16 KiB), or null if it is too large to cache.
pub fn binOf(size_bytes: usize) ?Bin {
    assert(size_bytes > 1 << bin_shift_min);
    if (size_bytes > bin_bytes_max) return null;
    const shift: u6 = @intCast(63 - @clz(size_bytes - 1)); // 2^shift < size <= 2^(shift+1)
    const step_bytes = @max(@as(usize, 1) << (shift - 3), os.page_size_bytes);
    const rounded = std.mem.alignForward(usize, size_bytes, step_bytes);
    const step = (rounded - (@as(usize, 1) << shift)) / step_bytes;
    assert(step >= 1 and step <= steps_per_doubling);
    const index = (shift - bin_shift_min) * steps_per_doubling + step - 1;
    assert(index < bin_count);
    return .{ .index = @intCast(index), .bytes = rounded };
}

fn List(comptime field: []const u8) type {
    return struct {
        head: ?*Region = null,
        tail: ?*Region = null,

        const Self = @This();

        fn pushBack(list: *Self, region: *Region) void {
            const links = &@field(region, field);
            assert(links.prev == null and links.next == null);
            links.prev = list.tail;
            if (list.tail) |tail| @field(tail, field).next = region else list.head = region;
            list.tail = region;
        }

        fn remove(list: *Self, region: *Region) void {
            const links = &@field(region, field);
            if (links.prev) |prev| @field(prev, field).next = links.next else list.head = links.next;
            if (links.next) |next| @field(next, field).prev = links.prev else list.tail = links.prev;
            links.* = .{};
        }
    };
}

var lock: SpinLock = .{};
/// Tests only: how often the lock was taken, to prove the stash path never takes it.
pub var lock_acquisitions: std.atomic.Value(u64) = .init(0);

fn lockCache() void {
    lock.lock();
    if (builtin.is_test) lock_acquisitions.store(lock_acquisitions.load(.monotonic) + 1, .monotonic);
}
var bins: [bin_count]List("bin_links") = @splat(.{});
/// Cached regions whose pages are still resident, oldest first.
var resident: List("age_links") = .{};
/// Cached regions already purged with MADV_FREE, oldest first.
var purged: List("age_links") = .{};
var last_decay_check_ns: std.atomic.Value(u64) = .init(0);

/// Written only under the lock (plain load and store, no read-modify-write on the hot path); the
/// statistics read them without it.
pub var cached_bytes: std.atomic.Value(u64) = .init(0);
pub var cached_regions: std.atomic.Value(u64) = .init(0);

fn adjust(counter: *std.atomic.Value(u64), delta: i64) void {
    const value: i64 = @intCast(counter.load(.monotonic));
    assert(value + delta >= 0);
    counter.store(@intCast(value + delta), .monotonic);
}
pub var bytes_purged: std.atomic.Value(u64) = .init(0);

fn unlinkLocked(region: *Region) void {
    bins[region.bin.?].remove(region);
    if (region.purged) purged.remove(region) else resident.remove(region);
    adjust(&cached_bytes, -@as(i64, @intCast(region.mapped_bytes)));
    adjust(&cached_regions, -1);
}

/// A cached region of `bin`, now live, or null on a miss.
pub fn take(bin: Bin) ?*Region {
    lockCache();
    const region = bins[bin.index].tail orelse {
        lock.unlock();
        return null;
    };
    unlinkLocked(region);
    lock.unlock();
    assert(region.mapped_bytes == bin.bytes);
    region_zig.revive(region);
    return region;
}

/// Keeps a freed region (state `cached`, owned by the caller). False if the cache will not take it.
pub fn put(region: *Region) bool {
    assert(region.bin != null);
    const budget_bytes = config.get().cache_budget_bytes;
    if (region.mapped_bytes > budget_bytes) return false;
    const now_ns = os.coarseNs();
    region.cached_at_ns = now_ns;
    region.purged = false;
    lockCache();
    bins[region.bin.?].pushBack(region);
    resident.pushBack(region);
    adjust(&cached_regions, 1);
    adjust(&cached_bytes, @intCast(region.mapped_bytes));
    const total = cached_bytes.load(.monotonic);
    lock.unlock();
    if (total > budget_bytes) evictOver(budget_bytes);
    maybeDecay(now_ns);
    return true;
}

/// Unmaps the oldest regions (purged ones first) until the cache holds at most `budget_bytes`.
fn evictOver(budget_bytes: u64) void {
    // Each round removes one region, so the loop ends once the cache is within budget or empty.
    while (true) {
        lockCache();
        if (cached_bytes.load(.monotonic) <= budget_bytes) break;
        const victim = purged.head orelse resident.head orelse break;
        unlinkLocked(victim);
        lock.unlock();
        _ = bytes_purged.fetchAdd(if (victim.purged) 0 else victim.mapped_bytes, .monotonic);
        region_zig.kill(victim);
        region_zig.destroy(victim);
    }
    lock.unlock();
}

/// Purges idle regions if a quarter of the decay has passed since the last look. Cheap otherwise:
/// one load and a compare.
pub fn maybeDecay(now_ns: u64) void {
    const decay_ns = config.get().decay_ms * os.ns_per_ms;
    const last = last_decay_check_ns.load(.monotonic);
    if (now_ns -% last < decay_ns / 4 and now_ns >= last) return;
    if (last_decay_check_ns.cmpxchgStrong(last, now_ns, .monotonic, .monotonic) != null) return;
    _ = purgeIdle(now_ns, decay_ns);
}

/// Gives back the pages of every resident region cached at least `idle_ns` before `now_ns`: MADV_FREE
/// keeps the mapping for reuse; hugetlb regions, which MADV_FREE cannot purge and whose pages are a
/// reserved pool other mappings may need, are unmapped instead. Returns bytes given back.
fn purgeIdle(now_ns: u64, idle_ns: u64) u64 {
    var purged_bytes: u64 = 0;
    var doomed: ?*Region = null; // idle hugetlb regions, unlinked, chained through bin_links.next
    lockCache();
    // Bounded by the number of resident regions: each round takes one off `resident`.
    while (resident.head) |region| {
        if (now_ns -% region.cached_at_ns < idle_ns and now_ns >= region.cached_at_ns) break;
        purged_bytes += region.mapped_bytes;
        if (region.backing.isHugetlb()) {
            unlinkLocked(region);
            region.bin_links.next = doomed;
            doomed = region;
            continue;
        }
        resident.remove(region);
        os.advise(@ptrFromInt(region.base), region.mapped_bytes, .free) catch {};
        region.purged = true;
        purged.pushBack(region);
    }
    lock.unlock();
    while (doomed) |region| {
        doomed = region.bin_links.next;
        region.bin_links.next = null;
        region_zig.kill(region);
        region_zig.destroy(region);
    }
    _ = bytes_purged.fetchAdd(purged_bytes, .monotonic);
    return purged_bytes;
}

/// Unmaps every cached region. Returns the bytes given back to the OS.
pub fn trim() u64 {
    var released_bytes: u64 = 0;
    // Each round removes one region; the cache only shrinks while no thread frees concurrently.
    for (0..1 << 24) |_| {
        lockCache();
        const victim = purged.head orelse resident.head orelse {
            lock.unlock();
            break;
        };
        unlinkLocked(victim);
        lock.unlock();
        if (!victim.purged) _ = bytes_purged.fetchAdd(victim.mapped_bytes, .monotonic);
        released_bytes += victim.mapped_bytes;
        region_zig.kill(victim);
        region_zig.destroy(victim);
    }
    return released_bytes;
}

test "bins round up by at most an eighth and index uniquely" {
    var previous: ?Bin = null;
    var size: usize = (16 << 10) + 1;
    while (size <= 4 << 20) : (size += 4096) {
        const bin = binOf(size).?;
        try std.testing.expect(bin.bytes >= size);
        try std.testing.expect(bin.bytes - size <= size / 8 + os.page_size_bytes);
        try std.testing.expectEqual(@as(usize, 0), bin.bytes % os.page_size_bytes);
        if (previous) |earlier| try std.testing.expect(bin.index >= earlier.index and (bin.index != earlier.index or bin.bytes == earlier.bytes));
        previous = bin;
    }
    try std.testing.expectEqual(@as(usize, 20 << 10), binOf(20 << 10).?.bytes);
    try std.testing.expectEqual(@as(usize, 2 << 20), binOf(2 << 20).?.bytes);
    try std.testing.expect(binOf(bin_bytes_max + 1) == null);
    try std.testing.expect(binOf(bin_bytes_max).?.index == bin_count - 1);
}

test "a freed region comes back from the cache without a new mapping" {
    const bin = binOf(64 << 10).?;
    const region = try region_zig.create(bin.bytes, .{ .tier = .mapped, .bin = bin });
    try std.testing.expect(try region_zig.markFreed(region));
    region_zig.release(region);
    const maps_before = os.map_calls.load(.monotonic);
    const again = take(bin).?;
    try std.testing.expectEqual(region, again);
    try std.testing.expectEqual(maps_before, os.map_calls.load(.monotonic));
    try std.testing.expect(try region_zig.markFreed(again));
    region_zig.release(again);
    try std.testing.expect(trim() >= bin.bytes);
    try std.testing.expect(take(bin) == null);
}

