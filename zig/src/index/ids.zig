//! External ids (integers up to 2^53) to node numbers: an open-addressing table with linear probing
//! and backward-shift deletion (no tombstones, so lookups stay short after many removals), at most
//! half full. Two flat arrays, so persist.zig saves it as it is and a mapped file answers lookups
//! in place.
const std = @import("std");
const assert = std.debug.assert;
const memory = @import("memory.zig");
const Error = @import("../support/status.zig").Error;

/// The largest id: every integer up to it survives the trip through a JS number.
pub const id_max: u64 = 1 << 53;
const empty: u64 = std.math.maxInt(u64);
const slots_min: usize = 16;

pub const IdMap = struct {
    keys: []u64 = &.{},
    nodes: []u32 = &.{},
    count: u32 = 0,
    owned: bool = true,
    placement: memory.Placement = .{},

    fn slotOf(map: *const IdMap, id: u64) usize {
        // The splitmix64 finalizer: consecutive ids land far apart.
        var x = id +% 0x9e3779b97f4a7c15;
        x = (x ^ (x >> 30)) *% 0xbf58476d1ce4e5b9;
        x = (x ^ (x >> 27)) *% 0x94d049bb133111eb;
        x ^= x >> 31;
        return @intCast(x & (map.keys.len - 1));
    }

    pub fn get(map: *const IdMap, id: u64) ?u32 {
        if (map.keys.len == 0) return null;
        assert(id <= id_max);
        var slot = map.slotOf(id);
        for (0..map.keys.len) |_| {
            const key = map.keys[slot];
            if (key == id) return map.nodes[slot];
            if (key == empty) return null;
            slot = (slot + 1) & (map.keys.len - 1);
        }
        unreachable; // the table is never full
    }

    /// Room for `wanted` ids at most half full.
    pub fn reserve(map: *IdMap, wanted: usize) Error!void {
        assert(map.owned);
        if (wanted * 2 <= map.keys.len) return;
        const slots = std.math.ceilPowerOfTwo(usize, @max(wanted * 2, slots_min)) catch return error.OutOfMemory;
        const keys = try memory.alloc(u64, slots, map.placement);
        const nodes = memory.alloc(u32, slots, map.placement) catch |err| {
            memory.free(u64, keys);
            return err;
        };
        @memset(keys, empty);
        var larger: IdMap = .{ .keys = keys, .nodes = nodes, .placement = map.placement };
        for (map.keys, map.nodes) |key, node| {
            if (key != empty) larger.insert(key, node);
        }
        assert(larger.count == map.count);
        map.deinit();
        map.* = larger;
    }

    /// Adds an id that is not in the map; room must be reserved.
    pub fn insert(map: *IdMap, id: u64, node: u32) void {
        assert(id <= id_max);
        assert((map.count + 1) * 2 <= map.keys.len);
        var slot = map.slotOf(id);
        while (map.keys[slot] != empty) : (slot = (slot + 1) & (map.keys.len - 1)) assert(map.keys[slot] != id);
        map.keys[slot] = id;
        map.nodes[slot] = node;
        map.count += 1;
    }

    /// Removes an id; returns its node, or null if it was not there.
    pub fn remove(map: *IdMap, id: u64) ?u32 {
        if (map.keys.len == 0) return null;
        const mask = map.keys.len - 1;
        var slot = map.slotOf(id);
        while (map.keys[slot] != id) : (slot = (slot + 1) & mask) {
            if (map.keys[slot] == empty) return null;
        }
        const node = map.nodes[slot];
        // Backward shift: move later members of the probe run into the hole when their home allows.
        var hole = slot;
        var next = (slot + 1) & mask;
        while (map.keys[next] != empty) : (next = (next + 1) & mask) {
            const home = map.slotOf(map.keys[next]);
            const distance_next = (next -% home) & mask;
            const distance_hole = (next -% hole) & mask;
            if (distance_next >= distance_hole) {
                map.keys[hole] = map.keys[next];
                map.nodes[hole] = map.nodes[next];
                hole = next;
            }
        }
        map.keys[hole] = empty;
        map.count -= 1;
        return node;
    }

    pub fn memoryBytes(map: *const IdMap) u64 {
        return map.keys.len * 8 + map.nodes.len * 4;
    }

    pub fn deinit(map: *IdMap) void {
        if (map.owned) {
            memory.free(u64, map.keys);
            memory.free(u32, map.nodes);
        }
        map.keys = &.{};
        map.nodes = &.{};
        map.count = 0;
    }
};

test "ids map to nodes through growth and removals, like a reference map" {
    var map: IdMap = .{};
    defer map.deinit();
    var reference: [4000]?u32 = @splat(null);
    var prng = std.Random.DefaultPrng.init(7);
    const random = prng.random();
    for (0..20000) |step| {
        const id = random.uintLessThan(u64, reference.len);
        if (random.boolean()) {
            if (reference[id] == null) {
                try map.reserve(map.count + 1);
                map.insert(id * 1_000_003, @intCast(step));
                reference[id] = @intCast(step);
            }
        } else {
            try std.testing.expectEqual(reference[id], map.remove(id * 1_000_003));
            reference[id] = null;
        }
        if (step % 97 == 0) {
            for (reference, 0..) |expected, probe| try std.testing.expectEqual(expected, map.get(probe * 1_000_003));
        }
    }
    try std.testing.expectEqual(@as(?u32, null), map.get(id_max));
}
