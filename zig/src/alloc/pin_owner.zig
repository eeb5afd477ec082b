//! Pin owners: which JavaScript thread holds each region pin, so that the pins of a thread that has
//! ended can be dropped.
//!
//! views.ts pins a region for as long as a JavaScript buffer over it is alive, and a
//! FinalizationRegistry drops the pin when the buffer is collected. A Worker that ends takes its
//! isolate, its buffers and its pending finalizers with it: their pins would stay forever, and every
//! region they pinned would stay mapped after its free (a zombie holding address space, and one
//! VMA of the process's `vm.max_map_count`). So each JavaScript thread opens an owner (once, on its
//! first pin) and every pin and unpin names it; the owner records its pins per region. A sweep (when
//! a new owner opens, and in `trim()`) finds owners whose thread no longer exists and drops their
//! pins, which releases the regions they kept.
//!
//! "No longer exists" is `tgkill(pid, tid, 0)` failing with ESRCH (abandon.zig). A tid reused by a
//! new thread only delays the sweep; an owner is never dropped while its thread lives. (Two module
//! instances in one thread are two live owners with one tid, which is why opening never drops an
//! owner because it shares the caller's tid.)
//!
//! The bookkeeping is one table under one spin lock: pins cost an ArrayBuffer creation in
//! JavaScript (0.1-2 µs) anyway, and are taken once per region per thread.
const std = @import("std");
const assert = std.debug.assert;
const abandon = @import("abandon.zig");
const heap = @import("heap.zig");
const segment_map = @import("segment_map.zig");
const SpinLock = @import("../support/spin_lock.zig").SpinLock;
const Error = @import("../support/status.zig").Error;

/// Owners that may exist at once (one per JavaScript thread that pinned a region and still runs).
pub const max_owners = 4096;
const slot_bits: u6 = 12;
comptime {
    assert(max_owners == 1 << slot_bits);
}

/// Pins held per region start address.
const PinCounts = std.AutoHashMapUnmanaged(usize, u32);

const Owner = struct {
    in_use: bool = false,
    tid: u32 = 0,
    /// Bumped at every open of the slot, so a stale id of an earlier owner is refused.
    generation: u32 = 0,
    pins: PinCounts = .empty,
};

var lock: SpinLock = .{};
var owners: [max_owners]Owner = @splat(.{});
/// Slots [0, slots_used) have been opened at least once; the rest were never touched.
var slots_used: usize = 0;
var pins_dropped: std.atomic.Value(u64) = .init(0);

/// The bookkeeping's own memory; never the user's heap, so it never shows in offheap's stats.
const allocator = std.heap.c_allocator;

fn idOf(slot: usize, generation: u32) u64 {
    assert(slot < max_owners);
    assert(generation != 0);
    return (@as(u64, generation) << slot_bits) | slot;
}

/// The owner named by `id`, or InvalidArgument for an id that is not open. Call with the lock held.
fn ownerOf(id: u64) Error!*Owner {
    const slot: usize = @intCast(id & (max_owners - 1));
    const generation = id >> slot_bits;
    if (slot >= slots_used) return error.InvalidArgument;
    const owner = &owners[slot];
    if (!owner.in_use or owner.generation != generation) return error.InvalidArgument;
    return owner;
}

/// Opens an owner for the calling thread; ids are below 2^44, so they travel exactly as f64.
/// Sweeps the owners of ended threads first (a new thread is the moment old ones are likely gone).
pub fn open() Error!u64 {
    _ = sweepEnded();
    const tid = abandon.currentTid();
    lock.lock();
    defer lock.unlock();
    for (owners[0..slots_used], 0..) |*owner, slot| {
        if (!owner.in_use) return claim(owner, slot, tid);
    }
    if (slots_used == max_owners) return error.OutOfMemory;
    slots_used += 1;
    return claim(&owners[slots_used - 1], slots_used - 1, tid);
}

fn claim(owner: *Owner, slot: usize, tid: u32) u64 {
    assert(!owner.in_use);
    assert(owner.pins.count() == 0);
    owner.generation +%= 1;
    if (owner.generation == 0) owner.generation = 1;
    owner.in_use = true;
    owner.tid = tid;
    return idOf(slot, owner.generation);
}

/// Pins the live region starting at `address` on behalf of `id` (heap.pinRegion), and records it.
pub fn pin(id: u64, address: usize) Error!void {
    lock.lock();
    defer lock.unlock();
    const owner = try ownerOf(id);
    // Room first, so that recording cannot fail after the region is pinned.
    owner.pins.ensureUnusedCapacity(allocator, 1) catch return error.OutOfMemory;
    try heap.pinRegion(address);
    const entry = owner.pins.getOrPutAssumeCapacity(address);
    if (!entry.found_existing) entry.value_ptr.* = 0;
    entry.value_ptr.* += 1;
}

/// Drops one of `id`'s pins of the region at `address`; the last pin of a freed region releases it.
/// A pin `id` does not hold is InvalidArgument, and touches nothing.
pub fn unpin(id: u64, address: usize) Error!void {
    {
        lock.lock();
        defer lock.unlock();
        const owner = try ownerOf(id);
        const count = owner.pins.getPtr(address) orelse return error.InvalidArgument;
        assert(count.* > 0);
        count.* -= 1;
        if (count.* == 0) assert(owner.pins.remove(address));
    }
    // The pin is ours alone now, so dropping it outside the lock races with nothing.
    try heap.unpinRegion(address);
}

/// Drops every pin of every owner whose thread has ended, releasing the freed regions they kept.
/// Returns the number of pins dropped.
pub fn sweepEnded() usize {
    var dropped: usize = 0;
    while (true) {
        var taken: [16]PinCounts = undefined;
        var taken_count: usize = 0;
        var more = false;
        {
            lock.lock();
            defer lock.unlock();
            for (owners[0..slots_used]) |*owner| {
                if (!owner.in_use or !abandon.threadGone(owner.tid)) continue;
                if (taken_count == taken.len) {
                    more = true;
                    break;
                }
                taken[taken_count] = owner.pins;
                taken_count += 1;
                owner.pins = .empty;
                owner.in_use = false;
            }
        }
        for (taken[0..taken_count]) |*pins| {
            dropped += dropAll(pins);
            pins.deinit(allocator);
        }
        if (!more) break;
    }
    _ = pins_dropped.fetchAdd(dropped, .monotonic);
    return dropped;
}

fn dropAll(pins: *const PinCounts) usize {
    var dropped: usize = 0;
    var iterator = pins.iterator();
    while (iterator.next()) |entry| {
        for (0..entry.value_ptr.*) |_| {
            // Each recorded pin was taken on a region starting there, which the pin keeps published,
            // so this cannot fail; a safe build checks that, a fast one would only leak the pin.
            heap.unpinRegion(entry.key_ptr.*) catch if (std.debug.runtime_safety) unreachable;
            dropped += 1;
        }
    }
    return dropped;
}

/// Owners open now, and pins dropped so far because their thread had ended.
pub const Census = struct { owners: usize, pins_dropped: u64 };

pub fn census() Census {
    lock.lock();
    defer lock.unlock();
    var open_count: usize = 0;
    for (owners[0..slots_used]) |owner| open_count += @intFromBool(owner.in_use);
    return .{ .owners = open_count, .pins_dropped = pins_dropped.load(.monotonic) };
}

test "pins are per owner; a stale or foreign unpin is refused" {
    const first = try open();
    const second = try open();
    try std.testing.expect(first != second);
    const address = try heap.alloc(.{ .size_bytes = 100 << 10, .alignment_bytes = 16 });
    try pin(first, address);
    try pin(first, address);
    try pin(second, address);
    try std.testing.expectError(error.InvalidArgument, unpin(second + (1 << slot_bits), address));
    try unpin(second, address);
    try std.testing.expectError(error.InvalidArgument, unpin(second, address));
    _ = try heap.free(address);
    try unpin(first, address);
    try unpin(first, address); // the last pin releases the freed region
    try std.testing.expectError(error.InvalidArgument, unpin(first, address));
    try std.testing.expectError(error.NotOwned, pin(first, 12345 << 22));
}

test "the pins of an owner whose thread ended are dropped by the sweep" {
    const Thread = struct {
        fn run(address: usize, result: *Error!void) void {
            result.* = blk: {
                const id = open() catch |err| break :blk err;
                break :blk pin(id, address);
            };
        }
    };
    const address = try heap.alloc(.{ .size_bytes = 256 << 10, .alignment_bytes = 16 });
    var result: Error!void = error.InvalidArgument;
    const thread = try std.Thread.spawn(.{}, Thread.run, .{ address, &result });
    thread.join();
    try result;
    _ = try heap.free(address); // pinned by the ended thread: a zombie, still mapped
    try std.testing.expectEqual(segment_map.Kind.region, segment_map.lookup(address).kind);
    // join() returns once the thread's stack is released; the kernel may report the tid a little later.
    var attempts: usize = 0;
    var dropped: usize = 0;
    while (dropped == 0 and attempts < 1000) : (attempts += 1) {
        dropped += sweepEnded();
        if (dropped == 0) std.Thread.yield() catch {};
    }
    try std.testing.expectEqual(@as(usize, 1), dropped);
    _ = heap.trim();
    try std.testing.expectEqual(segment_map.Kind.none, segment_map.lookup(address).kind);
}
