//! Thread tests of the allocator, in the spirit of mimalloc's test/test-stress.c: threads allocate
//! random sizes across every tier, free, and swap blocks through shared transfer slots, so most
//! frees of a swapped block are remote frees. Every block carries a pattern derived from its
//! address and size, checked before it is freed. Threads are spawned and joined in rounds while the
//! slots keep their blocks, so each round frees into the heaps of threads that have ended, and each
//! new thread must adopt an abandoned heap instead of mapping a new one.
const std = @import("std");
const assert = std.debug.assert;
const heap = @import("heap.zig");
const thread_heap = @import("thread_heap.zig");
const stats_fields = @import("../stats/fields.zig");

const thread_count = 8;
const slot_count = 1000;
const local_count = 500;

const Shared = struct {
    slots: [slot_count]std.atomic.Value(usize) = @splat(.init(0)),
    corrupt_blocks: std.atomic.Value(u32) = .init(0),
    failed_calls: std.atomic.Value(u32) = .init(0),
};

const Random = struct {
    state: u64,

    fn next(random: *Random) u64 {
        random.state ^= random.state << 13;
        random.state ^= random.state >> 7;
        random.state ^= random.state << 17;
        return random.state;
    }

    fn below(random: *Random, bound: u64) u64 {
        assert(bound > 0);
        return random.next() % bound;
    }
};

/// Mostly small, 1% a hundred times larger (medium and mapped), one in 20000 huge.
fn randomSize(random: *Random) usize {
    const base = 16 + random.below(1008);
    const roll = random.below(20_000);
    if (roll == 0) return (3 << 20) + random.below(1 << 20);
    if (roll < 200) return base * 100;
    return base;
}

fn word(address: usize, size_bytes: usize, index: usize) u64 {
    return (address *% 0x9E3779B97F4A7C15) ^ (size_bytes << 20) ^ index;
}

/// Word 0 holds the size; the others the pattern. Large blocks are patterned at both ends only,
/// which keeps the test about the allocator rather than memset bandwidth.
fn fill(address: usize, size_bytes: usize) void {
    const words: [*]u64 = @ptrFromInt(address);
    const count = size_bytes / 8;
    words[0] = size_bytes;
    for (1..count) |index| {
        if (index == 512 and count > 1024) {
            for (count - 512..count) |tail| words[tail] = word(address, size_bytes, tail);
            return;
        }
        words[index] = word(address, size_bytes, index);
    }
}

fn intact(address: usize) bool {
    const words: [*]const u64 = @ptrFromInt(address);
    const size_bytes = words[0];
    if (size_bytes < 16 or size_bytes > 8 << 20) return false;
    const count = size_bytes / 8;
    for (1..count) |index| {
        if (index >= 512 and index < count - 512 and count > 1024) continue;
        if (words[index] != word(address, size_bytes, index)) return false;
    }
    return true;
}

fn release(shared: *Shared, address: usize) void {
    if (address == 0) return;
    if (!intact(address)) _ = shared.corrupt_blocks.fetchAdd(1, .monotonic);
    _ = heap.free(address) catch {
        _ = shared.failed_calls.fetchAdd(1, .monotonic);
    };
}

fn stress(shared: *Shared, seed: u64, ops: usize) void {
    var random: Random = .{ .state = seed | 1 };
    var local: [local_count]usize = @splat(0);
    for (0..ops) |_| {
        const index = random.below(local_count);
        const roll = random.below(100);
        if (roll < 50) {
            release(shared, local[index]);
            const size_bytes = randomSize(&random);
            local[index] = heap.alloc(.{ .size_bytes = size_bytes, .alignment_bytes = 16 }) catch blk: {
                _ = shared.failed_calls.fetchAdd(1, .monotonic);
                break :blk 0;
            };
            if (local[index] != 0) fill(local[index], size_bytes);
        } else if (roll < 85) {
            release(shared, local[index]);
            local[index] = 0;
        } else {
            const slot = &shared.slots[random.below(slot_count)];
            local[index] = slot.swap(local[index], .acq_rel);
            if (local[index] != 0 and !intact(local[index])) _ = shared.corrupt_blocks.fetchAdd(1, .monotonic);
        }
    }
    for (local) |address| release(shared, address);
}

fn runRounds(shared: *Shared, rounds: usize, ops: usize) !void {
    for (0..rounds) |round| {
        var threads: [thread_count]std.Thread = undefined;
        for (&threads, 0..) |*thread, index| {
            thread.* = try std.Thread.spawn(.{}, stress, .{ shared, round * 1000 + index + 1, ops });
        }
        for (threads) |thread| thread.join();
    }
}

fn liveBlocks() i64 {
    const merged = stats_fields.Merged.ofAllHeaps();
    var live: i64 = 0;
    for (merged.tiers) |tier| live += @as(i64, @intCast(tier.allocs)) - @as(i64, @intCast(tier.frees));
    return live;
}

fn drainSlots(shared: *Shared) void {
    for (&shared.slots) |*slot| release(shared, slot.swap(0, .acq_rel));
}

/// Four rounds of 8 threads x 250k ops: 8M operations, the 8 x 1M of the issue spread over rounds
/// so that adoption is exercised, and the default `zig build test` stays short.
const ops_per_thread = 250_000;

test "8 threads in rounds: remote frees, swaps and adopted heaps keep every block intact" {
    const live_before = liveBlocks();
    const heaps_before = thread_heap.census().heaps;
    const shared = try std.testing.allocator.create(Shared);
    defer std.testing.allocator.destroy(shared);
    shared.* = .{};
    try runRounds(shared, 4, ops_per_thread);
    const census = thread_heap.census();
    // Every round's threads adopt the heaps the previous round left.
    try std.testing.expect(census.heaps <= heaps_before + thread_count);
    try std.testing.expect(thread_heap.events.adopted.load(.monotonic) >= 3 * thread_count);
    drainSlots(shared);
    try std.testing.expectEqual(@as(u32, 0), shared.corrupt_blocks.load(.monotonic));
    try std.testing.expectEqual(@as(u32, 0), shared.failed_calls.load(.monotonic));
    try std.testing.expectEqual(live_before, liveBlocks());
}

test "heaps of threads that ended without the exit hint are reclaimed by tid liveness" {
    thread_heap.setExitHint(false);
    defer thread_heap.setExitHint(true);
    const shared = try std.testing.allocator.create(Shared);
    defer std.testing.allocator.destroy(shared);
    shared.* = .{};
    const reclaimed_before = thread_heap.events.reclaimed_dead.load(.monotonic);
    try runRounds(shared, 2, ops_per_thread / 10);
    const heaps_after_two = thread_heap.census().heaps;
    try runRounds(shared, 2, ops_per_thread / 10);
    // Heaps left `active` by ended threads are taken over, so no round maps new ones.
    try std.testing.expectEqual(heaps_after_two, thread_heap.census().heaps);
    try std.testing.expect(thread_heap.events.reclaimed_dead.load(.monotonic) > reclaimed_before);
    drainSlots(shared);
    try std.testing.expectEqual(@as(u32, 0), shared.corrupt_blocks.load(.monotonic));
    try std.testing.expectEqual(@as(u32, 0), shared.failed_calls.load(.monotonic));
}

test "a double free from another thread is reported, not absorbed" {
    const address = try heap.alloc(.{ .size_bytes = 64, .alignment_bytes = 16 });
    _ = try heap.free(address);
    const Freer = struct {
        fn run(target: usize, result: *?anyerror) void {
            _ = heap.free(target) catch |err| {
                result.* = err;
            };
        }
    };
    var result: ?anyerror = null;
    const thread = try std.Thread.spawn(.{}, Freer.run, .{ address, &result });
    thread.join();
    try std.testing.expectEqual(@as(?anyerror, error.DoubleFree), result);
}

test "collecting unowned heaps returns their empty pages to the OS" {
    const shared = try std.testing.allocator.create(Shared);
    defer std.testing.allocator.destroy(shared);
    shared.* = .{};
    try runRounds(shared, 1, ops_per_thread / 10);
    drainSlots(shared);
    _ = thread_heap.collectUnowned();
    const census = thread_heap.census();
    try std.testing.expect(census.abandoned >= 1);
    try std.testing.expectEqual(@as(u32, 0), shared.corrupt_blocks.load(.monotonic));
}
