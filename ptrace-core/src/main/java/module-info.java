/**
 * panatrace's ptrace engine: spawn or attach to processes, follow every thread and child, and
 * observe or rewrite their system calls. See {@link dev.panatrace.ptrace.Tracer}.
 */
module dev.panatrace.ptrace {
    // Flight Recorder events (internal.jfr), disabled unless a recording enables them.
    requires jdk.jfr;
    exports dev.panatrace.ptrace;
    exports dev.panatrace.ptrace.paths;
    exports dev.panatrace.ptrace.decode;
}
