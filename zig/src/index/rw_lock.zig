//! A writer-preferring reader-writer spin lock: any number of searches at once, or one writer (an
//! add, remove, update or rebuild). It spins, like support/spin_lock.zig, because it lives in a
//! library that runs on its callers' threads with no futex plumbing; a waiter yields its CPU after
//! a short spin, so that on a busy machine a preempted holder gets to run and release.
const std = @import("std");
const assert = std.debug.assert;
const link_locks = @import("link_locks.zig");
const wait = link_locks.waitStep;

pub const RwLock = struct {
    /// Bit 31: a writer holds or waits for the lock; below it, the readers inside.
    state: std.atomic.Value(u32) = .init(0),
    /// Orders writers among themselves (a writer may hold the lock for a whole batch, so waiters
    /// yield rather than spin all that time).
    writers: link_locks.YieldingLock = .{},

    const writer_bit: u32 = 1 << 31;

    pub fn lockShared(rw: *RwLock) void {
        var spins: u32 = 0;
        while (true) {
            const state = rw.state.load(.monotonic);
            if (state & writer_bit == 0) {
                assert(state < writer_bit - 1);
                if (rw.state.cmpxchgWeak(state, state + 1, .acquire, .monotonic) == null) return;
            }
            wait(&spins);
        }
    }

    pub fn unlockShared(rw: *RwLock) void {
        const before = rw.state.fetchSub(1, .release);
        assert(before & ~writer_bit > 0);
    }

    pub fn lock(rw: *RwLock) void {
        rw.writers.lock();
        var spins: u32 = 0;
        const before = rw.state.fetchOr(writer_bit, .acquire);
        assert(before & writer_bit == 0);
        while (rw.state.load(.acquire) != writer_bit) wait(&spins);
    }

    pub fn unlock(rw: *RwLock) void {
        assert(rw.state.load(.monotonic) == writer_bit);
        rw.state.store(0, .release);
        rw.writers.unlock();
    }
};

test "readers share, a writer excludes" {
    var lock: RwLock = .{};
    lock.lockShared();
    lock.lockShared();
    try std.testing.expectEqual(@as(u32, 2), lock.state.load(.monotonic));
    lock.unlockShared();
    lock.unlockShared();
    lock.lock();
    try std.testing.expectEqual(RwLock.writer_bit, lock.state.load(.monotonic));
    lock.unlock();
    try std.testing.expectEqual(@as(u32, 0), lock.state.load(.monotonic));
}
