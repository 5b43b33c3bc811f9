#!/usr/bin/env bash
# Per thread of a tracer and its tracee, what the scheduler saw over a run, from /proc/PID/task/TID/sched and
# schedstat (snapshots every 20 ms, each thread's last one): CPU time, switches (voluntary: it blocked;
# involuntary: it was preempted or yielded), migrations, and the time it waited runnable for a CPU.
#
#   benchmarks/profile/threads-sched.sh TRACER WORKLOAD      e.g. engine W1:20000, reference-pinned W1:20000
set -euo pipefail
. "$(dirname "$0")/common.sh"
[[ $# == 2 ]] || { echo "usage: $0 TRACER WORKLOAD (e.g. engine W1:20000)" >&2; exit 2; }
choose_workload "$2"
choose_tracer "$1"
snapshots=$(mktemp)
trap 'rm -f "$snapshots"' EXIT
${prefix[@]+"${prefix[@]}"} "${workload[@]}" > /dev/null &
pid=$!
shopt -s nullglob
while kill -0 "$pid" 2>/dev/null; do
    tasks=(/proc/"$pid"/task/*)
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null || true); do
        tasks+=(/proc/"$child"/task/*)
    done
    for task in "${tasks[@]}"; do
        # A thread may end between any two of these reads: then it is left out of this snapshot.
        comm=$(cat "$task/comm" 2>/dev/null) || continue
        schedstat=$(cat "$task/schedstat" 2>/dev/null) || continue
        read -r _ wait slices <<< "$schedstat"
        awk -v tid="${task##*/}" -v comm="$comm" -v wait="$wait" -v slices="$slices" '
            /^se.sum_exec_runtime/ {cpu = $3} /^se.nr_migrations/ {mig = $3} /^nr_voluntary_switches/ {vol = $3}
            /^nr_involuntary_switches/ {inv = $3}
            END {print tid "|" comm "|" cpu "|" vol "|" inv "|" mig "|" wait "|" slices}' "$task/sched" \
            >> "$snapshots" 2>/dev/null || continue
    done
    sleep 0.02
done
wait "$pid" || true
echo "thread|cpu ms|voluntary|involuntary|migrations|runqueue wait ms|wait per slice µs"
awk -F'|' '{last[$1] = $0} END {for (t in last) print last[t]}' "$snapshots" \
    | awk -F'|' '$2 ~ /^w3$/ {n++; c += $3; v += $4; i += $5; m += $6; w += $7; s += $8; next}
                 $3 >= 5 {printf "%s|%.0f|%d|%d|%d|%.0f|%.1f\n", $2, $3, $4, $5, $6, $7 / 1e6, $8 ? $7 / $8 / 1e3 : 0}
                 END {if (n) printf "w3 (%d threads seen)|%.0f|%d|%d|%d|%.0f|%.1f\n", n, c, v, i, m, w / 1e6,
                                     s ? w / s / 1e3 : 0}' \
    | sort -t'|' -k2 -n -r
