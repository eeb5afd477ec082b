//! The two priority queues of a beam search over caller-owned storage: the candidates still to
//! expand (closest first) and the best results so far (farthest first, so the worst is dropped in
//! O(log n)). A binary heap each; no allocation here: the scratch space (scratch.zig) owns the items.
const std = @import("std");
const assert = std.debug.assert;

pub const Candidate = struct {
    distance: f32,
    node: u32,

    pub fn closer(_: void, a: Candidate, b: Candidate) bool {
        return a.distance < b.distance or (a.distance == b.distance and a.node < b.node);
    }
};

/// A heap whose top is the closest (`farthest_first` false) or the farthest candidate.
pub fn Heap(comptime farthest_first: bool) type {
    return struct {
        const Self = @This();
        items: []Candidate,
        len: usize = 0,

        fn above(a: Candidate, b: Candidate) bool {
            return if (farthest_first) Candidate.closer({}, b, a) else Candidate.closer({}, a, b);
        }

        pub fn top(heap: *const Self) Candidate {
            assert(heap.len > 0);
            return heap.items[0];
        }

        pub fn full(heap: *const Self) bool {
            return heap.len == heap.items.len;
        }

        pub fn push(heap: *Self, item: Candidate) void {
            assert(heap.len < heap.items.len);
            var index = heap.len;
            heap.len += 1;
            while (index > 0) {
                const parent = (index - 1) / 2;
                if (!above(item, heap.items[parent])) break;
                heap.items[index] = heap.items[parent];
                index = parent;
            }
            heap.items[index] = item;
        }

        pub fn pop(heap: *Self) ?Candidate {
            if (heap.len == 0) return null;
            const result = heap.items[0];
            heap.len -= 1;
            if (heap.len == 0) return result;
            const last = heap.items[heap.len];
            var index: usize = 0;
            while (true) {
                const left = 2 * index + 1;
                if (left >= heap.len) break;
                const right = left + 1;
                const child = if (right < heap.len and above(heap.items[right], heap.items[left])) right else left;
                if (!above(heap.items[child], last)) break;
                heap.items[index] = heap.items[child];
                index = child;
            }
            heap.items[index] = last;
            return result;
        }

        /// The items, closest first (the heap is consumed).
        pub fn drainSorted(heap: *Self) []Candidate {
            const items = heap.items[0..heap.len];
            std.mem.sortUnstable(Candidate, items, {}, Candidate.closer);
            heap.len = 0;
            return items;
        }
    };
}

/// Moves the `k` closest of `items` to its front, closest first, and returns them: an insertion
/// into a sorted prefix of k, O(len + insertions · k), which beats sorting all of a search's ef
/// candidates when only k are reported.
pub fn closestFirst(items: []Candidate, k: usize) []Candidate {
    const keep = @min(k, items.len);
    for (0..items.len) |index| {
        if (index >= keep and !Candidate.closer({}, items[index], items[keep - 1])) continue;
        const item = items[index];
        // The prefix's last item (when full) trades places with the newcomer, so none is lost.
        var slot = @min(index, keep - 1);
        items[index] = items[slot];
        while (slot > 0 and Candidate.closer({}, item, items[slot - 1])) : (slot -= 1) items[slot] = items[slot - 1];
        items[slot] = item;
    }
    return items[0..keep];
}

pub const Nearest = Heap(false);
pub const Farthest = Heap(true);

test "closestFirst keeps the k closest in order and loses no item" {
    var prng = std.Random.DefaultPrng.init(7);
    for ([_]usize{ 0, 1, 2, 10, 48 }) |len| {
        for ([_]usize{ 1, 3, 10, 64 }) |k| {
            var items: [48]Candidate = undefined;
            for (items[0..len], 0..) |*item, i| item.* = .{ .distance = @floatFromInt(prng.random().intRangeLessThan(u8, 0, 20)), .node = @intCast(i) };
            var sorted = items;
            std.mem.sortUnstable(Candidate, sorted[0..len], {}, Candidate.closer);
            const best = closestFirst(items[0..len], k);
            try std.testing.expectEqualSlices(Candidate, sorted[0..@min(k, len)], best);
            var nodes: [48]bool = @splat(false);
            for (items[0..len]) |item| nodes[item.node] = true;
            for (nodes[0..len]) |seen| try std.testing.expect(seen);
        }
    }
}

test "the heaps pop in order" {
    var storage: [64]Candidate = undefined;
    var nearest: Nearest = .{ .items = &storage };
    var prng = std.Random.DefaultPrng.init(1);
    for (0..64) |i| nearest.push(.{ .distance = prng.random().float(f32), .node = @intCast(i) });
    var last: f32 = -1;
    while (nearest.pop()) |item| {
        try std.testing.expect(item.distance >= last);
        last = item.distance;
    }
    var far_storage: [8]Candidate = undefined;
    var farthest: Farthest = .{ .items = &far_storage };
    for ([_]f32{ 3, 1, 4, 1.5, 9, 2.6 }, 0..) |d, i| farthest.push(.{ .distance = d, .node = @intCast(i) });
    try std.testing.expectEqual(@as(f32, 9), farthest.top().distance);
    const sorted = farthest.drainSorted();
    try std.testing.expectEqual(@as(f32, 1), sorted[0].distance);
    try std.testing.expectEqual(@as(f32, 9), sorted[5].distance);
}
