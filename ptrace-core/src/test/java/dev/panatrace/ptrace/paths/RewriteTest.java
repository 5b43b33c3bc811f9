package dev.panatrace.ptrace.paths;

import static dev.panatrace.ptrace.paths.PathGenerators.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RewriteTest {
    @Test
    void logLineShowsTheResultAndTheErrnoName() {
        assertEquals("42 openat /proc/sys/kernel/ostype -> /tmp/s/kernel/ostype = 3",
                new Rewrite(42, "openat", bytes("/proc/sys/kernel/ostype"), bytes("/tmp/s/kernel/ostype"), 3).toString());
        assertEquals("7 stat ostype -> /tmp/s\\x20x/ostype = -2 ENOENT",
                new Rewrite(7, "stat", bytes("ostype"), bytes("/tmp/s x/ostype"), -2).toString());
        assertEquals("7 mmap a -> b = -4096",
                new Rewrite(7, "mmap", bytes("a"), bytes("b"), -4096).toString());
    }

    @Test
    void pathsAreCopiedInAndOut() {
        byte[] original = bytes("/a");
        Rewrite rewrite = new Rewrite(1, "chdir", original, bytes("/b"), 0);
        original[1] = 'z';
        rewrite.original()[1] = 'y';
        assertArrayEquals(bytes("/a"), rewrite.original());
        assertEquals(new Rewrite(1, "chdir", bytes("/a"), bytes("/b"), 0), rewrite);
        assertEquals(new Rewrite(1, "chdir", bytes("/a"), bytes("/b"), 0).hashCode(), rewrite.hashCode());
        assertNotEquals(new Rewrite(1, "chdir", bytes("/a"), bytes("/c"), 0), rewrite);
    }
}
