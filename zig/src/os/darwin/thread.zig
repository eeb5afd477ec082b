//! macOS thread primitives behind the OS contract (../os.zig): the system-wide thread id
//! (pthread_threadid_np), whether a thread of this process still exists (libproc's
//! PROC_PIDTHREADID64INFO answers ESRCH for one that does not), a short sleep, the pthread key whose
//! destructor is the thread-exit hint, and pthread_atfork.
//!
//! macOS thread ids are 64-bit counters and the contract's are 32-bit. An id that does not fit (more
//! than 4 billion threads since boot) turns `threadGone` off for the rest of the process: a truncated
//! id could name another, live thread, and "alive" is the safe answer (reclaim is only delayed).
const std = @import("std");
const assert = std.debug.assert;

var wide_ids_seen: std.atomic.Value(bool) = .init(false);

pub fn currentTid() u32 {
    var id: u64 = 0;
    const result = std.c.pthread_threadid_np(null, &id);
    assert(result == 0);
    assert(id != 0);
    if (id > std.math.maxInt(u32)) {
        wide_ids_seen.store(true, .monotonic);
        return @max(@as(u32, @truncate(id)), 1);
    }
    return @intCast(id);
}

/// struct proc_threadinfo (sys/proc_info.h): only its size matters here.
const ProcThreadInfo = extern struct {
    user_time: u64,
    system_time: u64,
    counters: [8]i32,
    name: [64]u8,
};
const proc_pidthreadid64info: c_int = 15;
extern "c" fn proc_pidinfo(pid: c_int, flavor: c_int, arg: u64, buffer: ?*anyopaque, buffer_size: c_int) c_int;
extern "c" fn getpid() c_int;

/// True only when libproc answers ESRCH for the id; any other answer counts as alive.
pub fn threadGone(tid: u32) bool {
    if (tid == 0) return false;
    if (wide_ids_seen.load(.monotonic)) return false;
    var info: ProcThreadInfo = undefined;
    const result = proc_pidinfo(getpid(), proc_pidthreadid64info, tid, &info, @sizeOf(ProcThreadInfo));
    if (result > 0) return false;
    return std.c._errno().* == @backingInt(std.c.E.SRCH);
}

pub fn sleepMs(ms: u32) void {
    const duration: std.c.timespec = .{ .sec = ms / 1000, .nsec = @as(isize, ms % 1000) * 1_000_000 };
    _ = std.c.nanosleep(&duration, null);
}

pub const ExitKey = std.c.pthread_key_t;

/// A thread-specific slot whose `destructor` runs at thread exit with the value last set. Also pins
/// the library (RTLD_NODELETE), as `-z nodelete` does on Linux: a runtime must never unload the code
/// that such a destructor runs.
/// Gives the CPU to another thread (a lock's waiter that has spun long enough).
pub fn yieldCpu() void {
    _ = std.c.sched_yield();
}

pub fn exitKeyCreate(key: *ExitKey, destructor: *const fn (*anyopaque) callconv(.c) void) bool {
    pinLibrary();
    return std.c.pthread_key_create(key, destructor) == .SUCCESS;
}

extern "c" fn dladdr(address: *const anyopaque, info: *std.c.dl_info) c_int;

fn pinLibrary() void {
    var info: std.c.dl_info = undefined;
    if (dladdr(@ptrCast(&pinLibrary), &info) == 0) return;
    // RTLD_NOLOAD: only take another reference to the image already loaded, never load a new one.
    _ = std.c.dlopen(info.fname, .{ .LAZY = true, .NOLOAD = true, .NODELETE = true });
}

pub fn exitKeySet(key: ExitKey, value: *anyopaque) void {
    _ = std.c.pthread_setspecific(key, value);
}

/// Runs `child` in the child process after a fork (where only the forking thread survives).
pub fn atForkChild(child: *const fn () callconv(.c) void) void {
    _ = std.c.pthread_atfork(null, null, child);
}
