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

pub extern "kernel32" fn SwitchToThread() callconv(.winapi) BOOL;

// Files (os/windows/file.zig): write to a temporary name, then replace; map a whole file read-only.
pub const generic_read: u32 = 0x80000000;
pub const generic_write: u32 = 0x40000000;
pub const file_share_read: u32 = 0x1;
pub const file_share_delete: u32 = 0x4;
pub const create_always: u32 = 2;
pub const open_existing: u32 = 3;
pub const file_attribute_normal: u32 = 0x80;
pub const movefile_replace_existing: u32 = 0x1;
pub const movefile_write_through: u32 = 0x8;
pub const page_readonly: u32 = 0x02;
pub const file_map_read: u32 = 0x4;
pub const invalid_handle_value: HANDLE = @ptrFromInt(std.math.maxInt(usize));

pub extern "kernel32" fn CreateFileW(name: [*:0]const u16, access: u32, share: u32, security: ?*anyopaque, disposition: u32, attributes: u32, template: ?HANDLE) callconv(.winapi) HANDLE;
pub extern "kernel32" fn FlushFileBuffers(file: HANDLE) callconv(.winapi) BOOL;
pub extern "kernel32" fn MoveFileExW(from: [*:0]const u16, to: [*:0]const u16, flags: u32) callconv(.winapi) BOOL;
pub extern "kernel32" fn DeleteFileW(name: [*:0]const u16) callconv(.winapi) BOOL;
pub extern "kernel32" fn GetFileSizeEx(file: HANDLE, size: *i64) callconv(.winapi) BOOL;
pub extern "kernel32" fn CreateFileMappingW(file: HANDLE, security: ?*anyopaque, protect: u32, size_high: u32, size_low: u32, name: ?[*:0]const u16) callconv(.winapi) ?HANDLE;
pub extern "kernel32" fn MapViewOfFile(mapping: HANDLE, access: u32, offset_high: u32, offset_low: u32, bytes: usize) callconv(.winapi) ?*anyopaque;
pub extern "kernel32" fn UnmapViewOfFile(address: *const anyopaque) callconv(.winapi) BOOL;
