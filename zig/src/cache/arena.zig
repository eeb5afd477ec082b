//! The address space of every cache's entries: one reservation of 32 GiB, handed out to the
//! shards' slabs in 2 MiB chunks. Why one range: an entry is then named by a 32-bit reference (its
//! offset in 8-byte units), so an index slot and each of an entry's two list links take 4 bytes
//! instead of 8. That is most of what keeps a cache entry's metadata under 48 bytes.
//!
//! The reservation is readable and writable but MAP_NORESERVE, so only the pages entries touch are
//! ever backed. A chunk a shard gives back is renewed in place (fresh zero pages, its hugepage
//! advice and NUMA policy forgotten) and kept for the next shard that needs one. All the caches of
//! a process together hold at most `reservation_bytes` of entries; the reservation is made when the
//! first cache is created, and a process that cannot reserve it gets OutOfMemory there.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const SpinLock = @import("../support/spin_lock.zig").SpinLock;
const Error = @import("../support/status.zig").Error;

pub const chunk_bytes: usize = 2 * 1024 * 1024;
pub const reservation_bytes: usize = 32 * 1024 * 1024 * 1024;
/// References count 8-byte units from the reservation's start; every entry is 8-byte aligned.
pub const reference_unit_bytes: usize = 8;
const chunk_count_max = reservation_bytes / chunk_bytes;

comptime {
    assert(reservation_bytes / reference_unit_bytes <= std.math.maxInt(u32) + 1);
    assert(reservation_bytes % chunk_bytes == 0);
}

/// An entry's name: its offset from the reservation's start in 8-byte units; 0 is no entry (the
/// first bytes of every chunk are its header, never an entry).
pub const Ref = u32;
pub const none: Ref = 0;

var lock: SpinLock = .{};
/// The reservation's start, 0 until the first cache is created; never changes after that.
var base: std.atomic.Value(usize) = .init(0);
/// Chunks handed out so far from the reservation's start (the bump), and chunks given back.
var chunks_carved: usize = 0;
var chunks_free: [chunk_count_max]u32 = undefined;
var chunks_free_count: usize = 0;

/// Makes the reservation if it is not made yet. Called by every cache's creation.
pub fn reserve() Error!void {
    if (base.load(.acquire) != 0) return;
    lock.lock();
    defer lock.unlock();
    if (base.load(.monotonic) != 0) return;
    // Address space only where the OS tells the two apart (Windows): each chunk is committed when
    // a shard takes it.
    const memory = os.mapAligned(reservation_bytes, chunk_bytes, .{ .no_reserve = true, .reserve_only = true }) catch return error.OutOfMemory;
    assert(@intFromPtr(memory) % chunk_bytes == 0);
    base.store(@intFromPtr(memory), .release);
}

/// A chunk for a shard's slabs: fresh zero pages, 2 MiB-aligned, inside the reservation.
pub fn acquireChunk() Error![*]align(chunk_bytes) u8 {
    const start = base.load(.acquire);
    assert(start != 0); // reserve() ran when the cache was created
    lock.lock();
    defer lock.unlock();
    const index: usize = if (chunks_free_count > 0) blk: {
        chunks_free_count -= 1;
        break :blk chunks_free[chunks_free_count];
    } else blk: {
        if (chunks_carved == chunk_count_max) return error.OutOfMemory;
        chunks_carved += 1;
        break :blk chunks_carved - 1;
    };
    assert(index < chunks_carved);
    const chunk: [*]align(chunk_bytes) u8 = @ptrFromInt(start + index * chunk_bytes);
    // Commits nothing but on Windows; a chunk that cannot be committed goes back to the free list.
    os.commit(chunk, chunk_bytes) catch {
        chunks_free[chunks_free_count] = @intCast(index);
        chunks_free_count += 1;
        return error.OutOfMemory;
    };
    return chunk;
}

/// Gives a chunk back: its pages return to the OS now, and its address to the next `acquireChunk`.
pub fn releaseChunk(chunk: [*]align(chunk_bytes) u8) void {
    const start = base.load(.acquire);
    const address = @intFromPtr(chunk);
    assert(address >= start and address < start + reservation_bytes);
    // Renewing cannot fail for a range of a mapping we own short of the kernel running out of
    // memory for its own bookkeeping; then the chunk keeps its pages, which is only a waste.
    os.renew(@alignCast(chunk), chunk_bytes, .{ .no_reserve = true }) catch {};
    lock.lock();
    defer lock.unlock();
    assert(chunks_free_count < chunks_carved);
    chunks_free[chunks_free_count] = @intCast((address - start) / chunk_bytes);
    chunks_free_count += 1;
}

/// The reference of the entry at `address`.
pub inline fn refOf(address: usize) Ref {
    const start = base.raw;
    assert(address > start and address < start + reservation_bytes);
    assert(address % reference_unit_bytes == 0);
    return @intCast((address - start) / reference_unit_bytes);
}

/// The address of the entry `ref` names.
pub inline fn addressOf(ref: Ref) usize {
    assert(ref != none);
    return base.raw + @as(usize, ref) * reference_unit_bytes;
}

/// Bytes of chunks handed out and not given back (for tests).
pub fn chunksInUse() usize {
    lock.lock();
    defer lock.unlock();
    return chunks_carved - chunks_free_count;
}

test "chunks come from one reservation, are reused, and references round-trip" {
    try reserve();
    const in_use = chunksInUse();
    const first = try acquireChunk();
    const second = try acquireChunk();
    try std.testing.expect(first != second);
    try std.testing.expectEqual(@as(usize, 0), @intFromPtr(first) % chunk_bytes);
    first[100] = 7;
    const address = @intFromPtr(second) + 64;
    try std.testing.expectEqual(address, addressOf(refOf(address)));
    releaseChunk(first);
    const again = try acquireChunk();
    try std.testing.expectEqual(first, again);
    try std.testing.expectEqual(@as(u8, 0), again[100]); // renewed: fresh zero pages
    releaseChunk(again);
    releaseChunk(second);
    try std.testing.expectEqual(in_use, chunksInUse());
}
