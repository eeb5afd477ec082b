//! The i8 pair kernels: dot, squared L2 and cosine, exact in integers. Elements are sign-extended to
//! i16 and multiplied pairwise into i32 lanes: pmaddwd on x86 (vpdpwssd, which also accumulates,
//! with AVX-512 VNNI). LLVM does not select those from the portable expression (it multiplies in
//! i16 and re-extends, twice the work), so x86 states them in inline assembly; other CPUs use the
//! portable expression, which AArch64 lowers to smull/smlal.
//!
//! Overflow bound: a product is at most 128·128 = 16384 (dot) or 255·255 = 65025 (l2sq). Each step
//! spreads `lanes` products over `lanes / 2` i32 lanes, so even if every step of a vector went to
//! one accumulator, a lane would hold at most 2 · dim / lanes products: with the narrowest (8-lane)
//! steps and `metric.dim_max` (65536) elements, 16384 · 65025 ≈ 1.07e9 < 2^31. The sums across
//! lanes and the scalar tail are taken in i64.
const std = @import("std");
const builtin = @import("builtin");
const metric = @import("metric.zig");
const magnitude = @import("magnitude.zig");

/// i16 lanes per step: twice the f32 lanes, so that the i32 products fill one full vector.
const lanes = 2 * (std.simd.suggestVectorLength(f32) orelse 4);
const Wide = @Vector(lanes, i16);
const Acc = @Vector(lanes / 2, i32);
const unroll = 2;

comptime {
    // The bound above, for these lanes.
    std.debug.assert(lanes >= 8);
    std.debug.assert(2 * @as(u64, metric.dim_max) / lanes * 65025 < std.math.maxInt(i32));
}

fn lanePicks(comptime parity: usize) @Vector(lanes / 2, i32) {
    var picks: [lanes / 2]i32 = undefined;
    for (&picks, 0..) |*pick, index| pick.* = @intCast(2 * index + parity);
    return picks;
}

/// Adjacent pairs of products summed into i32 lanes.
inline fn multiplyPairs(x: Wide, y: Wide) Acc {
    const x_even: Acc = @shuffle(i16, x, undefined, lanePicks(0));
    const x_odd: Acc = @shuffle(i16, x, undefined, lanePicks(1));
    const y_even: Acc = @shuffle(i16, y, undefined, lanePicks(0));
    const y_odd: Acc = @shuffle(i16, y, undefined, lanePicks(1));
    return x_even * y_even + x_odd * y_odd;
}

/// acc + multiplyPairs(x, y), in one or two instructions on x86.
inline fn multiplyPairsAdd(acc: Acc, x: Wide, y: Wide) Acc {
    if (builtin.cpu.arch != .x86_64) return acc + multiplyPairs(x, y);
    if (lanes == 32 and builtin.cpu.has(.x86, .avx512vnni)) {
        return asm ("vpdpwssd %[y], %[x], %[acc]"
            : [acc] "=v" (-> Acc),
            : [x] "v" (x),
              [y] "v" (y),
              [_] "0" (acc),
        );
    }
    if (builtin.cpu.has(.x86, .avx)) {
        return acc + asm ("vpmaddwd %[y], %[x], %[out]"
            : [out] "=v" (-> Acc),
            : [x] "v" (x),
              [y] "v" (y),
        );
    }
    return acc + asm ("pmaddwd %[y], %[out]"
        : [out] "=x" (-> Acc),
        : [y] "x" (y),
          [_] "0" (@as(Acc, @bitCast(x))),
    );
}

inline fn load(p: [*]const i8, index: usize) Wide {
    const chunk: @Vector(lanes, i8) = p[index..][0..lanes].*;
    return chunk;
}

/// `count` integer sums, each updated by `step`; the tail is finished by `tail` one element at a time.
inline fn sums(
    comptime count: usize,
    comptime step: fn (*[count]Acc, Wide, Wide) void,
    comptime tail: fn (*[count]i64, i64, i64) void,
    a: [*]const i8,
    b: [*]const i8,
    dim: usize,
) [count]i64 {
    var acc: [unroll][count]Acc = @splat(@splat(@splat(0)));
    var index: usize = 0;
    while (index + lanes * unroll <= dim) : (index += lanes * unroll) {
        inline for (0..unroll) |u| step(&acc[u], load(a, index + u * lanes), load(b, index + u * lanes));
    }
    while (index + lanes <= dim) : (index += lanes) step(&acc[0], load(a, index), load(b, index));
    var result: [count]i64 = undefined;
    inline for (0..count) |c| {
        const wide: @Vector(lanes / 2, i64) = acc[0][c];
        const wide_other: @Vector(lanes / 2, i64) = acc[1][c];
        result[c] = @reduce(.Add, wide + wide_other);
    }
    while (index < dim) : (index += 1) tail(&result, a[index], b[index]);
    return result;
}

fn stepDot(acc: *[1]Acc, x: Wide, y: Wide) void {
    acc[0] = multiplyPairsAdd(acc[0], x, y);
}

fn tailDot(result: *[1]i64, x: i64, y: i64) void {
    result[0] += x * y;
}

fn stepL2sq(acc: *[1]Acc, x: Wide, y: Wide) void {
    const difference = x - y;
    acc[0] = multiplyPairsAdd(acc[0], difference, difference);
}

fn tailL2sq(result: *[1]i64, x: i64, y: i64) void {
    result[0] += (x - y) * (x - y);
}

fn stepCosine(acc: *[3]Acc, x: Wide, y: Wide) void {
    acc[0] = multiplyPairsAdd(acc[0], x, y);
    acc[1] = multiplyPairsAdd(acc[1], x, x);
    acc[2] = multiplyPairsAdd(acc[2], y, y);
}

fn tailCosine(result: *[3]i64, x: i64, y: i64) void {
    result[0] += x * y;
    result[1] += x * x;
    result[2] += y * y;
}

pub inline fn dot(a: [*]const u8, b: [*]const u8, dim: u32) f32 {
    return @floatFromInt(sums(1, stepDot, tailDot, @ptrCast(a), @ptrCast(b), dim)[0]);
}

pub inline fn l2sq(a: [*]const u8, b: [*]const u8, dim: u32) f32 {
    return @floatFromInt(sums(1, stepL2sq, tailL2sq, @ptrCast(a), @ptrCast(b), dim)[0]);
}

pub inline fn cosine(a: [*]const u8, b: [*]const u8, dim: u32) f64 {
    const s = sums(3, stepCosine, tailCosine, @ptrCast(a), @ptrCast(b), dim);
    const d: f64 = @floatFromInt(s[0]);
    const aa: f64 = @floatFromInt(s[1]);
    const bb: f64 = @floatFromInt(s[2]);
    return magnitude.similarityOf(d, aa, bb);
}
