//! A writer-preferring reader-writer spin lock: any number of searches at once, or one writer (an
//! add, remove, update or rebuild). It spins, like support/spin_lock.zig, because it lives in a
//! library that runs on its callers' threads with no futex plumbing; writers hold it for one node's
//! insertion at a time, so readers never wait long.
const std = @import("std");
const assert = std.debug.assert;
const SpinLock = @import("../support/spin_lock.zig").SpinLock;

pub const RwLock = struct {
    /// Bit 31: a writer holds or waits for the lock; below it, the readers inside.
    state: std.atomic.Value(u32) = .init(0),
    /// Orders writers among themselves.
    writers: SpinLock = .{},

    const writer_bit: u32 = 1 << 31;

    pub fn lockShared(rw: *RwLock) void {
        while (true) {
            const state = rw.state.load(.monotonic);
            if (state & writer_bit == 0) {
                assert(state < writer_bit - 1);
                if (rw.state.cmpxchgWeak(state, state + 1, .acquire, .monotonic) == null) return;
            }
            std.atomic.spinLoopHint();
        }
    }

    pub fn unlockShared(rw: *RwLock) void {
        const before = rw.state.fetchSub(1, .release);
        assert(before & ~writer_bit > 0);
    }

    pub fn lock(rw: *RwLock) void {
        rw.writers.lock();
        const before = rw.state.fetchOr(writer_bit, .acquire);
        assert(before & writer_bit == 0);
        while (rw.state.load(.acquire) != writer_bit) std.atomic.spinLoopHint();
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
