//! Assertion levels, in the manner of mimalloc's `mi_assert` and `mi_assert_internal`.
//! `std.debug.assert` stays on in every build that checks safety and, in ReleaseFast, still hands
//! the optimizer its condition as a fact, which can keep the condition's loads alive on a hot path.
//! `internal` checks the same way in safe builds (what the tests load) and compiles to nothing in
//! fast ones: for invariants on the hottest paths (the block pop and push), where the benchmarks
//! measure the fast build.
const std = @import("std");

/// For a check whose condition itself costs work (an atomic load, say): `if (check.enabled) ...`
/// removes the condition too, which an argument to `internal` would still evaluate.
pub const enabled = std.debug.runtime_safety;

pub inline fn internal(ok: bool) void {
    if (std.debug.runtime_safety) {
        if (!ok) unreachable;
    }
}
