//! The distance kernels, compiled once per CPU level by build.zig (see `SimdLevel` there).
//! Every export carries the level's suffix, e.g. `offheap_kernel_dot_f32_avx2`, so that all levels
//! can live in one library; `dispatch.zig` picks one set at load time by cpuid.
const std = @import("std");
const level = @import("simd_level");

/// Lanes of f32 per vector for the CPU this copy is compiled for (4 for SSE2, 8 for AVX2, 16 for AVX-512).
const lanes_f32 = std.simd.suggestVectorLength(f32) orelse 4;
const VecF32 = @Vector(lanes_f32, f32);

/// Dot product of two f32 vectors of `len` elements. Four independent accumulators hide FMA latency
/// and keep the summation error low for long vectors.
fn dotF32(a: [*]const f32, b: [*]const f32, len: u32) callconv(.c) f32 {
    var acc: [4]VecF32 = @splat(@splat(0));
    var i: usize = 0;
    const step = lanes_f32 * 4;
    while (i + step <= len) : (i += step) {
        inline for (0..4) |k| {
            const va: VecF32 = a[i + k * lanes_f32 ..][0..lanes_f32].*;
            const vb: VecF32 = b[i + k * lanes_f32 ..][0..lanes_f32].*;
            acc[k] = @mulAdd(VecF32, va, vb, acc[k]);
        }
    }
    while (i + lanes_f32 <= len) : (i += lanes_f32) {
        const va: VecF32 = a[i..][0..lanes_f32].*;
        const vb: VecF32 = b[i..][0..lanes_f32].*;
        acc[0] = @mulAdd(VecF32, va, vb, acc[0]);
    }
    var sum = @reduce(.Add, (acc[0] + acc[1]) + (acc[2] + acc[3]));
    while (i < len) : (i += 1) sum = @mulAdd(f32, a[i], b[i], sum);
    return sum;
}

comptime {
    @export(&dotF32, .{ .name = "offheap_kernel_dot_f32_" ++ level.name });
}
