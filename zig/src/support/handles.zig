//! The u32 handles JavaScript holds for shared native objects (caches, pools). A handle names a
//! registry slot and that slot's generation, so a handle of a released object (or a made-up number)
//! is refused as NotOwned instead of followed. Every thread that uses a handle owns a reference
//! (`retain`), and the last `release` unregisters it and hands the object back for destruction.
//!
//! A slot is one atomic word, the object's address (below 2^47) with the slot's generation above it,
//! so `resolve` on a hot path is one load and a compare. The lock orders registrations, retains and
//! releases: a retain can never revive an object whose last owner is releasing it.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const SpinLock = @import("spin_lock.zig").SpinLock;
const Error = @import("status.zig").Error;

pub const slot_bits = 12;
pub const slot_count = 1 << slot_bits;
const generation_bits = 17;
const address_bits = 47;
comptime {
    assert(address_bits + generation_bits == 64);
    assert(slot_bits + generation_bits <= 32);
}

/// A registry of `T`s, each with an `owners: std.atomic.Value(u32)` field (1 when registered).
pub fn Registry(comptime T: type) type {
    return struct {
        const Self = @This();

        lock: SpinLock = .{},
        slots: [slot_count]std.atomic.Value(u64) = @splat(.init(0)),
        generations: [slot_count]u32 = @splat(0),

        fn parts(handle: u32) struct { index: usize, generation: u64 } {
            return .{ .index = handle & (slot_count - 1), .generation = handle >> slot_bits };
        }

        /// Registers `object` and returns its handle (never 0); OutOfMemory when every slot is taken.
        pub fn register(registry: *Self, object: *T) Error!u32 {
            assert(@intFromPtr(object) < os.address_limit);
            assert(object.owners.load(.monotonic) == 1);
            registry.lock.lock();
            defer registry.lock.unlock();
            for (1..slot_count) |index| {
                if (registry.slots[index].load(.monotonic) != 0) continue;
                registry.generations[index] = (registry.generations[index] + 1) & ((1 << generation_bits) - 1);
                const generation: u64 = registry.generations[index];
                registry.slots[index].store(@intFromPtr(object) | (generation << address_bits), .release);
                const handle: u32 = @intCast((generation << slot_bits) | index);
                assert(handle != 0);
                return handle;
            }
            return error.OutOfMemory;
        }

        /// The object of a live handle.
        pub fn resolve(registry: *const Self, handle: u32) Error!*T {
            const slot = parts(handle);
            if (slot.index == 0) return error.NotOwned;
            const word = registry.slots[slot.index].load(.acquire);
            if (word == 0 or word >> address_bits != slot.generation) return error.NotOwned;
            return @ptrFromInt(word & ((@as(u64, 1) << address_bits) - 1));
        }

        /// One more owner of a live handle.
        pub fn retain(registry: *Self, handle: u32) Error!*T {
            registry.lock.lock();
            defer registry.lock.unlock();
            const object = try registry.resolve(handle);
            const before = object.owners.fetchAdd(1, .monotonic);
            assert(before >= 1);
            return object;
        }

        /// Drops one owner. Returns the object when that was the last owner: its handle is gone and
        /// the caller destroys it.
        pub fn release(registry: *Self, handle: u32) Error!?*T {
            registry.lock.lock();
            defer registry.lock.unlock();
            const object = try registry.resolve(handle);
            const before = object.owners.fetchSub(1, .acq_rel);
            assert(before >= 1);
            if (before != 1) return null;
            registry.slots[parts(handle).index].store(0, .release);
            return object;
        }
    };
}

test "handles resolve until the last release, and never after" {
    const Thing = struct { owners: std.atomic.Value(u32) = .init(1), value: u32 = 7 };
    const registry = try std.testing.allocator.create(Registry(Thing));
    defer std.testing.allocator.destroy(registry);
    registry.* = .{};
    var thing: Thing = .{};
    const handle = try registry.register(&thing);
    try std.testing.expectEqual(&thing, try registry.resolve(handle));
    _ = try registry.retain(handle);
    try std.testing.expectEqual(@as(?*Thing, null), try registry.release(handle));
    try std.testing.expectEqual(&thing, try registry.resolve(handle));
    try std.testing.expectEqual(@as(?*Thing, &thing), try registry.release(handle));
    try std.testing.expectError(error.NotOwned, registry.resolve(handle));
    try std.testing.expectError(error.NotOwned, registry.release(handle));
    try std.testing.expectError(error.NotOwned, registry.retain(handle));
    try std.testing.expectError(error.NotOwned, registry.resolve(0));
    try std.testing.expectError(error.NotOwned, registry.resolve(12345));
    // A new registration in the same slot gets a new generation: the old handle stays dead.
    thing.owners.store(1, .monotonic);
    const again = try registry.register(&thing);
    try std.testing.expect(again != handle);
    try std.testing.expectError(error.NotOwned, registry.resolve(handle));
}
