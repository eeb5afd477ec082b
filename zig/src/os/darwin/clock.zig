//! macOS monotonic clocks behind the OS contract (../os.zig): CLOCK_MONOTONIC_RAW and its cheap,
//! tick-resolution twin CLOCK_MONOTONIC_RAW_APPROX, which count from the same origin (boot, sleep
//! included), so the precise and the coarse clock can be compared.
const posix_clock = @import("../posix/clock.zig");

pub fn monotonicNs() u64 {
    return posix_clock.readNs(.MONOTONIC_RAW);
}

pub fn coarseNs() u64 {
    return posix_clock.readNs(.MONOTONIC_RAW_APPROX);
}
