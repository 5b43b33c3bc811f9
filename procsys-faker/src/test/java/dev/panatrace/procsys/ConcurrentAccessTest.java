package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 64 threads write and read the same keys. Each thread writes values no other thread writes, and a
 * vector's two numbers depend on each other, so a torn or invented value cannot pass for a written one.
 */
@Timeout(60)
class ConcurrentAccessTest {
    private static final int THREADS = 64;
    private static final int WRITES = 150;
    private static final String PAIR = "net/ipv4/ping_group_range";
    private static final String SHARED_WILDCARD = "net/ipv6/conf/shared0/disable_ipv6";

    @TempDir
    Path temp;

    /** The n-th value thread t writes: its own range of first numbers, the second always three times the first. */
    private static int first(int thread, int n) {
        return thread * WRITES + n + 1;
    }

    @Test
    void everyReadIsAWrittenValueAndTheLastWriteWins() throws Exception {
        SysctlTree tree = SysctlTree.builder()
                .hostRoot(temp)
                .missing(Missing.ENOENT)
                .key(PAIR, "0 0", Mode.READ_WRITE, Validator.integerVector(2, 0, Integer.MAX_VALUE))
                .key("net/ipv6/conf/*/disable_ipv6", "0", Mode.READ_WRITE, Validator.integerRange(0, 1))
                .build();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        try (MaterializedTree files = tree.materialize(temp.resolve("procsys"))) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        for (int n = 0; n < WRITES; n++) {
                            int value = first(thread, n);
                            WriteResult result = tree.write(PAIR, value + " " + (3 * value) + "\n");
                            if (result != WriteResult.OK) {
                                failures.add("write " + value + ": " + result);
                            }
                            String read = tree.read(PAIR).orElse("(none)");
                            if (!isWrittenPair(read)) {
                                failures.add("read " + read.replace("\t", "\\t"));
                            }
                            tree.write("net/ipv6/conf/eth" + thread + "/disable_ipv6", Integer.toString(n % 2));
                            tree.write(SHARED_WILDCARD, Integer.toString(n % 2));
                            String shared = tree.read(SHARED_WILDCARD).orElse("(none)");
                            if (!shared.equals("0\n") && !shared.equals("1\n")) {
                                failures.add("shared " + shared);
                            }
                        }
                    } catch (InterruptedException e) {
                        failures.add("interrupted");
                    }
                }));
            }
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            assertEquals(List.of(), List.copyOf(failures));

            Set<String> lastWrites = new HashSet<>();
            for (int t = 0; t < THREADS; t++) {
                int last = first(t, WRITES - 1);
                lastWrites.add(last + "\t" + 3 * last + "\n");
            }
            String finalValue = tree.read(PAIR).orElseThrow();
            assertTrue(lastWrites.contains(finalValue), finalValue);
            assertEquals(finalValue, Files.readString(files.root().resolve(PAIR)));
            SysctlReport.KeyActivity pair = tree.report().keys().stream()
                    .filter(activity -> activity.key().path().equals(PAIR)).findFirst().orElseThrow();
            assertEquals(Optional.of(finalValue.strip()), pair.value());
            assertEquals((long) THREADS * WRITES, pair.writes());
            assertEquals((long) THREADS * WRITES + 1, pair.reads());

            String lastBit = Integer.toString((WRITES - 1) % 2) + "\n";
            for (int t = 0; t < THREADS; t++) {
                String key = "net/ipv6/conf/eth" + t + "/disable_ipv6";
                assertEquals(Optional.of(lastBit), tree.read(key), key);
                assertEquals(lastBit, Files.readString(files.root().resolve(key)), key);
            }
            assertEquals(Optional.of(lastBit), tree.read(SHARED_WILDCARD));
            assertEquals(lastBit, Files.readString(files.root().resolve(SHARED_WILDCARD)));
        }
    }

    private static boolean isWrittenPair(String read) {
        if (!read.endsWith("\n")) {
            return false;
        }
        String[] numbers = read.strip().split("\t");
        if (numbers.length != 2) {
            return false;
        }
        long a = Long.parseLong(numbers[0]);
        long b = Long.parseLong(numbers[1]);
        return a >= 1 && a <= (long) THREADS * WRITES && b == 3 * a;
    }
}
