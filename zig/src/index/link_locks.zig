//! The locks of a parallel build's link lists: a fixed set of cache-line-sized stripes, node n
//! guarded by stripe n mod count. A lock per node packed into bytes would put 64 of them on each
//! cache line, and every link read of every builder would bounce that line between cores; padded
//! stripes keep builders on different nodes off each other's lines. No builder ever holds two
//! stripes at once (it copies or rewrites one node's links, then lets go), so sharing a stripe
//! can never deadlock. A waiter spins briefly, then yields its CPU: on a busy machine the holder
//! may have been preempted, and spinning would only keep it from running.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const memory = @import("memory.zig");
const Error = @import("../support/status.zig").Error;

const stripe_count_max = 4096;
const spins_before_yield = 64;

/// One step of a wait: a pause hint, and every 64th time the CPU given up.
pub fn waitStep(spins: *u32) void {
    spins.* += 1;
    if (spins.* % spins_before_yield == 0) os.yieldCpu() else std.atomic.spinLoopHint();
}

/// A test-and-test-and-set lock whose waiters yield after a short spin.
pub const YieldingLock = struct {
    locked: std.atomic.Value(bool) = .init(false),

    pub fn lock(self: *YieldingLock) void {
        var spins: u32 = 0;
        while (self.locked.swap(true, .acquire)) {
            while (self.locked.load(.monotonic)) waitStep(&spins);
        }
    }

    pub fn unlock(self: *YieldingLock) void {
        assert(self.locked.load(.monotonic));
        self.locked.store(false, .release);
    }
};

const Stripe = struct {
    lock: YieldingLock align(64) = .{},
};
comptime {
    assert(@sizeOf(Stripe) == 64);
}

pub const LinkLocks = struct {
    stripes: []Stripe,

    /// Stripes for `nodes` nodes: a power of two, at most 4096.
    pub fn init(nodes: u32, placement: memory.Placement) Error!LinkLocks {
        const count = std.math.ceilPowerOfTwoAssert(usize, @max(1, @min(nodes, stripe_count_max)));
        const stripes = try memory.alloc(Stripe, count, placement);
        for (stripes) |*stripe| stripe.* = .{};
        return .{ .stripes = stripes };
    }

    pub fn deinit(locks: *LinkLocks) void {
        for (locks.stripes) |stripe| assert(!stripe.lock.locked.load(.monotonic));
        memory.free(Stripe, locks.stripes);
    }

    fn stripeOf(locks: *const LinkLocks, node: u32) *YieldingLock {
        return &locks.stripes[node & (locks.stripes.len - 1)].lock;
    }

    pub fn lock(locks: *const LinkLocks, node: u32) void {
        locks.stripeOf(node).lock();
    }

    pub fn unlock(locks: *const LinkLocks, node: u32) void {
        locks.stripeOf(node).unlock();
    }
};

test "nodes share stripes; a stripe locks and unlocks" {
    var locks = try LinkLocks.init(10, .{});
    defer locks.deinit();
    try std.testing.expectEqual(@as(usize, 16), locks.stripes.len);
    locks.lock(3);
    try std.testing.expect(locks.stripeOf(19).locked.load(.monotonic));
    locks.unlock(3);
    try std.testing.expect(!locks.stripeOf(19).locked.load(.monotonic));
}
