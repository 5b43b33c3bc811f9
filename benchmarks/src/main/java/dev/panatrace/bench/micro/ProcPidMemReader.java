package dev.panatrace.bench.micro;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads NUL-terminated strings from a tracee through {@code /proc/PID/mem}, the alternative to the engine's
 * process_vm_readv: one positional read per page the string touches, on a channel kept open per process.
 * Used only on the tracer thread, in a handler.
 */
final class ProcPidMemReader implements AutoCloseable {
    private static final int PAGE = 4096;

    private final ByteBuffer page = ByteBuffer.allocateDirect(PAGE);
    private FileChannel memory;
    private int pid = -1;

    /**
     * The string at {@code address} in process {@code pid}, without its NUL, or null when it has none within
     * {@code max} bytes.
     *
     * @throws IOException when the memory cannot be read there (unmapped)
     */
    byte[] readCString(int pid, long address, int max) throws IOException {
        if (pid != this.pid) {
            close();
            memory = FileChannel.open(Path.of("/proc", Integer.toString(pid), "mem"), StandardOpenOption.READ);
            this.pid = pid;
        }
        byte[] string = new byte[Math.min(max, PAGE)];
        int length = 0;
        while (length <= max) {
            long at = address + length;
            // Stop at the page end: a read crossing into an unmapped page fails as a whole.
            int chunk = (int) Math.min(max + 1 - length, PAGE - (at & (PAGE - 1)));
            page.clear().limit(chunk);
            int n = memory.read(page, at);
            if (n <= 0) {
                throw new IOException("read /proc/" + pid + "/mem at 0x" + Long.toHexString(at));
            }
            for (int i = 0; i < n; i++) {
                byte b = page.get(i);
                if (b == 0) {
                    return Arrays.copyOf(string, length);
                }
                if (length == string.length) {
                    string = Arrays.copyOf(string, Math.min(2 * string.length, max + 1));
                }
                string[length++] = b;
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        if (memory != null) {
            memory.close();
            memory = null;
            pid = -1;
        }
    }
}
