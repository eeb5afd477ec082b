//! One reading of a clock through libc's `clock_gettime`, in nanoseconds, shared by the POSIX clock
//! layers (linux/clock.zig, darwin/clock.zig), which choose the clocks. libc's call, not a raw system
//! call, so that Linux reads through the vDSO (see linux/clock.zig).
const std = @import("std");
const assert = std.debug.assert;

/// The clock's time in nanoseconds; the clock must exist (each caller names clocks its OS has).
pub fn readNs(clock: std.c.clockid_t) u64 {
    var time: std.c.timespec = undefined;
    const result = std.c.clock_gettime(clock, &time);
    assert(result == 0);
    assert(time.sec >= 0);
    return @as(u64, @intCast(time.sec)) * std.time.ns_per_s + @as(u64, @intCast(time.nsec));
}
