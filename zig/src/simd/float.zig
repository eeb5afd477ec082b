//! The f32 and f16 pair kernels: dot, squared L2 and cosine, accumulated in f32 lanes. Four
//! independent accumulators per sum hide FMA latency and split a long vector into many short
//! partial sums, which keeps the rounding error well inside 1e-5 relative for dims up to 4096.
//! Inputs may be unaligned; the tail (dim not a multiple of the vector width) is zero-padded, which
//! adds nothing to any of the sums.
const std = @import("std");
const builtin = @import("builtin");
const half = @import("half.zig");
const magnitude = @import("magnitude.zig");

pub const lanes = std.simd.suggestVectorLength(f32) orelse 4;
const V = @Vector(lanes, f32);
const unroll = 4;

/// Fused multiply-add where the CPU has it; elsewhere (baseline x86-64) @mulAdd would be a call to
/// fmaf per vector, so multiply and add separately.
const has_fma = switch (builtin.cpu.arch) {
    .x86_64 => builtin.cpu.has(.x86, .fma),
    else => true,
};

inline fn mulAdd(x: V, y: V, acc: V) V {
    return if (has_fma) @mulAdd(V, x, y, acc) else x * y + acc;
}

/// The kernels for vectors `a` of element type `A` and `b` of `B`, each `f32` or `u16` holding
/// binary16 bits. Mixed types serve the f16 scans, which widen the query once and not per row.
pub fn Kernels(comptime A: type, comptime B: type) type {
    return struct {
        const Side = Operand(A);
        const Other = Operand(B);

        inline fn sums(
            comptime count: usize,
            comptime step: fn (*[count]V, V, V) void,
            a: [*]const u8,
            b: [*]const u8,
            dim: usize,
        ) [count]f32 {
            var acc: [unroll][count]V = @splat(@splat(@splat(0)));
            var index: usize = 0;
            while (index + lanes * unroll <= dim) : (index += lanes * unroll) {
                inline for (0..unroll) |u| step(&acc[u], Side.load(a, index + u * lanes), Other.load(b, index + u * lanes));
            }
            while (index + lanes <= dim) : (index += lanes) step(&acc[0], Side.load(a, index), Other.load(b, index));
            if (index < dim) step(&acc[1], Side.loadTail(a, index, dim - index), Other.loadTail(b, index, dim - index));
            var result: [count]f32 = undefined;
            inline for (0..count) |c| result[c] = @reduce(.Add, (acc[0][c] + acc[1][c]) + (acc[2][c] + acc[3][c]));
            return result;
        }

        fn stepDot(acc: *[1]V, x: V, y: V) void {
            acc[0] = mulAdd(x, y, acc[0]);
        }

        fn stepL2sq(acc: *[1]V, x: V, y: V) void {
            const difference = x - y;
            acc[0] = mulAdd(difference, difference, acc[0]);
        }

        fn stepCosine(acc: *[3]V, x: V, y: V) void {
            acc[0] = mulAdd(x, y, acc[0]);
            acc[1] = mulAdd(x, x, acc[1]);
            acc[2] = mulAdd(y, y, acc[2]);
        }

        /// Dot product. Partial sums that overflowed (to infinities of both signs, or NaN) are
        /// redone in f64, which yields the correctly signed infinity or a finite cancelled result.
        pub inline fn dot(a: [*]const u8, b: [*]const u8, dim: u32) f32 {
            const result = sums(1, stepDot, a, b, dim)[0];
            if (std.math.isFinite(result)) return result;
            return @floatCast(wideSums(a, b, dim)[0]);
        }

        pub inline fn l2sq(a: [*]const u8, b: [*]const u8, dim: u32) f32 {
            return sums(1, stepL2sq, a, b, dim)[0];
        }

        /// Cosine similarity. When a squared norm left the range where f32 sums are accurate (it
        /// overflowed, or it is so small that denormal products lost precision), the sums are redone
        /// in f64, where no f32 input can overflow or underflow.
        pub inline fn cosine(a: [*]const u8, b: [*]const u8, dim: u32) f32 {
            const s = sums(3, stepCosine, a, b, dim);
            if (magnitude.f32SumsAccurate(s[0], s[1], s[2])) return magnitude.cosineOf(s[0], s[1], s[2]);
            const wide = wideSums(a, b, dim);
            return magnitude.cosineOf(wide[0], wide[1], wide[2]);
        }

        /// dot, |a|² and |b|² in f64, one element at a time: the slow path for extreme magnitudes.
        fn wideSums(a: [*]const u8, b: [*]const u8, dim: u32) [3]f64 {
            var s: [3]f64 = @splat(0);
            for (0..dim) |index| {
                const x: f64 = Side.scalar(a, index);
                const y: f64 = Other.scalar(b, index);
                s[0] += x * y;
                s[1] += x * x;
                s[2] += y * y;
            }
            return s;
        }
    };
}

/// Loads of one operand's element type, widened to f32 lanes.
fn Operand(comptime Element: type) type {
    comptime std.debug.assert(Element == f32 or Element == u16);
    return struct {
        const element_bytes = @sizeOf(Element);

        inline fn load(p: [*]const u8, index: usize) V {
            const chunk: @Vector(lanes, Element) = @as(*align(1) const [lanes]Element, @ptrCast(p + index * element_bytes)).*;
            return if (Element == f32) chunk else half.widen(lanes, chunk);
        }

        fn loadTail(p: [*]const u8, index: usize, count: usize) V {
            std.debug.assert(count > 0);
            std.debug.assert(count < lanes);
            var chunk: [lanes]Element = @splat(0);
            @memcpy(std.mem.sliceAsBytes(chunk[0..count]), p[index * element_bytes ..][0 .. count * element_bytes]);
            return if (Element == f32) chunk else half.widen(lanes, chunk);
        }

        fn scalar(p: [*]const u8, index: usize) f32 {
            const bits = std.mem.readInt(@Int(.unsigned, element_bytes * 8), p[index * element_bytes ..][0..element_bytes], .little);
            return if (Element == f32) @bitCast(bits) else half.widenOne(bits);
        }
    };
}
