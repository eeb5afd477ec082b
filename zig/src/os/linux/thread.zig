//! Linux thread primitives behind the OS contract (../os.zig): the kernel thread id, whether a
//! thread still exists (tgkill with signal 0), a short sleep, and the pthread key whose destructor
//! is the thread-exit hint (a hint only: nothing relies on it for correctness).
const std = @import("std");
const linux = std.os.linux;
const assert = std.debug.assert;

pub fn currentTid() u32 {
    const tid = linux.gettid();
    assert(tid > 0);
    return @intCast(tid);
}

/// True only on ESRCH: any other answer (alive, or EPERM under a sandbox) counts as alive.
pub fn threadGone(tid: u32) bool {
    if (tid == 0) return false;
    const pid: u32 = @intCast(linux.getpid());
    const result = linux.syscall3(.tgkill, pid, tid, 0);
    return linux.errno(result) == .SRCH;
}

pub fn sleepMs(ms: u32) void {
    const duration: linux.timespec = .{ .sec = ms / 1000, .nsec = @as(isize, ms % 1000) * 1_000_000 };
    _ = linux.nanosleep(&duration, null);
}

pub const ExitKey = std.c.pthread_key_t;

/// A thread-specific slot whose `destructor` runs at thread exit with the value last set.
pub fn exitKeyCreate(key: *ExitKey, destructor: *const fn (*anyopaque) callconv(.c) void) bool {
    return std.c.pthread_key_create(key, destructor) == .SUCCESS;
}

pub fn exitKeySet(key: ExitKey, value: *anyopaque) void {
    _ = std.c.pthread_setspecific(key, value);
}

/// Runs `child` in the child process after a fork (where only the forking thread survives).
pub fn atForkChild(child: *const fn () callconv(.c) void) void {
    _ = std.c.pthread_atfork(null, null, child);
}

/// Gives the CPU to another runnable thread (sched_yield).
pub fn yieldCpu() void {
    _ = std.os.linux.sched_yield();
}
