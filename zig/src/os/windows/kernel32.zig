//! The Win32 functions and constants the Windows OS layer calls, declared once (Zig's std declares
//! few of them). Every one exists since Windows 7 (x64), and Wine implements every one.
const std = @import("std");

pub const BOOL = c_int;
pub const HANDLE = *anyopaque;
pub const current_process: HANDLE = @ptrFromInt(std.math.maxInt(usize));

pub const mem_commit: u32 = 0x1000;
pub const mem_reserve: u32 = 0x2000;
pub const mem_decommit: u32 = 0x4000;
pub const mem_release: u32 = 0x8000;
pub const mem_free: u32 = 0x10000;
pub const mem_reset: u32 = 0x80000;
pub const page_readwrite: u32 = 0x04;

pub const MemoryBasicInformation = extern struct {
    base_address: usize,
    allocation_base: usize,
    allocation_protect: u32,
    partition_id: u16,
    region_size: usize,
    state: u32,
    protect: u32,
    kind: u32,
};

/// PSAPI_WORKING_SET_EX_INFORMATION: bit 0 of `attributes` is Valid (resident), bits 16-21 Node.
pub const WorkingSetExInformation = extern struct {
    virtual_address: usize,
    attributes: usize,
};

pub const ProcessorNumber = extern struct { group: u16, number: u8, reserved: u8 };

pub extern "kernel32" fn VirtualAlloc(address: ?*anyopaque, size: usize, allocation_type: u32, protect: u32) callconv(.winapi) ?*anyopaque;
pub extern "kernel32" fn VirtualAllocExNuma(process: HANDLE, address: ?*anyopaque, size: usize, allocation_type: u32, protect: u32, node: u32) callconv(.winapi) ?*anyopaque;
pub extern "kernel32" fn VirtualFree(address: *anyopaque, size: usize, free_type: u32) callconv(.winapi) BOOL;
pub extern "kernel32" fn VirtualQuery(address: ?*const anyopaque, buffer: *MemoryBasicInformation, length: usize) callconv(.winapi) usize;
pub extern "kernel32" fn K32QueryWorkingSetEx(process: HANDLE, buffer: *anyopaque, size: u32) callconv(.winapi) BOOL;
pub extern "advapi32" fn SystemFunction036(buffer: [*]u8, length: u32) callconv(.winapi) u8;

pub extern "kernel32" fn GetNumaHighestNodeNumber(highest: *u32) callconv(.winapi) BOOL;
pub extern "kernel32" fn GetCurrentProcessorNumberEx(number: *ProcessorNumber) callconv(.winapi) void;
pub extern "kernel32" fn GetNumaProcessorNodeEx(number: *ProcessorNumber, node: *u16) callconv(.winapi) BOOL;

pub extern "kernel32" fn GetCurrentThreadId() callconv(.winapi) u32;
pub extern "kernel32" fn GetCurrentProcessId() callconv(.winapi) u32;
pub extern "kernel32" fn OpenThread(access: u32, inherit: BOOL, thread_id: u32) callconv(.winapi) ?HANDLE;
pub extern "kernel32" fn GetProcessIdOfThread(thread: HANDLE) callconv(.winapi) u32;
pub extern "kernel32" fn GetExitCodeThread(thread: HANDLE, code: *u32) callconv(.winapi) BOOL;
pub extern "kernel32" fn CloseHandle(handle: HANDLE) callconv(.winapi) BOOL;
pub extern "kernel32" fn GetLastError() callconv(.winapi) u32;
pub extern "kernel32" fn Sleep(ms: u32) callconv(.winapi) void;
pub extern "kernel32" fn FlsAlloc(callback: ?*const fn (?*anyopaque) callconv(.winapi) void) callconv(.winapi) u32;
pub extern "kernel32" fn FlsSetValue(index: u32, value: ?*anyopaque) callconv(.winapi) BOOL;
pub extern "kernel32" fn GetModuleHandleExW(flags: u32, name: ?*const anyopaque, module: *?HANDLE) callconv(.winapi) BOOL;

pub extern "kernel32" fn QueryPerformanceCounter(count: *i64) callconv(.winapi) BOOL;
pub extern "kernel32" fn QueryPerformanceFrequency(frequency: *i64) callconv(.winapi) BOOL;
pub extern "kernel32" fn GetTickCount64() callconv(.winapi) u64;

pub extern "kernel32" fn GetStdHandle(which: u32) callconv(.winapi) ?HANDLE;
pub extern "kernel32" fn WriteFile(file: HANDLE, buffer: [*]const u8, length: u32, written: ?*u32, overlapped: ?*anyopaque) callconv(.winapi) BOOL;
