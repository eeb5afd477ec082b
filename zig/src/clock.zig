//! Monotonic time for the region cache's decay and the hugetlb retry. `std.time` is gone in this Zig
//! version. `std.os.linux.clock_gettime` finds no vDSO inside a library (std never sees the auxiliary
//! vector when libc owns startup), so every read was a 127 ns syscall; glibc's `clock_gettime` uses
//! the vDSO: 4 ns for CLOCK_MONOTONIC_COARSE, 23 ns for CLOCK_MONOTONIC (measured on the dev box).
const std = @import("std");
const linux = std.os.linux;
const assert = std.debug.assert;

pub const ns_per_ms: u64 = 1_000_000;

fn read(clock: linux.clockid_t) u64 {
    var time: std.c.timespec = undefined;
    const result = std.c.clock_gettime(clock, &time);
    // CLOCK_MONOTONIC and CLOCK_MONOTONIC_COARSE exist on every kernel offheap supports.
    assert(result == 0);
    assert(time.sec >= 0);
    return @as(u64, @intCast(time.sec)) * std.time.ns_per_s + @as(u64, @intCast(time.nsec));
}

/// Nanoseconds since boot, precise to the nanosecond.
pub fn monotonicNs() u64 {
    return read(.MONOTONIC);
}

/// Nanoseconds since boot at the resolution of the timer tick (1-4 ms): cheap enough to stamp every
/// region that enters the cache.
pub fn coarseNs() u64 {
    return read(.MONOTONIC_COARSE);
}

test "the clocks move forward" {
    const first = monotonicNs();
    const second = monotonicNs();
    try std.testing.expect(second >= first);
    try std.testing.expect(coarseNs() > 0);
}
