//! Regions: allocations that get a mapping of their own (the mapped tier, 16 KiB - 2 MiB, and the
//! huge tier above). Each region starts on a 4 MiB chunk boundary so that it owns its segment-map
//! entries outright, and its descriptor lives out of band, so the user's memory starts exactly at
//! the mapping (page-aligned, and chunk-aligned for hugepages).
//!
//! A region's life is one atomic word: a state in the top two bits and a pin count below.
//!   live    handed out to the user; JavaScript views may pin it.
//!   cached  freed; owned by the freeing thread or sitting in the region cache. Still mapped and
//!           still published, so a second free finds it and reports DoubleFree.
//!   zombie  freed while pinned by a view (possibly in another Worker): stays mapped and published
//!           until the last unpin, which releases it.
//!   dead    leaving: about to be unpublished and unmapped; the descriptor is then recycled.
//!
//! Descriptors come from a small slab guarded by a spin lock: every path through here already costs
//! an mmap or munmap, which dwarfs the lock. Descriptors are never unmapped, so a racing reader that
//! loaded a stale segment-map entry touches recycled metadata, never unmapped memory.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const huge = @import("huge.zig");
const segment_map = @import("segment_map.zig");
const stats = @import("../stats/counters.zig");
const region_cache = @import("region_cache.zig");
const SpinLock = @import("../support/spin_lock.zig").SpinLock;
const Error = @import("../support/status.zig").Error;

pub const State = enum(u2) { live = 0, cached = 1, zombie = 2, dead = 3 };

const state_shift: u5 = 30;
const pins_mask: u32 = (1 << state_shift) - 1;

fn word(state: State, pins: u32) u32 {
    assert(pins <= pins_mask);
    return (@as(u32, @backingInt(state)) << state_shift) | pins;
}

fn stateOf(value: u32) State {
    return @fromBackingInt(@as(u2, @intCast(value >> state_shift)));
}

/// Intrusive links for the region cache's lists (see region_cache.zig).
pub const Links = struct { prev: ?*Region = null, next: ?*Region = null };

pub const Region = struct {
    base: usize,
    /// Bytes mapped (a multiple of the page size); what `usableSize` reports.
    mapped_bytes: usize,
    tier: stats.Tier,
    backing: huge.Backing,
    /// The region cache bin this region returns to when freed, or null if it is unmapped instead
    /// (huge regions, and regions with an explicit NUMA placement).
    bin: ?u8,
    /// Whether the user gave madvise advice that must be undone before the region is reused.
    advised: bool,
    /// The node the region's bytes are counted on in the statistics; -1 for interleaved.
    node: i32,
    lifecycle: std.atomic.Value(u32),
    /// The address of the thread heap that last handed the region out (0 until then). A free from
    /// that heap's thread may keep the region in its stash (region_stash.zig); others may not.
    owner_heap: usize = 0,
    /// Cache bookkeeping, guarded by the cache lock.
    cached_at_ns: u64 = 0,
    purged: bool = false,
    bin_links: Links = .{},
    age_links: Links = .{},
    next_free: ?*Region = null,

    /// Views currently pinning the region (in any thread).
    pub fn pinCount(region: *const Region) u32 {
        return region.lifecycle.load(.acquire) & pins_mask;
    }

    pub fn state(region: *const Region) State {
        return stateOf(region.lifecycle.load(.acquire));
    }

    pub fn mapping(region: *const Region) huge.Mapping {
        return .{ .base = region.base, .mapped_bytes = region.mapped_bytes, .backing = region.backing };
    }
};

const slab_bytes: usize = 64 * 1024;
var descriptors_lock: SpinLock = .{};
var free_descriptors: ?*Region = null;

fn newDescriptor() os.MapError!*Region {
    descriptors_lock.lock();
    defer descriptors_lock.unlock();
    if (free_descriptors == null) {
        const slab: [*]Region = @ptrCast(try os.map(slab_bytes, .{}));
        for (slab[0 .. slab_bytes / @sizeOf(Region)]) |*descriptor| {
            descriptor.next_free = free_descriptors;
            free_descriptors = descriptor;
        }
    }
    const descriptor = free_descriptors.?;
    free_descriptors = descriptor.next_free;
    return descriptor;
}

fn dropDescriptor(descriptor: *Region) void {
    descriptors_lock.lock();
    defer descriptors_lock.unlock();
    descriptor.next_free = free_descriptors;
    free_descriptors = descriptor;
}

/// How to map a new region.
pub const Spec = struct {
    tier: stats.Tier,
    /// A cache bin (the size is the bin's size; heap.zig decides which requests get one). Null maps
    /// exactly, and the region is unmapped at free.
    bin: ?region_cache.Bin = null,
    huge_mode: huge.Mode = .auto,
    collapse: bool = false,
    node: i32 = -1,
};

fn mapFor(size_bytes: usize, spec: Spec) Error!huge.Mapping {
    if (spec.tier == .huge) {
        // A cached huge region must fit every request of its bin (bins of whole 2 MiB pages).
        const mapping = try huge.map(if (spec.bin) |bin| bin.bytes else size_bytes, spec.huge_mode, spec.collapse);
        if (spec.bin) |bin| assert(mapping.mapped_bytes == bin.bytes);
        return mapping;
    }
    const len_bytes = if (spec.bin) |bin| bin.bytes else std.mem.alignForward(usize, size_bytes, os.page_size_bytes);
    assert(len_bytes >= size_bytes);
    const memory = try os.mapAligned(len_bytes, segment_map.chunk_bytes, .{});
    return .{ .base = @intFromPtr(memory), .mapped_bytes = len_bytes, .backing = .small_pages };
}

/// Maps a region of at least `size_bytes`, chunk-aligned, and publishes it in state `live`.
pub fn create(size_bytes: usize, spec: Spec) Error!*Region {
    assert(size_bytes > 0);
    assert(spec.tier == .mapped or spec.tier == .huge);
    const mapped = try mapFor(size_bytes, spec);
    const descriptor = newDescriptor() catch |err| {
        huge.unmap(mapped);
        return err;
    };
    descriptor.* = .{
        .base = mapped.base,
        .mapped_bytes = mapped.mapped_bytes,
        .tier = spec.tier,
        .backing = mapped.backing,
        .bin = if (spec.bin) |bin| bin.index else null,
        .advised = false,
        .node = spec.node,
        .lifecycle = .init(word(.live, 0)),
    };
    segment_map.publish(descriptor.base, mapped.mapped_bytes, segment_map.encode(.region, @intFromPtr(descriptor))) catch |err| {
        dropDescriptor(descriptor);
        huge.unmap(mapped);
        return err;
    };
    stats.regionMapped(spec.tier, spec.node, @intCast(mapped.mapped_bytes));
    return descriptor;
}

/// Unpublishes and unmaps a region in state `dead`, then recycles its descriptor.
pub fn destroy(region: *Region) void {
    assert(region.state() == .dead);
    const mapped = region.mapping();
    stats.regionUnmapped(region.tier, region.node, @intCast(mapped.mapped_bytes));
    segment_map.retract(mapped.base, mapped.mapped_bytes);
    huge.unmap(mapped);
    dropDescriptor(region);
}

/// The region `address` starts, or the precise reason it is not one.
pub fn locate(descriptor: *Region, address: usize) Error!*Region {
    if (address != descriptor.base) return error.InteriorPointer;
    if (descriptor.state() != .live) return error.DoubleFree;
    return descriptor;
}

/// Marks a live region freed. Exactly one of two racing frees wins; the other gets DoubleFree.
/// Returns true when the caller must now `release` it (no pins), false when the last unpin will.
pub fn markFreed(region: *Region) Error!bool {
    var current = region.lifecycle.load(.acquire);
    for (0..1 << 20) |_| {
        if (stateOf(current) != .live) return error.DoubleFree;
        const pins = current & pins_mask;
        const next = if (pins == 0) word(.cached, 0) else word(.zombie, pins);
        // live -> cached (no pins) or live -> zombie (pins kept): the pin count never changes here.
        assert(next & pins_mask == pins);
        current = region.lifecycle.cmpxchgWeak(current, next, .acq_rel, .acquire) orelse return pins == 0;
    }
    unreachable; // A CAS loop only fails while other threads keep changing the word; 2^20 is not reachable.
}

/// Takes one pin on a live region: its memory stays mapped until the matching `unpin`.
pub fn pin(region: *Region) Error!void {
    var current = region.lifecycle.load(.acquire);
    for (0..1 << 20) |_| {
        if (stateOf(current) != .live) return error.DoubleFree;
        if (current & pins_mask == pins_mask) return error.OutOfMemory;
        assert(stateOf(current + 1) == .live); // the count cannot carry into the state bits
        current = region.lifecycle.cmpxchgWeak(current, current + 1, .acq_rel, .acquire) orelse return;
    }
    unreachable;
}

/// Drops one pin. Returns true when this was the last pin of a freed region: the caller releases it.
pub fn unpin(region: *Region) Error!bool {
    var current = region.lifecycle.load(.acquire);
    for (0..1 << 20) |_| {
        const state = stateOf(current);
        const pins = current & pins_mask;
        if (pins == 0 or (state != .live and state != .zombie)) return error.InvalidArgument;
        const last = state == .zombie and pins == 1;
        const next = if (last) word(.cached, 0) else current - 1;
        // live -> live and zombie -> zombie lose one pin; only a zombie's last unpin moves it on.
        assert(stateOf(next) == (if (last) State.cached else state));
        current = region.lifecycle.cmpxchgWeak(current, next, .acq_rel, .acquire) orelse return last;
    }
    unreachable;
}

/// Returns a freed, unpinned region (state `cached`, owned by the caller) to the cache, or unmaps it.
pub fn release(region: *Region) void {
    assert(region.state() == .cached);
    resetAdvice(region);
    if (region.bin != null and region_cache.put(region)) return;
    region.lifecycle.store(word(.dead, 0), .release);
    destroy(region);
}

/// Undoes the user's madvise advice on a freed region before it can be handed out again.
pub fn resetAdvice(region: *Region) void {
    assert(region.state() == .cached);
    if (region.advised) {
        os.advise(@ptrFromInt(region.base), region.mapped_bytes, .normal) catch {};
        region.advised = false;
    }
    assert(!region.advised);
}

/// Turns a region the cache hands back into a live one. Nobody else can change a cached region's
/// word (frees and pins only act on live ones), so a plain store suffices.
pub fn revive(region: *Region) void {
    assert(region.lifecycle.load(.monotonic) == word(.cached, 0));
    region.lifecycle.store(word(.live, 0), .release);
}

/// Marks a region leaving the cache for the OS.
pub fn kill(region: *Region) void {
    const previous = region.lifecycle.swap(word(.dead, 0), .acq_rel);
    assert(previous == word(.cached, 0));
}

test "a region is chunk-aligned, published, and gone after destroy" {
    const region = try create(100 * 1024, .{ .tier = .mapped });
    try std.testing.expect(region.base % segment_map.chunk_bytes == 0);
    try std.testing.expectEqual(@as(usize, 100 * 1024), region.mapped_bytes);
    try std.testing.expectEqual(segment_map.Kind.region, segment_map.lookup(region.base + 5000).kind);
    try std.testing.expectError(error.InteriorPointer, locate(region, region.base + 16));
    const base = region.base;
    try std.testing.expect(try markFreed(region));
    try std.testing.expectError(error.DoubleFree, markFreed(region));
    release(region);
    try std.testing.expectEqual(segment_map.Kind.none, segment_map.lookup(base).kind);
}

test "a pinned region survives its free until the last unpin" {
    const region = try create(64 * 1024, .{ .tier = .mapped });
    const base = region.base;
    try pin(region);
    try pin(region);
    try std.testing.expect(!try markFreed(region));
    try std.testing.expectEqual(State.zombie, region.state());
    try std.testing.expectError(error.DoubleFree, markFreed(region));
    try std.testing.expectError(error.DoubleFree, pin(region));
    const bytes: [*]u8 = @ptrFromInt(base);
    bytes[0] = 7; // still mapped
    try std.testing.expect(!try unpin(region));
    try std.testing.expect(try unpin(region));
    release(region);
    try std.testing.expectEqual(segment_map.Kind.none, segment_map.lookup(base).kind);
}
