#!/usr/bin/env bash
# What a tracer's run costs in system calls, context switches and migrations, counted by perf on tracepoints
# over the whole process tree (no sampling), ptrace split by request.
#
#   benchmarks/profile/tracer-syscalls.sh TRACER WORKLOAD     e.g. engine W1:20000, reference W3:64
set -euo pipefail
. "$(dirname "$0")/common.sh"
[[ $# == 2 ]] || { echo "usage: $0 TRACER WORKLOAD (e.g. engine W1:20000)" >&2; exit 2; }
choose_workload "$2"
choose_tracer "$1"
events=(
    -e syscalls:sys_enter_wait4 -e syscalls:sys_enter_sched_yield -e syscalls:sys_enter_futex
    -e syscalls:sys_enter_process_vm_readv -e syscalls:sys_enter_process_vm_writev -e syscalls:sys_enter_openat
    -e syscalls:sys_enter_ptrace --filter 'request == 0x4201'
    -e syscalls:sys_enter_ptrace --filter 'request == 0x4204 || request == 12'
    -e syscalls:sys_enter_ptrace --filter 'request == 0x4205 || request == 13'
    -e syscalls:sys_enter_ptrace --filter 'request == 7 || request == 24'
    -e raw_syscalls:sys_enter -e context-switches -e cpu-migrations -e task-clock
)
names=(wait4 sched_yield futex process_vm_readv process_vm_writev "openat (the tracee's)" "ptrace GETEVENTMSG"
    "ptrace GETREGS(ET)" "ptrace SETREGS(ET)" "ptrace CONT/SYSCALL" "all syscalls" context-switches cpu-migrations
    "task-clock ms")
perf stat -x, -o /dev/stderr "${events[@]}" -- ${prefix[@]+"${prefix[@]}"} "${workload[@]}" 2>&1 >/dev/null \
    | grep -v '^#' | grep . | awk -F, -v names="$(IFS='|'; echo "${names[*]}")" \
        'BEGIN {split(names, n, "|")} {printf "%-22s %s\n", n[NR], $1}'
