#!/usr/bin/env bash
# What a seccomp filter alone costs W2 (busybox dd of one-byte reads and writes, nothing intercepted): the
# floor under every seccomp-based tracer, the engine's W2 target included. Runs dd untraced, under a filter of
# one instruction (ALLOW) and under one of 50 (a compare chain, then ALLOW), with no tracer, interleaved RUNS
# times (default 7), and prints the median of each. The filters are installed by a small C program compiled with
# gcc into benchmarks/target/c-bin (the benchmarks' own; the libraries stay free of native code).
#
#   benchmarks/profile/seccomp-floor.sh [BYTES]     default 1,000,000 (bin/bench's W2)
set -euo pipefail
. "$(dirname "$0")/common.sh"
bytes=${1:-1000000}
binary=$repo/benchmarks/target/c-bin/seccomp-floor
mkdir -p "${binary%/*}"
gcc -O2 -o "$binary" -x c - <<'C'
/* seccomp-floor N CMD ARG...: installs an ALLOW-everything filter of N+2 instructions (none when N < 0), execs CMD. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: seccomp-floor N CMD ARG...\n");
        return 2;
    }
    int n = atoi(argv[1]);
    if (n >= 0) {
        static struct sock_filter program[BPF_MAXINSNS];
        int length = 0;
        program[length++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        for (int i = 0; i < n && length < BPF_MAXINSNS - 1; i++) {
            program[length++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x7fffffff, 0, 0);
        }
        program[length++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        struct sock_fprog fprog = {.len = (unsigned short) length, .filter = program};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0) {
            perror("seccomp-floor: installing the filter");
            return 125;
        }
    }
    execvp(argv[2], argv + 2);
    perror("seccomp-floor: exec");
    return 127;
}
C
declare -A walls
variants=(-1 0 50)
timing=$(mktemp)
trap 'rm -f "$timing"' EXIT
for ((run = 0; run < ${RUNS:-7}; run++)); do
    for n in "${variants[@]}"; do
        /usr/bin/time -o "$timing" -f '%e' "$binary" "$n" /bin/busybox dd if=/dev/zero of=/dev/null bs=1 \
            count="$bytes" 2>/dev/null
        walls[$n]+="$(tail -1 "$timing") "
    done
done
median() { tr ' ' '\n' <<< "$1" | grep . | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
label() { case $1 in -1) echo "no filter" ;; *) echo "filter of $(($1 + 2)) instructions" ;; esac; }
for n in "${variants[@]}"; do
    printf '%-28s wall %6.3f s   (walls: %s)\n' "$(label "$n")" "$(median "${walls[$n]}")" "${walls[$n]% }"
done
