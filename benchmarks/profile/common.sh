# Shared by the profile scripts: the repository, a host directory with the keys W1 and W3 read, the workloads,
# and the tracers. Sourced, not run.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
host=${TMPDIR:-/tmp}/panatrace-profile-host
mkdir -p "$host/kernel"
printf 'PanatraceOS\n' > "$host/kernel/ostype"
printf '0.0.0-panatrace-bench\n' > "$host/kernel/osrelease"
reference=$repo/benchmarks/target/c-bin/reference-tracer
w3=$repo/benchmarks/target/go-bin/w3
for built in "$reference" "$w3" "$repo/k3s-launcher/target/k3s-launcher.jar"; do
    if [[ ! -x $built && ! -f $built ]]; then
        echo "$(basename "$0"): $built is not built; bin/bench --quick builds all three" >&2
        exit 2
    fi
done

# Sets prefix to the command line of the tracer named $1 (engine, engine-cpu0, reference, reference-pinned,
# strace, native), which goes before the workload.
prefix=()
choose_tracer() {
    case $1 in
        engine) prefix=("$repo/bin/k3s-launcher" run --bind "$host:/proc/sys" --) ;;
        engine-cpu0) prefix=("$repo/bin/k3s-launcher" run --cpu 0 --bind "$host:/proc/sys" --) ;;
        reference) prefix=("$reference" --bind "$host:/proc/sys" --) ;;
        reference-pinned) prefix=("$reference" --pin --bind "$host:/proc/sys" --) ;;
        strace) prefix=(strace -f --seccomp-bpf -e trace=openat -o /dev/null) ;;
        native) prefix=() ;;
        *) echo "unknown tracer '$1' (engine, engine-cpu0, reference, reference-pinned, strace, native)" >&2; exit 2 ;;
    esac
}

# Sets workload to W1 with N opens (W1:N), W3 with T threads and 16,000 thread-iterations in all (W3:T), or
# W4 with N short processes (W4:N). With a second argument, native, W3 expects the real keys' contents, which
# it reads untraced, instead of the redirected ones.
workload=()
choose_workload() {
    case $1 in
        W1:*) local n=${1#W1:}
              workload=(/bin/busybox sh -c "i=0; while [ \$i -lt $n ]; do read v < /proc/sys/kernel/ostype;
                  i=\$((i+1)); done; echo \"\$v\"") ;;
        W3:*) local t=${1#W3:}
              workload=("$w3" -threads "$t" -iterations $((16000 / t)) -plain 8)
              if [[ ${2:-} == native ]]; then
                  workload+=(-expect "/proc/sys/kernel/ostype=$(< /proc/sys/kernel/ostype)\\n"
                      -expect "/proc/sys/kernel/osrelease=$(< /proc/sys/kernel/osrelease)\\n")
              else
                  workload+=(-expect '/proc/sys/kernel/ostype=PanatraceOS\n'
                      -expect '/proc/sys/kernel/osrelease=0.0.0-panatrace-bench\n')
              fi ;;
        W4:*) local n=${1#W4:}
              workload=(/bin/busybox sh -c "i=0; while [ \$i -lt $n ]; do /bin/busybox true; i=\$((i+1)); done") ;;
        *) echo "unknown workload '$1' (W1:OPENS, W3:THREADS or W4:PROCESSES)" >&2; exit 2 ;;
    esac
}
