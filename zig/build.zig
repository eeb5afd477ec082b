//! Builds liboffheap.so: the allocator core for the baseline CPU, plus the SIMD kernels compiled once
//! per CPU level (Zig has no function multiversioning), linked into one shared library with
//! `-z nodelete` so that a runtime can never unload it while threads still run its code.
//!
//!   zig build -Doptimize=fast     the library the benchmarks use (zig-out/lib/liboffheap.so)
//!   zig build -Dtarget=aarch64-linux-gnu.2.28   the same for another target (the OS layer in
//!                                 src/os/ must implement that target's OS)
//!   zig build -Doptimize=safe     the safety-checked library the tests use
//!   zig build -Dstrip=true        without debug information (the npm platform packages' libraries)
//!   zig build -Dfault-hooks=true  a test library whose OS calls can be made to fail (.ci/build faults)
//!   zig build test -Demulate-page-bytes=16384   the tests with the Linux OS layer acting as a kernel
//!                                 with 16 KiB pages, as macOS has on Apple silicon (npm run test:pages16k)
//!   zig build test -Dtarget=x86_64-windows-gnu -fwine   the tests for Windows under Wine (test:windows)
//!   zig build test                the inline `test` blocks of every file (the fuzz tests over their
//!                                 corpus and seeded inputs)
//!   zig build test --fuzz=1M -Dtest-filter=fuzz:   the fuzz tests under Zig's coverage-guided
//!                                 fuzzer, for a million runs (npm run fuzz:zig)
const std = @import("std");

/// One entry per kernel build. `name` becomes the suffix of every kernel symbol of that build;
/// `features_add` and `features_sub` adjust the CPU model, and simd/cpu.zig must check every feature a
/// level is built with before it chooses that level.
const SimdLevel = struct {
    name: []const u8,
    cpu: *const std.Target.Cpu.Model,
    features_add: std.Target.Cpu.Feature.Set = .empty,
    features_sub: std.Target.Cpu.Feature.Set = .empty,
};
const x86_levels = [_]SimdLevel{
    .{ .name = "baseline", .cpu = &std.Target.x86.cpu.x86_64 },
    .{ .name = "avx2", .cpu = &std.Target.x86.cpu.x86_64_v3 },
    // x86-64-v4 prefers 256-bit vectors, which would split every 512-bit kernel vector in two; the
    // kernels are written for full-width vectors, and use VNNI (i8) and VPOPCNTDQ (binary).
    .{
        .name = "avx512",
        .cpu = &std.Target.x86.cpu.x86_64_v4,
        .features_add = std.Target.x86.featureSet(&.{ .avx512vnni, .avx512vpopcntdq }),
        .features_sub = std.Target.x86.featureSet(&.{.prefer_256_bit}),
    },
};

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{ .default_target = .{ .cpu_model = .baseline } });
    const optimize = b.standardOptimizeOption(.{});
    // The npm platform packages ship stripped libraries (npm run build:all); local builds keep symbols.
    const strip = b.option(bool, "strip", "Strip debug information from the shared library") orelse false;

    // `-Dfault-hooks=true` builds a test library whose OS layer can be told to fail its Nth map,
    // advise or bind call (os.faults), armed through the one extra export `offheap_test_fault`; the
    // TypeScript fault tests load it (.ci/build faults). Never for a library anyone ships.
    const fault_hooks = b.option(bool, "fault-hooks", "Test library: OS calls can be made to fail (offheap_test_fault)") orelse false;
    const flags = b.addOptions();
    flags.addOption(bool, "fault_hooks", fault_hooks);
    // `-Demulate-page-bytes=16384` builds tests whose Linux OS layer acts as a kernel with 16 KiB
    // pages (macOS on Apple silicon), through the macOS port's page rounding (src/os/native_pages.zig):
    // `npm run test:pages16k`. Never for a library anyone ships.
    const emulate_page_bytes = b.option(usize, "emulate-page-bytes", "Tests: the Linux OS layer acts as a kernel with pages of this size") orelse 4096;
    if (!std.math.isPowerOfTwo(emulate_page_bytes) or emulate_page_bytes < 4096) @panic("-Demulate-page-bytes must be a power of two, at least 4096");
    flags.addOption(usize, "emulate_page_bytes", emulate_page_bytes);

    const core = b.addObject(.{ .name = "offheap_core", .root_module = coreModule(b, target, optimize) });
    core.root_module.addOptions("build_flags", flags);
    const kernels = simdObjects(b, target, optimize);

    // The final link goes through the zig CLI because the build API has no `-z nodelete` switch.
    // `-z nodelete` is ELF's; on macOS and Windows the OS layer pins the loaded library instead when it
    // registers its thread-exit hook (dlopen RTLD_NODELETE; GetModuleHandleEx PIN): src/os/*/thread.zig.
    const link = b.addSystemCommand(&.{ b.graph.zig_exe, "build-lib", "-dynamic", "-fPIC", "-lc" });
    if (target.result.ofmt == .elf) link.addArgs(&.{ "-z", "nodelete" });
    if (strip) link.addArg("-fstrip");
    link.addArgs(&.{ "-target", linkTriple(b, target) });
    link.addArgs(&.{ "-O", @tagName(optimize), "--name", "offheap" });
    link.addFileArg(core.getEmittedBin());
    for (kernels) |kernel| link.addFileArg(kernel.getEmittedBin());
    const file_name = b.fmt("{s}offheap{s}", .{ target.result.libPrefix(), target.result.dynamicLibSuffix() });
    const library = link.addPrefixedOutputFileArg("-femit-bin=", file_name);
    b.getInstallStep().dependOn(&b.addInstallLibFile(library, file_name).step);

    // Tests link the same kernel objects, so the dispatch code is tested against the real kernels.
    // `-Dtest-filter=fuzz:` keeps only the fuzz tests, for `zig build test --fuzz=N` (npm run fuzz:zig).
    const test_filters = b.option([]const []const u8, "test-filter", "Run only the tests whose names contain one of these") orelse &.{};
    const tests = b.addTest(.{ .root_module = coreModule(b, target, optimize), .filters = test_filters });
    tests.root_module.addOptions("build_flags", flags);
    for (kernels) |kernel| tests.root_module.addObject(kernel);
    const test_step = b.step("test", "Run the inline tests of every Zig file");
    const run_tests = b.addRunArtifact(tests);
    // The tests make real syscalls (mmap, mbind, hugetlb): run them every time, never from cache.
    run_tests.has_side_effects = true;
    test_step.dependOn(&run_tests.step);
}

/// The target of the final link: exactly what `-Dtarget` asked for (its glibc version included), or
/// the host's architecture, OS and ABI for a native build.
fn linkTriple(b: *std.Build, target: std.Build.ResolvedTarget) []const u8 {
    if (!target.query.isNativeTriple()) return target.query.zigTriple(b.allocator) catch @panic("OOM");
    const result = target.result;
    return b.fmt("{s}-{s}-{s}", .{ @tagName(result.cpu.arch), @tagName(result.os.tag), @tagName(result.abi) });
}

fn coreModule(b: *std.Build, target: std.Build.ResolvedTarget, optimize: std.builtin.OptimizeMode) *std.Build.Module {
    return b.createModule(.{
        .root_source_file = b.path("src/lib.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        .pic = true,
    });
}

/// Compiles `src/simd/kernels.zig` once per CPU level of the target architecture.
fn simdObjects(b: *std.Build, target: std.Build.ResolvedTarget, optimize: std.builtin.OptimizeMode) []*std.Build.Step.Compile {
    const levels: []const SimdLevel = switch (target.result.cpu.arch) {
        .x86_64 => &x86_levels,
        .aarch64 => &.{.{ .name = "neon", .cpu = &std.Target.aarch64.cpu.generic }},
        else => &.{},
    };
    const objects = b.allocator.alloc(*std.Build.Step.Compile, levels.len) catch @panic("OOM");
    for (levels, objects) |level, *object| {
        const options = b.addOptions();
        options.addOption([]const u8, "name", level.name);
        var query = target.query;
        query.cpu_model = .{ .explicit = level.cpu };
        query.cpu_features_add = level.features_add;
        query.cpu_features_sub = level.features_sub;
        const module = b.createModule(.{
            .root_source_file = b.path("src/simd/kernels.zig"),
            .target = b.resolveTargetQuery(query),
            .optimize = optimize,
            .pic = true,
        });
        module.addOptions("simd_level", options);
        object.* = b.addObject(.{ .name = b.fmt("offheap_simd_{s}", .{level.name}), .root_module = module });
    }
    return objects;
}
