//! A tiny test-and-test-and-set lock for the allocator's slow paths (region descriptors, the region
//! cache). Those paths already pay for a syscall, so a spin lock is cheap next to them, and it needs
//! no futex or `std.Io` plumbing inside a library that runs on the caller's threads.
const std = @import("std");

pub const SpinLock = struct {
    locked: std.atomic.Value(bool) = .init(false),

    pub fn lock(self: *SpinLock) void {
        while (true) {
            if (!self.locked.swap(true, .acquire)) return;
            while (self.locked.load(.monotonic)) std.atomic.spinLoopHint();
        }
    }

    pub fn unlock(self: *SpinLock) void {
        std.debug.assert(self.locked.load(.monotonic));
        self.locked.store(false, .release);
    }
};

test "lock and unlock" {
    var lock: SpinLock = .{};
    lock.lock();
    try std.testing.expect(lock.locked.load(.monotonic));
    lock.unlock();
    try std.testing.expect(!lock.locked.load(.monotonic));
}
