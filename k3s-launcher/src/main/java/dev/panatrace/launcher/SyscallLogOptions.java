package dev.panatrace.launcher;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.decode.SyscallDecoder;
import dev.panatrace.ptrace.decode.SyscallLog;
import dev.panatrace.ptrace.decode.SyscallSelection;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The strace-style syscall log that {@code trace}, {@code run}, {@code server} and {@code agent} write on
 * request: {@code -o FILE|-}, {@code -e trace=NAMES}, {@code -s N} (the node commands take only the long
 * forms, {@code --output}, {@code --trace}, {@code --string-limit}: k3s has a {@code -o} and a {@code -s} of
 * its own).
 *
 * <p>A FILE is written as {@code strace -f -o FILE} writes one, every line beginning with the thread's id;
 * {@code -} is standard output, written as strace writes its standard error, with {@code [pid N]} before a
 * line while more than one thread is traced. The file is created before the command starts.
 */
final class SyscallLogOptions {
    private String output;
    private String expression;
    private int stringLimit = SyscallDecoder.DEFAULT_STRING_LIMIT;
    /** Parsed from {@link #expression} by {@link #selection()}; null for all syscalls. */
    private Set<String> selected;
    private boolean parsed;

    private Writer writer;
    private SyscallLog log;

    /**
     * Adds the options to a command's syntax.
     *
     * @param shortNames whether {@code -o}, {@code -e} and {@code -s} are taken too
     */
    void addTo(CommandSyntax syntax, boolean shortNames) {
        syntax.option(shortNames ? "-o --output" : "--output", "FILE", "Write one line per syscall to FILE, as "
                        + "strace -f -o does ('-' for standard output): paths and buffers as quoted strings, flags by "
                        + "name, errors as -1 ENOENT (No such file or directory); a path the launcher redirected is "
                        + "shown as the kernel saw it, with /* redirected from \"PATH\" */. FILE is created before "
                        + "the command starts.", value -> output = value)
                .option(shortNames ? "-e --trace" : "--trace", "[trace=]NAMES", "Log (and stop at) only these "
                        + "syscalls: a comma list of names and the classes %file, %process, %network, %signal, "
                        + "%memory, as strace's -e trace=.", value -> expression = value)
                .option(shortNames ? "-s --string-limit" : "--string-limit", "N", "Show at most N bytes of each "
                        + "string and buffer (default " + SyscallDecoder.DEFAULT_STRING_LIMIT + "), then '...'.",
                        value -> stringLimit = CommandSyntax.wholeNumber("-s", value, 0));
    }

    /** Whether a log was asked for. */
    boolean logging() {
        return output != null;
    }

    /**
     * The syscalls {@code -e} selects, or null for all.
     *
     * @throws UsageException naming what is wrong with the expression
     */
    Set<String> selection() {
        if (!parsed && expression != null) {
            try {
                selected = SyscallSelection.parse(expression, Arch.current());
            } catch (IllegalArgumentException e) {
                throw new UsageException("-e " + expression + ": " + e.getMessage());
            }
        }
        parsed = true;
        return selected;
    }

    /**
     * Checks the options and creates the log file, before the command starts.
     *
     * @return null when all is well, else the message saying what is not (the launcher then exits 2)
     */
    String open(String command) {
        selection();
        if (output == null) {
            return null;
        }
        if (output.equals("-")) {
            writer = new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.ISO_8859_1);
            return null;
        }
        try {
            writer = Files.newBufferedWriter(Path.of(output), StandardCharsets.ISO_8859_1);
            return null;
        } catch (IOException e) {
            return command + ": cannot create the syscall log " + output + ": " + FileProblem.reason(e);
        }
    }

    /** {@code handler} wrapped in the log, or {@code handler} itself when no log was asked for; after {@link #open}. */
    TraceHandler around(TraceHandler handler) {
        if (writer == null) {
            return handler;
        }
        SyscallLog.Builder builder = SyscallLog.builder(writer).stringLimit(stringLimit).around(handler);
        if (selection() != null) {
            builder.select(selection());
        }
        if (output.equals("-")) {
            builder.flushEachLine().threadPrefix(SyscallLog.ThreadPrefix.BRACKETED_WHEN_SEVERAL);
        } else {
            builder.threadPrefix(SyscallLog.ThreadPrefix.ALWAYS);
        }
        log = builder.build();
        return log;
    }

    /**
     * Ends the log once the command has ended: flushes it and closes the file.
     *
     * @return {@code exitCode}, or {@link ExitCodes#LAUNCHER_FAILED} when the log could not be written
     */
    int finish(int exitCode, PrintWriter err) {
        if (writer == null) {
            return exitCode;
        }
        try {
            if (log != null) {
                log.finish();
            }
            if (!output.equals("-")) {
                writer.close();
            }
            return exitCode;
        } catch (IOException e) {
            err.println("k3s-launcher: writing the syscall log to " + output + " failed: " + e);
            err.flush();
            return ExitCodes.LAUNCHER_FAILED;
        }
    }
}
