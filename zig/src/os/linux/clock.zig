//! Linux monotonic clocks behind the OS contract (../os.zig), through glibc's `clock_gettime`:
//! `std.os.linux.clock_gettime` finds no vDSO inside a library (std never sees the auxiliary vector
//! when libc owns startup), so each read was a 127 ns syscall; glibc's uses the vDSO: 4 ns for
//! CLOCK_MONOTONIC_COARSE, 23 ns for CLOCK_MONOTONIC (measured on the dev box).
const posix_clock = @import("../posix/clock.zig");

pub fn monotonicNs() u64 {
    return posix_clock.readNs(.MONOTONIC);
}

pub fn coarseNs() u64 {
    return posix_clock.readNs(.MONOTONIC_COARSE);
}
