package dev.panatrace.bench;

import dev.panatrace.ptrace.TraceMode;

import java.util.List;
import java.util.Optional;

/** How the macro harness runs a workload: natively, under the engine, or under a peer tracer. */
public enum Tool {
    /** The workload alone, started with ProcessBuilder. */
    NATIVE("native", false, null),
    /** The engine in this JVM with a seccomp-BPF filter and a PathRedirector binding HOST to /proc/sys. */
    ENGINE_SECCOMP("engine-seccomp", true, TraceMode.SECCOMP),
    /** The engine in this JVM stopping at every syscall (PTRACE_SYSCALL), with the same PathRedirector. */
    ENGINE_SYSCALL("engine-syscall", true, TraceMode.SYSCALL),
    /** {@code strace -f --seccomp-bpf -e trace=openat -o /dev/null}: traces, redirects nothing. */
    STRACE_SECCOMP("strace-seccomp", false, null),
    /** {@code proot -b HOST:/proc/sys}: redirects /proc/sys like the engine. */
    PROOT("proot", true, null),
    /** The {@link ReferenceTracer}, blocking in waitpid: the engine's work per stop in C, the limit to reach. */
    REFERENCE("reference", true, null),
    /** The {@link ReferenceTracer} blocking, with tracer and command on one CPU: no wake-up crosses CPUs. */
    REFERENCE_PINNED("reference-pinned", true, null);

    private final String label;
    private final boolean redirects;
    private final TraceMode engineMode;

    Tool(String label, boolean redirects, TraceMode engineMode) {
        this.label = label;
        this.redirects = redirects;
        this.engineMode = engineMode;
    }

    /** The name in the results, e.g. {@code engine-seccomp}. */
    public String label() {
        return label;
    }

    /** Whether the workload sees the host directory in place of /proc/sys. */
    public boolean redirects() {
        return redirects;
    }

    /** The engine's mode, for the in-process engine tools. */
    public Optional<TraceMode> engineMode() {
        return Optional.ofNullable(engineMode);
    }

    /** The tool named {@code label}. */
    public static Tool byLabel(String label) {
        for (Tool tool : values()) {
            if (tool.label.equals(label)) {
                return tool;
            }
        }
        throw new IllegalArgumentException("unknown tool '" + label + "'; known: "
                + java.util.Arrays.stream(values()).map(Tool::label).toList());
    }

    /** Why this tool cannot run here (its program is not installed), or empty when it can. */
    public Optional<String> unavailableReason() {
        return switch (this) {
            case STRACE_SECCOMP -> missing("strace", "strace");
            case PROOT -> missing("proot", "proot");
            case REFERENCE, REFERENCE_PINNED -> ReferenceTracer.unavailableReason();
            default -> Optional.empty();
        };
    }

    /** Whether this is the reference tracer, pinned or not. */
    public boolean isReference() {
        return this == REFERENCE || this == REFERENCE_PINNED;
    }

    /** The command line that runs {@code command} under this peer tool; the command itself for native. */
    List<String> wrap(List<String> command, String hostDirectory) {
        List<String> prefix = switch (this) {
            case NATIVE -> List.of();
            case STRACE_SECCOMP -> List.of("strace", "-f", "--seccomp-bpf", "-e", "trace=openat", "-o", "/dev/null");
            // proot(1): -b host_path:guest_location makes host_path visible at guest_location.
            case PROOT -> List.of("proot", "-b", hostDirectory + ":/proc/sys");
            case ENGINE_SECCOMP, ENGINE_SYSCALL -> throw new IllegalStateException(label + " runs in-process");
            case REFERENCE, REFERENCE_PINNED -> throw new IllegalStateException(label + " needs its compiled tracer");
        };
        return java.util.stream.Stream.concat(prefix.stream(), command.stream()).toList();
    }

    private static Optional<String> missing(String program, String debianPackage) {
        return Executables.onPath(program).isPresent()
                ? Optional.empty()
                : Optional.of(program + " is not installed (Debian package " + debianPackage + ")");
    }
}
