//! A per-thread stash of freed mapped-tier regions, in front of the global region cache. The global
//! cache is one list behind a spin lock; two threads doing alloc+free of 32 KiB spent all their time
//! on that lock. A thread heap now keeps a few of the regions it freed itself and hands them out
//! again with no lock and no atomic read-modify-write: only the heap's holder touches its stash.
//!
//! Bounds (per heap): at most `regions_per_bin_max` (16) regions per bin, and at most
//! `bytesMax()` = min(8 MiB, cache budget / 8) bytes in total, so a small OFFHEAP_CACHE_BUDGET
//! shrinks the stashes too. What does not fit goes to the global cache as before. The memory kept
//! outside the budget is therefore at most 8 MiB per thread heap that holds a stash.
//!
//! Hugetlb regions are never stashed: the global cache unmaps them once idle, and a stash would
//! keep their reserved pages until the thread's heap is collected.
//!
//! A stashed region is in state `cached` (a second free reports DoubleFree, a pin is refused), its
//! madvise advice is already undone, and it is linked LIFO through `bin_links.next` (a region is in
//! exactly one place: live, a stash, or the global cache). Stashed regions are not decayed; the
//! stash is flushed to the global cache by `trim()` (the caller's own), and whenever the heap is
//! collected: on abandonment at thread exit, on adoption, and when `trim()` collects an unowned heap.
const std = @import("std");
const assert = std.debug.assert;
const config = @import("../config.zig");
const stats = @import("../stats/counters.zig");
const region_zig = @import("region.zig");
const region_cache = @import("region_cache.zig");
const Region = region_zig.Region;

/// With 4, a Worker churning mixed sizes often found its bin empty (on alloc) or full (on free) and
/// went to the global cache's lock: two such Workers scaled 1.79x in Bun; with 16 they scale 1.97x
/// (bench `workers`, mixed). The byte bound below is what bounds the memory.
pub const regions_per_bin_max: u8 = 16;
pub const bytes_max_cap: usize = 8 << 20;

/// The stash's byte bound under the current configuration.
pub fn bytesMax() usize {
    const budget_bytes: usize = @intCast(@min(config.get().cache_budget_bytes, std.math.maxInt(usize)));
    return @min(bytes_max_cap, budget_bytes / 8);
}

pub const Stash = struct {
    heads: [region_cache.bin_count]?*Region = @splat(null),
    counts: [region_cache.bin_count]u8 = @splat(0),
    bytes: usize = 0,
    regions: u32 = 0,

    /// Keeps a region this heap freed (state `cached`, unpinned, owned by the caller). False when it
    /// does not fit the bounds: the caller releases it to the global cache instead.
    pub fn put(stash: *Stash, region: *Region, counters: *stats.Counters) bool {
        const bin = region.bin orelse return false;
        assert(region.state() == .cached);
        // Hugetlb pages are a scarce reserved pool: keep them where the decay can give them back.
        if (region.backing.isHugetlb()) return false;
        assert(region.bin_links.prev == null and region.bin_links.next == null);
        if (stash.counts[bin] >= regions_per_bin_max) return false;
        if (stash.bytes + region.mapped_bytes > bytesMax()) return false;
        region_zig.resetAdvice(region);
        region.bin_links.next = stash.heads[bin];
        stash.heads[bin] = region;
        stash.counts[bin] += 1;
        stash.bytes += region.mapped_bytes;
        stash.regions += 1;
        stash.publish(counters);
        assert(stash.counts[bin] <= regions_per_bin_max);
        return true;
    }

    /// The most recently stashed region of `bin`, now live, or null.
    pub fn take(stash: *Stash, bin: region_cache.Bin, counters: *stats.Counters) ?*Region {
        const region = stash.heads[bin.index] orelse return null;
        assert(stash.counts[bin.index] > 0);
        assert(region.mapped_bytes == bin.bytes);
        stash.unlink(region);
        stash.publish(counters);
        counters.stash_hits.add(1);
        region_zig.revive(region);
        return region;
    }

    fn unlink(stash: *Stash, region: *Region) void {
        const bin = region.bin.?;
        assert(stash.heads[bin] == region);
        stash.heads[bin] = region.bin_links.next;
        region.bin_links = .{};
        stash.counts[bin] -= 1;
        stash.bytes -= region.mapped_bytes;
        stash.regions -= 1;
    }

    /// Hands every stashed region to the global cache (or the OS, past the budget). Returns the
    /// number of regions flushed. Holder-only.
    pub fn flush(stash: *Stash, counters: *stats.Counters) u32 {
        var flushed: u32 = 0;
        for (&stash.heads) |*head| {
            // Each round removes one region, and a bin holds at most `regions_per_bin_max`.
            while (head.*) |region| : (flushed += 1) {
                assert(stash.regions > 0);
                assert(flushed < @as(u32, regions_per_bin_max) * region_cache.bin_count);
                stash.unlink(region);
                region_zig.release(region);
            }
        }
        assert(stash.regions == 0);
        assert(stash.bytes == 0);
        stash.publish(counters);
        return flushed;
    }

    /// Mirrors the stash's size into the heap's counters, which `offheap_stats` reads.
    fn publish(stash: *const Stash, counters: *stats.Counters) void {
        counters.stashed_bytes.set(stash.bytes);
        counters.stashed_regions.set(stash.regions);
    }
};

fn newRegion(size_bytes: usize) !*Region {
    const bin = region_cache.binOf(size_bytes).?;
    return region_zig.create(bin.bytes, .{ .tier = .mapped, .bin = bin });
}

fn freed(region: *Region) !*Region {
    try std.testing.expect(try region_zig.markFreed(region));
    return region;
}

test "a stashed region comes back LIFO with no cache lock, and a second free is DoubleFree" {
    var stash: Stash = .{};
    var counters: stats.Counters = .{};
    const bin = region_cache.binOf(32 << 10).?;
    const a = try newRegion(32 << 10);
    const b = try newRegion(32 << 10);
    const locks_before = region_cache.lock_acquisitions.load(.monotonic);
    try std.testing.expect(stash.put(try freed(a), &counters));
    try std.testing.expect(stash.put(try freed(b), &counters));
    try std.testing.expectEqual(@as(u64, 2), counters.stashed_regions.read());
    try std.testing.expectError(error.DoubleFree, region_zig.markFreed(a));
    try std.testing.expectError(error.DoubleFree, region_zig.pin(b));
    try std.testing.expectError(error.DoubleFree, region_zig.locate(a, a.base));
    try std.testing.expectEqual(b, stash.take(bin, &counters).?);
    try std.testing.expectEqual(a, stash.take(bin, &counters).?);
    try std.testing.expect(stash.take(bin, &counters) == null);
    try std.testing.expectEqual(locks_before, region_cache.lock_acquisitions.load(.monotonic));
    try std.testing.expectEqual(@as(u64, 2), counters.stash_hits.read());
    try std.testing.expectEqual(region_zig.State.live, a.state());
    try std.testing.expect(stash.put(try freed(a), &counters));
    try std.testing.expect(stash.put(try freed(b), &counters));
    try std.testing.expectEqual(@as(u32, 2), stash.flush(&counters));
    try std.testing.expectEqual(@as(u64, 0), counters.stashed_bytes.read());
    _ = region_cache.trim();
}

test "the stash keeps at most regions_per_bin_max regions per bin and its byte bound in total" {
    var stash: Stash = .{};
    var counters: stats.Counters = .{};
    var regions: [regions_per_bin_max + 1]*Region = undefined;
    for (&regions) |*region| region.* = try newRegion(64 << 10);
    for (regions[0..regions_per_bin_max]) |region| try std.testing.expect(stash.put(try freed(region), &counters));
    const one_more = try freed(regions[regions_per_bin_max]);
    try std.testing.expect(!stash.put(one_more, &counters));
    region_zig.release(one_more);
    try std.testing.expectEqual(@as(u32, regions_per_bin_max), stash.regions);
    // 2 MiB regions: the byte bound (8 MiB by default) stops the stash before the bin does.
    var big: [regions_per_bin_max]*Region = undefined;
    var stashed_big: usize = 0;
    for (&big) |*region| {
        region.* = try freed(try newRegion(2 << 20));
        if (stash.put(region.*, &counters)) stashed_big += 1 else region_zig.release(region.*);
    }
    try std.testing.expect(stashed_big < regions_per_bin_max);
    try std.testing.expect(stash.bytes <= bytesMax());
    try std.testing.expectEqual(@as(u32, regions_per_bin_max + @as(u32, @intCast(stashed_big))), stash.flush(&counters));
    _ = region_cache.trim();
}
