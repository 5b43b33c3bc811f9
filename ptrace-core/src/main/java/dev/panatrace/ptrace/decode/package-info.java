/**
 * strace's view of syscalls, for tools built on the engine: {@link dev.panatrace.ptrace.decode.SyscallDecoder}
 * writes a call's arguments and result as strace does, {@link dev.panatrace.ptrace.decode.SyscallLog} is a
 * handler that writes a {@code strace -f}-style log (and can wrap the tool's own handler to show what it
 * rewrote), {@link dev.panatrace.ptrace.decode.SyscallSelection} reads {@code -e trace=} expressions.
 *
 * <pre>{@code
 * Writer out = new OutputStreamWriter(System.err);
 * SyscallLog log = SyscallLog.builder(out).select(SyscallSelection.parse("%file", Arch.current())).build();
 * try (TraceSession trace = Tracer.builder().handler(log).spawn(List.of("ls", "/"))) {
 *     trace.waitFor();
 * }
 * log.finish();
 * }</pre>
 */
package dev.panatrace.ptrace.decode;
