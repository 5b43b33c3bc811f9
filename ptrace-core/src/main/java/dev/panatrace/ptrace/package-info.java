/**
 * The ptrace engine's API: start a trace with {@link dev.panatrace.ptrace.Tracer}, see the tracee's
 * events in a {@link dev.panatrace.ptrace.TraceHandler}, and decide each syscall's fate with an
 * {@link dev.panatrace.ptrace.EntryAction}.
 *
 * <p>A handler that makes every {@code mkdir} of the traced program fail with EPERM, with seccomp
 * acceleration stopping only at {@code mkdir} and {@code mkdirat}:
 *
 * <pre>{@code
 * TraceHandler noMkdir = new TraceHandler() {
 *     public SyscallSet syscalls() {
 *         return SyscallSet.of("mkdir", "mkdirat");
 *     }
 *     public EntryAction onSyscallEntry(Syscall call) {
 *         return EntryAction.failing(Errno.EPERM);
 *     }
 * };
 * try (TraceSession trace = Tracer.builder().handler(noMkdir).spawn(List.of("mkdir", "/tmp/x"))) {
 *     ExitStatus status = trace.waitFor().orElseThrow();   // exit 1: "Operation not permitted"
 * }
 * }</pre>
 *
 * <p>Handlers run on the trace's own tracer thread; {@link dev.panatrace.ptrace.Tracee} and
 * {@link dev.panatrace.ptrace.Syscall} objects are valid only there, during the hook that received them.
 * A {@link dev.panatrace.ptrace.TraceSession} may be used from any thread.
 */
package dev.panatrace.ptrace;
