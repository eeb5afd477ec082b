//! Windows thread primitives behind the OS contract (../os.zig): the thread id, whether a thread of
//! this process still exists (OpenThread, then its process and exit code), a short sleep, the
//! thread-exit hint through a fiber-local slot (FlsAlloc's callback runs at thread exit, as a pthread
//! key's destructor does), and nothing at fork (Windows has none).
const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
const k = @import("kernel32.zig");

const thread_query_limited_information: u32 = 0x0800;
const error_invalid_parameter: u32 = 87;
const still_active: u32 = 259;

pub fn currentTid() u32 {
    const tid = k.GetCurrentThreadId();
    assert(tid != 0);
    return tid;
}

/// True when no thread has the id (OpenThread: ERROR_INVALID_PARAMETER), when the id now belongs to
/// another process's thread (ids are unique among live threads only), or when the thread has
/// exited; any other answer (access denied, say) counts as alive.
pub fn threadGone(tid: u32) bool {
    if (tid == 0) return false;
    const handle = k.OpenThread(thread_query_limited_information, 0, tid) orelse
        return k.GetLastError() == error_invalid_parameter;
    defer _ = k.CloseHandle(handle);
    const process = k.GetProcessIdOfThread(handle);
    if (process == 0) return false;
    if (process != k.GetCurrentProcessId()) return true;
    var code: u32 = 0;
    if (k.GetExitCodeThread(handle, &code) == 0) return false;
    return code != still_active;
}

pub fn sleepMs(ms: u32) void {
    k.Sleep(ms);
}

/// A fiber-local slot index.
pub const ExitKey = u32;
const fls_out_of_indexes: u32 = 0xFFFF_FFFF;

/// A slot whose `destructor` runs at thread exit with the value last set (FlsAlloc). Also pins the
/// library (GetModuleHandleEx PIN), as `-z nodelete` does on Linux: a runtime must never unload the
/// code that such a callback runs.
/// Gives the CPU to another thread that is ready on this processor (a lock's waiter that has spun
/// long enough); returns at once when there is none.
pub fn yieldCpu() void {
    _ = k.SwitchToThread();
}

pub fn exitKeyCreate(key: *ExitKey, destructor: *const fn (*anyopaque) callconv(.c) void) bool {
    // On 64-bit Windows the C and the Win32 calling conventions are one and the same.
    comptime assert(builtin.cpu.arch == .x86_64 or builtin.cpu.arch == .aarch64);
    pinLibrary();
    const index = k.FlsAlloc(@ptrCast(destructor));
    if (index == fls_out_of_indexes) return false;
    key.* = index;
    return true;
}

fn pinLibrary() void {
    const pin: u32 = 0x1;
    const from_address: u32 = 0x4;
    var module: ?k.HANDLE = null;
    _ = k.GetModuleHandleExW(pin | from_address, @ptrCast(&pinLibrary), &module);
}

pub fn exitKeySet(key: ExitKey, value: *anyopaque) void {
    _ = k.FlsSetValue(key, value);
}

/// Windows has no fork: nothing to run.
pub fn atForkChild(child: *const fn () callconv(.c) void) void {
    _ = child;
}
