//! macOS monotonic clocks behind the OS contract (../os.zig): CLOCK_MONOTONIC_RAW and its cheap,
//! tick-resolution twin CLOCK_MONOTONIC_RAW_APPROX, which count from the same origin (boot, sleep
//! included), so the precise and the coarse clock can be compared.
const std = @import("std");
const assert = std.debug.assert;

fn read(clock: std.c.clockid_t) u64 {
    var time: std.c.timespec = undefined;
    const result = std.c.clock_gettime(clock, &time);
    // Both clocks exist since macOS 10.12; offheap's oldest target is 11.
    assert(result == 0);
    assert(time.sec >= 0);
    return @as(u64, @intCast(time.sec)) * std.time.ns_per_s + @as(u64, @intCast(time.nsec));
}

pub fn monotonicNs() u64 {
    return read(.MONOTONIC_RAW);
}

pub fn coarseNs() u64 {
    return read(.MONOTONIC_RAW_APPROX);
}
