//! IEEE binary16 → binary32 widening for the f16 kernels. Where the CPU converts in hardware (F16C
//! in x86-64-v3 and up, and every AArch64) the compiler's own conversion lowers to it (vcvtph2ps,
//! fcvtl). On baseline x86-64 that conversion would be a library call per element, so `widenBits`
//! converts whole vectors with integer operations instead; it is exact for every one of the 65536
//! inputs, denormals, infinities and NaNs included (the exhaustive test below proves it).
const std = @import("std");
const builtin = @import("builtin");

/// Whether this compilation's CPU converts binary16 in hardware.
pub const has_hardware_conversion = switch (builtin.cpu.arch) {
    .x86_64 => builtin.cpu.has(.x86, .f16c),
    .aarch64 => true,
    else => false,
};

/// Widens `lanes` binary16 values, given as their bits, to binary32.
pub inline fn widen(comptime lanes: comptime_int, bits: @Vector(lanes, u16)) @Vector(lanes, f32) {
    if (has_hardware_conversion) {
        const halves: @Vector(lanes, f16) = @bitCast(bits);
        return @floatCast(halves);
    }
    return widenBits(lanes, bits);
}

/// The integer conversion (after Fabian Giesen's half_to_float_fast): move exponent and mantissa into
/// binary32 position, rebias the exponent, then fix up the two special exponents. Infinity and NaN
/// need a larger rebias; zero and denormals are renormalised by a float subtraction, which is exact.
pub inline fn widenBits(comptime lanes: comptime_int, bits: @Vector(lanes, u16)) @Vector(lanes, f32) {
    const U = @Vector(lanes, u32);
    const wide: U = bits;
    const shifted_exponent: U = @splat(0x7c00 << 13);
    const magnitude = (wide & @as(U, @splat(0x7fff))) << @splat(13);
    const exponent = magnitude & shifted_exponent;
    const normal = magnitude + @as(U, @splat((127 - 15) << 23));
    const special = normal + @as(U, @splat((128 - 16) << 23));
    const magic: @Vector(lanes, f32) = @splat(@bitCast(@as(u32, 113 << 23)));
    const small_float = @as(@Vector(lanes, f32), @bitCast(normal + @as(U, @splat(1 << 23)))) - magic;
    const small: U = @bitCast(small_float);
    const is_special = exponent == shifted_exponent;
    const is_small = exponent == @as(U, @splat(0));
    const unsigned = @select(u32, is_special, special, @select(u32, is_small, small, normal));
    const sign = (wide & @as(U, @splat(0x8000))) << @splat(16);
    return @bitCast(unsigned | sign);
}

/// One binary16 value, for kernel tails.
pub inline fn widenOne(bits: u16) f32 {
    return widen(1, .{bits})[0];
}

test "the integer conversion is exact for every binary16 value" {
    var value: u32 = 0;
    while (value <= 0xffff) : (value += 8) {
        var bits: @Vector(8, u16) = undefined;
        inline for (0..8) |lane| bits[lane] = @intCast(value + lane);
        const got: [8]f32 = widenBits(8, bits);
        inline for (0..8) |lane| {
            const half: f16 = @bitCast(@as(u16, @intCast(value + lane)));
            const expected: f32 = @floatCast(half);
            if (std.math.isNan(expected)) {
                try std.testing.expect(std.math.isNan(got[lane]));
            } else {
                try std.testing.expectEqual(@as(u32, @bitCast(expected)), @as(u32, @bitCast(got[lane])));
            }
        }
    }
}

test "widen agrees with the integer conversion on the special values" {
    const bits: @Vector(8, u16) = .{ 0x0000, 0x8000, 0x0001, 0x83ff, 0x7c00, 0xfc00, 0x7bff, 0x3c00 };
    const expected = [8]f32{ 0, -0.0, 0x1p-24, -0x1.ff8p-15, std.math.inf(f32), -std.math.inf(f32), 65504, 1 };
    const got: [8]f32 = widen(8, bits);
    try std.testing.expectEqualSlices(f32, &expected, &got);
    try std.testing.expect(std.math.isNan(widenOne(0x7e00)));
    try std.testing.expect(std.math.signbit(widenOne(0x8000)));
}
