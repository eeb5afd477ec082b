//! The root of each per-CPU-level kernel object (see `SimdLevel` in build.zig): it instantiates every
//! supported (element type, metric) kernel for the CPU this copy is compiled for, and exports it under
//! a name that ends in the level, so that all levels can live in one library:
//!
//!   offheap_kernel_<metric>_<type>_<level>(a, b, dim) f32                       one pair
//!   offheap_kernel_many_<metric>_<type>_<level>(query, rows, row_count, dim, stride, out) void
//!   offheap_kernel_fast_<metric>_f32_<level>(a, b, dim) f32                     one f32 pair, f32 sums
//!   offheap_kernel_fast_gather_<metric>_f32_<level>(query, rows, row_bytes, nodes, count, dim, out)
//!                                                        one query against listed rows, f32 sums
//!   offheap_kernel_stream_sum_f32_<level>(data, count) f32                      the read roofline
//!
//! `dispatch.zig` declares the same names and picks one level at load by cpuid. The symbols are
//! hidden: they link the objects into one library but are not part of its ABI. Nothing here checks
//! arguments: the C ABI (abi/vectors.zig) has done it. `stride` counts elements; pointers may be
//! unaligned.
const std = @import("std");
const level = @import("simd_level");
const metric = @import("metric.zig");
const float = @import("float.zig");
const int8 = @import("int8.zig");
const binary = @import("binary.zig");
const stream = @import("stream.zig");
const half = @import("half.zig");

/// f16 scans up to this dim widen the query to f32 once, on the stack, instead of once per row;
/// widening is exact, so the scores are bit-identical to the pair kernel's.
const widened_query_dim_max = 4096;

const ElementType = metric.ElementType;
const Metric = metric.Metric;

inline fn numericScore(comptime K: type, comptime m: Metric, a: [*]const u8, b: [*]const u8, dim: u32) f32 {
    return switch (m) {
        .dot => K.dot(a, b, dim),
        .l2sq => K.l2sq(a, b, dim),
        .cosine => @floatCast(K.cosine(a, b, dim)),
        .cosine_distance => @floatCast(1 - K.cosine(a, b, dim)),
        .hamming => comptime unreachable,
    };
}

inline fn score(comptime t: ElementType, comptime m: Metric, a: [*]const u8, b: [*]const u8, dim: u32) f32 {
    return switch (t) {
        .f32 => numericScore(float.Kernels(f32, f32), m, a, b, dim),
        .f16 => numericScore(float.Kernels(u16, u16), m, a, b, dim),
        .i8 => numericScore(int8, m, a, b, dim),
        .binary => binary.hamming(a, b, dim),
    };
}

fn Kernel(comptime t: ElementType, comptime m: Metric) type {
    comptime std.debug.assert(metric.supports(t, m));
    return struct {
        fn pair(a: [*]const u8, b: [*]const u8, dim: u32) callconv(.c) f32 {
            return score(t, m, a, b, dim);
        }

        /// One query against `row_count` rows that start `stride` elements apart.
        fn many(query: [*]const u8, rows: [*]const u8, row_count: u32, dim: u32, stride: u32, out: [*]f32) callconv(.c) void {
            std.debug.assert(stride >= dim);
            const row_bytes = @as(usize, stride) * metric.sizeBytes(t);
            if (t == .f16 and dim <= widened_query_dim_max) {
                var widened: [widened_query_dim_max]f32 = undefined;
                for (widened[0..dim], 0..) |*value, index| {
                    value.* = half.widenOne(std.mem.readInt(u16, query[2 * index ..][0..2], .little));
                }
                const K = float.Kernels(f32, u16);
                for (0..row_count) |row| out[row] = numericScore(K, m, @ptrCast(&widened), rows + row * row_bytes, dim);
                return;
            }
            for (0..row_count) |row| out[row] = score(t, m, query, rows + row * row_bytes, dim);
        }
    };
}

/// A pair of f32 vectors summed in f32 lanes (float.KernelsSummingIn): for comparisons whose
/// winners are scored again with the exact kernel (the vector index's graph walk).
fn FastKernel(comptime m: Metric) type {
    comptime std.debug.assert(metric.supports(.f32, m));
    return struct {
        const K = float.KernelsSummingIn(f32, f32, f32);

        fn pair(a: [*]const u8, b: [*]const u8, dim: u32) callconv(.c) f32 {
            return numericScore(K, m, a, b, dim);
        }

        /// One query against the rows `rows + nodes[i] · row_bytes`, i < count: a graph walk scores
        /// a node's unvisited neighbours in one call, so the call's cost is paid once per node and
        /// the query's loads may stay in registers.
        fn gather(
            query: [*]const u8,
            rows: [*]const u8,
            row_bytes: usize,
            nodes: [*]const u32,
            count: u32,
            dim: u32,
            noalias out: [*]f32,
        ) callconv(.c) void {
            for (nodes[0..count], out[0..count]) |node, *distance| {
                distance.* = numericScore(K, m, query, rows + @as(usize, node) * row_bytes, dim);
            }
        }
    };
}

fn streamSumF32(data: [*]const u8, count: usize) callconv(.c) f32 {
    return stream.sum(data, count);
}

comptime {
    for (metric.element_types) |t| {
        for (metric.metrics) |m| {
            if (!metric.supports(t, m)) continue;
            const stem = metric.kernelName(t, m) ++ "_" ++ level.name;
            @export(&Kernel(t, m).pair, .{ .name = "offheap_kernel_" ++ stem, .visibility = .hidden });
            @export(&Kernel(t, m).many, .{ .name = "offheap_kernel_many_" ++ stem, .visibility = .hidden });
        }
    }
    for (metric.metrics) |m| {
        if (!metric.supports(.f32, m)) continue;
        const stem = metric.kernelName(.f32, m) ++ "_" ++ level.name;
        @export(&FastKernel(m).pair, .{ .name = "offheap_kernel_fast_" ++ stem, .visibility = .hidden });
        @export(&FastKernel(m).gather, .{ .name = "offheap_kernel_fast_gather_" ++ stem, .visibility = .hidden });
    }
    @export(&streamSumF32, .{ .name = "offheap_kernel_stream_sum_f32_" ++ level.name, .visibility = .hidden });
}
