package dev.panatrace.ptrace.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The Go {@code ticker} running with busy threads, started through a shell so that it is not this JVM's
 * child: the JDK's reaper thread waits for the pids of its children, and such a wait would take ptrace
 * stops meant for a tracer. For tests that attach to a running process.
 *
 * @param shell the shell that waits for the ticker and exits with its status
 * @param pid the ticker's pid, once all its threads run
 */
public record BackgroundTicker(Process shell, int pid) implements AutoCloseable {
    /**
     * Starts the ticker and returns once all its threads exist.
     *
     * @param threads how many busy threads
     * @param seconds how long it runs before it prints "done" and exits 0
     * @param ready a file it does not exist yet, where the ticker writes its pid
     */
    public static BackgroundTicker start(int threads, int seconds, Path ready) throws IOException, InterruptedException {
        Process shell = new ProcessBuilder(Tracees.busybox().toString(), "sh", "-c", "\"$0\" \"$@\" & wait $!",
                Tracees.go("ticker").toString(), "-threads", Integer.toString(threads), "-seconds",
                Integer.toString(seconds), "-ready", ready.toString())
                .redirectErrorStream(true).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(ready) && System.nanoTime() < deadline && shell.isAlive()) {
            Thread.sleep(10);
        }
        if (!Files.exists(ready)) {
            shell.destroyForcibly();
            throw new IllegalStateException("the ticker did not start: " + output(shell));
        }
        return new BackgroundTicker(shell, Integer.parseInt(Files.readString(ready).trim()));
    }

    /** Waits for the ticker's end; {@return what it printed and its exit status} */
    public String finish(long seconds) throws InterruptedException, IOException {
        if (!shell.waitFor(seconds, TimeUnit.SECONDS)) {
            return "still running after " + seconds + " s";
        }
        return new String(shell.getInputStream().readAllBytes()) + "exit " + shell.exitValue();
    }

    private static String output(Process p) {
        try {
            p.waitFor(5, TimeUnit.SECONDS);
            return new String(p.getInputStream().readAllBytes()) + " exit " + p.exitValue();
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Override
    public void close() {
        shell.destroyForcibly();
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
}
