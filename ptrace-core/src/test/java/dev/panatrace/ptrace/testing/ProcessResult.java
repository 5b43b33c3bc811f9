package dev.panatrace.ptrace.testing;

/**
 * How a process ended and what it printed, for comparing a traced run with an untraced one.
 *
 * @param exitCode its exit status, or 128 + N when signal N killed it (as {@link Process#exitValue()}
 *     reports it)
 * @param stdout everything it wrote to standard output, decoded as UTF-8
 * @param stderr everything it wrote to standard error, decoded as UTF-8
 */
public record ProcessResult(int exitCode, String stdout, String stderr) {}
