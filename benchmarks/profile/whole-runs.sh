#!/usr/bin/env bash
# Whole-process runs, JVM start-up included, of TRACER[:JVM-FLAGS] variants interleaved RUNS times (default 5):
# median wall time and median CPU time (user + system of the whole tree) of each.
#
#   benchmarks/profile/whole-runs.sh WORKLOAD VARIANT...
#   e.g. whole-runs.sh W1:20000 native engine engine:-XX:TieredStopAtLevel=1 reference-pinned
set -euo pipefail
. "$(dirname "$0")/common.sh"
[[ $# -ge 2 ]] || { echo "usage: $0 WORKLOAD TRACER[:JVM-FLAGS]..." >&2; exit 2; }
workload_name=$1
choose_workload "$workload_name"
shift
for variant in "$@"; do
    choose_tracer "${variant%%:*}"
done
declare -A walls cpus
for ((run = 0; run < ${RUNS:-5}; run++)); do
    for variant in "$@"; do
        choose_tracer "${variant%%:*}"
        choose_workload "$workload_name" "${variant%%:*}"
        flags=$([[ $variant == *:* ]] && echo "${variant#*:}" || true)
        times=$(PANATRACE_JAVA_OPTS="$flags" /usr/bin/time -f '%e %U %S' ${prefix[@]+"${prefix[@]}"} "${workload[@]}" \
            2>&1 >/dev/null | tail -1)
        read -r wall user system <<< "$times"
        walls[$variant]+="$wall "
        cpus[$variant]+="$(awk -v u="$user" -v s="$system" 'BEGIN {print u + s}') "
    done
done
median() { tr ' ' '\n' <<< "$1" | grep . | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
for variant in "$@"; do
    printf '%-40s wall %6.2f s   cpu %6.2f s   (walls: %s)\n' "$variant" "$(median "${walls[$variant]}")" \
        "$(median "${cpus[$variant]}")" "${walls[$variant]% }"
done
