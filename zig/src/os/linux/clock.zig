//! Linux monotonic clocks behind the OS contract (../os.zig), through glibc's `clock_gettime`:
//! `std.os.linux.clock_gettime` finds no vDSO inside a library (std never sees the auxiliary vector
//! when libc owns startup), so each read was a 127 ns syscall; glibc's uses the vDSO: 4 ns for
//! CLOCK_MONOTONIC_COARSE, 23 ns for CLOCK_MONOTONIC (measured on the dev box).
const std = @import("std");
const linux = std.os.linux;
const assert = std.debug.assert;

fn read(clock: linux.clockid_t) u64 {
    var time: std.c.timespec = undefined;
    const result = std.c.clock_gettime(clock, &time);
    // CLOCK_MONOTONIC and CLOCK_MONOTONIC_COARSE exist on every kernel offheap supports.
    assert(result == 0);
    assert(time.sec >= 0);
    return @as(u64, @intCast(time.sec)) * std.time.ns_per_s + @as(u64, @intCast(time.nsec));
}

pub fn monotonicNs() u64 {
    return read(.MONOTONIC);
}

pub fn coarseNs() u64 {
    return read(.MONOTONIC_COARSE);
}
