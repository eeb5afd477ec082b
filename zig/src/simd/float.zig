//! The f32 and f16 pair kernels: dot, squared L2 and cosine.
//!
//! Accuracy policy (README "Accuracy"): two f32 vectors are accumulated in f64. Each f32 lane is
//! widened to f64 and multiplied and added there (FMA where the CPU has it), as NumKong does. A
//! product of two f32 values is exact in f64, and no f32 input can overflow or underflow an f64
//! sum, so the only errors are the f64 additions (at most about (dim / (lanes · unroll) + log2 of
//! the accumulator count) · 2^-53 of the sum of |terms|) and the final rounding to f32: on
//! well-conditioned inputs the result is within 1 ULP of the exact score rounded to f32, at every
//! CPU level. A vector that is read from memory at ~26 GB/s leaves the core time for the extra
//! conversions; the f64 lanes are split over enough accumulators to hide the FMA latency.
//!
//! f16 operands keep f32 accumulators: a product of two binary16 values is exact in f32 (11 + 11
//! significant bits, exponents from 2^-48 to 2^32), so only the additions round, with the bound
//! above at 2^-24 instead of 2^-53 (documented in the README). The f16 scans read half the bytes of
//! f32 ones, so f64 lanes there would make them compute-bound.
//!
//! Inputs may be unaligned. The tail (dim not a multiple of the vector width) is the last full
//! vector with the lanes already summed set to zero, or a zero-padded copy when the whole vector is
//! shorter than one; zeros add nothing to any of the sums. The lanes are summed pairwise.
const std = @import("std");
const builtin = @import("builtin");
const half = @import("half.zig");
const magnitude = @import("magnitude.zig");

pub const lanes = std.simd.suggestVectorLength(f32) orelse 4;
const V = @Vector(lanes, f32);

/// Fused multiply-add where the CPU has it; elsewhere (baseline x86-64) @mulAdd would be a call to
/// fma per vector, so multiply and add separately. In f64 that loses nothing for dot and cosine: a
/// product of two f32 values is exact there, so the add rounds once either way.
const has_fma = switch (builtin.cpu.arch) {
    .x86_64 => builtin.cpu.has(.x86, .fma),
    else => true,
};

inline fn mulAdd(comptime T: type, x: T, y: T, acc: T) T {
    return if (has_fma) @mulAdd(T, x, y, acc) else x * y + acc;
}

const zero: V = @splat(0);

/// The lanes at or above `first`.
inline fn lanesFrom(first: usize) @Vector(lanes, bool) {
    return std.simd.iota(u32, lanes) >= @as(@Vector(lanes, u32), @splat(@intCast(first)));
}

/// The sum of a vector's lanes, halves added pairwise: log2(n) dependent adds (a float @reduce
/// adds the lanes one after another, n − 1 of them), and log2(n) roundings in a lane's path.
inline fn sumPairwise(comptime T: type, comptime n: usize, v: @Vector(n, T)) T {
    if (n == 1) return v[0];
    const half_n = n / 2;
    const low = @shuffle(T, v, undefined, std.simd.iota(i32, half_n));
    const high = @shuffle(T, v, undefined, std.simd.iota(i32, half_n) + @as(@Vector(half_n, i32), @splat(half_n)));
    return sumPairwise(T, half_n, low + high);
}

/// The kernels for vectors `a` of element type `A` and `b` of `B`, each `f32` or `u16` holding
/// binary16 bits, under the accuracy policy: f64 sums for two f32 operands, f32 when either is
/// binary16. Mixed types serve the f16 scans, which widen the query once and not per row.
pub fn Kernels(comptime A: type, comptime B: type) type {
    return KernelsSummingIn(A, B, if (A == f32 and B == f32) f64 else f32);
}

/// The same kernels summing in `Sum` lanes. `Kernels` is what every score the library reports
/// uses; f32 sums for two f32 operands (about twice as fast, with an error that grows with the
/// dimension) serve only comparisons whose winners are scored again exactly: the vector index's
/// graph walk (index/space.zig).
pub fn KernelsSummingIn(comptime A: type, comptime B: type, comptime Sum: type) type {
    comptime std.debug.assert(Sum == f32 or Sum == f64);
    return struct {
        const Side = Operand(A);
        const Other = Operand(B);
        pub const Accumulator = Sum;
        const Lanes = @Vector(lanes, Accumulator);

        /// Independent accumulators per sum. An f64 step is two vectors (one per half of the f32
        /// vector), so 4 × 2 chains per sum for dot and l2sq; cosine keeps three sums and halves
        /// the unroll so that its 12 f64 chains stay in registers on AVX2 and SSE2 (16 of them).
        fn unrollOf(comptime count: usize) usize {
            return if (Accumulator == f64 and count == 3) 2 else 4;
        }

        inline fn widen(x: V) Lanes {
            return if (Accumulator == f32) x else @floatCast(x);
        }

        inline fn sums(
            comptime count: usize,
            comptime step: fn (*[count]Lanes, Lanes, Lanes) void,
            a: [*]const u8,
            b: [*]const u8,
            dim: usize,
        ) [count]Accumulator {
            const unroll = comptime unrollOf(count);
            var acc: [unroll][count]Lanes = @splat(@splat(@splat(0)));
            var index: usize = 0;
            while (index + lanes * unroll <= dim) : (index += lanes * unroll) {
                inline for (0..unroll) |u| step(&acc[u], widen(Side.load(a, index + u * lanes)), widen(Other.load(b, index + u * lanes)));
            }
            while (index + lanes <= dim) : (index += lanes) step(&acc[0], widen(Side.load(a, index)), widen(Other.load(b, index)));
            if (index < dim) {
                if (dim >= lanes) {
                    // The last full vector, ending at `dim`, with the lanes summed already zeroed: two
                    // loads and a blend instead of a copy through the stack.
                    const start = dim - lanes;
                    const fresh = lanesFrom(index - start);
                    step(&acc[1], widen(@select(f32, fresh, Side.load(a, start), zero)), widen(@select(f32, fresh, Other.load(b, start), zero)));
                } else {
                    step(&acc[1], widen(Side.loadTail(a, index, dim - index)), widen(Other.loadTail(b, index, dim - index)));
                }
            }
            var result: [count]Accumulator = undefined;
            inline for (0..count) |c| {
                // Pairwise, so the combining adds contribute log2(unroll) roundings, not unroll.
                comptime var width = unroll;
                inline while (width > 1) : (width /= 2) {
                    inline for (0..width / 2) |u| acc[u][c] += acc[u + width / 2][c];
                }
                result[c] = sumPairwise(Accumulator, lanes, acc[0][c]);
            }
            return result;
        }

        fn stepDot(acc: *[1]Lanes, x: Lanes, y: Lanes) void {
            acc[0] = mulAdd(Lanes, x, y, acc[0]);
        }

        fn stepL2sq(acc: *[1]Lanes, x: Lanes, y: Lanes) void {
            const difference = x - y;
            acc[0] = mulAdd(Lanes, difference, difference, acc[0]);
        }

        fn stepCosine(acc: *[3]Lanes, x: Lanes, y: Lanes) void {
            acc[0] = mulAdd(Lanes, x, y, acc[0]);
            acc[1] = mulAdd(Lanes, x, x, acc[1]);
            acc[2] = mulAdd(Lanes, y, y, acc[2]);
        }

        /// Dot product, rounded once to f32 (±Infinity when the exact sum is beyond f32's range).
        pub inline fn dot(a: [*]const u8, b: [*]const u8, dim: u32) f32 {
            return @floatCast(sums(1, stepDot, a, b, dim)[0]);
        }

        pub inline fn l2sq(a: [*]const u8, b: [*]const u8, dim: u32) f32 {
            return @floatCast(sums(1, stepL2sq, a, b, dim)[0]);
        }

        /// Cosine similarity in f64, clamped to [−1, 1]; `magnitude.similarityOf` has the rules.
        pub inline fn cosine(a: [*]const u8, b: [*]const u8, dim: u32) f64 {
            const s = sums(3, stepCosine, a, b, dim);
            return magnitude.similarityOf(s[0], s[1], s[2]);
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
    };
}
