//! Chooses one kernel set at load time: the best level the CPU and the OS support, unless
//! `OFFHEAP_SIMD` forces a lower one. The kernels themselves live in `kernels.zig`, compiled once per
//! level; this file only declares their suffixed symbols and routes calls to the chosen set.
const std = @import("std");
const builtin = @import("builtin");
const cpu = @import("cpu.zig");

pub const Level = cpu.Level;

const DotF32 = *const fn (a: [*]const f32, b: [*]const f32, len: u32) callconv(.c) f32;

/// One function pointer per kernel, filled from the chosen level.
pub const Kernels = struct {
    dot_f32: DotF32,
};

fn kernelsFor(comptime name: []const u8) Kernels {
    return .{
        .dot_f32 = @extern(DotF32, .{ .name = "offheap_kernel_dot_f32_" ++ name }),
    };
}

var chosen_level: std.atomic.Value(u8) = .init(0xff);
var chosen: Kernels = undefined;

/// Returns the kernel set, choosing it on first use. Racing first calls choose the same level and
/// write the same pointers, so no lock is needed.
pub fn kernels() *const Kernels {
    if (chosen_level.load(.acquire) == 0xff) {
        const selected = cpu.selectLevel();
        chosen = switch (selected) {
            .baseline => kernelsFor("baseline"),
            .avx2 => kernelsFor("avx2"),
            .avx512 => kernelsFor("avx512"),
        };
        chosen_level.store(@backingInt(selected), .release);
    }
    return &chosen;
}

pub fn level() Level {
    _ = kernels();
    return @fromBackingInt(chosen_level.load(.acquire));
}

test "every level the CPU supports computes the same dot product" {
    var a: [37]f32 = undefined;
    var b: [37]f32 = undefined;
    var expected: f64 = 0;
    for (&a, &b, 0..) |*x, *y, i| {
        x.* = @floatFromInt(i % 7);
        y.* = @as(f32, @floatFromInt(i)) * 0.5;
        expected += @as(f64, x.*) * @as(f64, y.*);
    }
    const best = cpu.detectLevel();
    inline for (.{ "baseline", "avx2", "avx512" }, 0..) |name, rank| {
        if (rank <= @backingInt(best)) {
            const got = kernelsFor(name).dot_f32(&a, &b, a.len);
            try std.testing.expectApproxEqRel(@as(f32, @floatCast(expected)), got, 1e-6);
        }
    }
    try std.testing.expect(@backingInt(level()) <= @backingInt(best));
}
