package dev.panatrace.launcher;

import dev.panatrace.ptrace.paths.Rewrite;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * What {@code run --trace-log FILE} writes: one line per rewritten path, in the format of
 * {@link Rewrite#toString()}, {@code tid syscall original -> new = result}.
 *
 * <p>Lines arrive on the tracer thread. A write error does not disturb the traced command: the log
 * stops, and {@link #close} reports the error once the command has ended.
 */
final class RewriteLog implements Consumer<Rewrite>, AutoCloseable {
    private final Path file;
    private final BufferedWriter out;
    private IOException failure;

    private RewriteLog(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    /**
     * Creates or truncates {@code file}.
     *
     * @throws IOException if it cannot be opened for writing
     */
    static RewriteLog open(Path file) throws IOException {
        // Escaped lines are ASCII.
        return new RewriteLog(file, Files.newBufferedWriter(file, StandardCharsets.US_ASCII));
    }

    /** The file being written. */
    Path file() {
        return file;
    }

    @Override
    public synchronized void accept(Rewrite rewrite) {
        if (failure != null) {
            return;
        }
        try {
            out.write(rewrite.toString());
            out.newLine();
        } catch (IOException e) {
            failure = e;
        }
    }

    /**
     * Flushes and closes the file.
     *
     * @throws IOException the first write error, or the one closing the file
     */
    @Override
    public synchronized void close() throws IOException {
        try {
            out.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
