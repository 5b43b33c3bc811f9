package dev.panatrace.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panatrace.terminal.StatusLine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HarnessProgressTest {
    private static final String NL = System.lineSeparator();

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, false, StandardCharsets.UTF_8);

    private void advance(Duration duration) {
        now.addAndGet(duration.toNanos());
    }

    @Test
    void theStatusSaysWhatRunsForHowLongAndWhatIsLeftOfTheWorkload() {
        try (HarnessProgress progress = new HarnessProgress(new StatusLine(out, false), now::get)) {
            assertEquals("", progress.line(), "nothing before the first run");
            progress.plan(12);
            progress.begin("W1 native warm-up", "W1", Optional.empty(), Optional.empty());
            advance(Duration.ofSeconds(2));
            assertEquals("bench: [1/12, 2s] W1 native warm-up: 2s", progress.line());

            advance(Duration.ofSeconds(68));
            progress.begin("W1 proot run 1/2", "W1", Optional.of(Duration.ofSeconds(10)),
                    Optional.of(Duration.ofSeconds(65)));
            advance(Duration.ofSeconds(4));
            assertEquals("bench: [2/12, 1m 14s] W1 proot run 1/2: 4s; W1 ~1m 11s left", progress.line());

            advance(Duration.ofSeconds(16));
            progress.plan(-3);
            assertEquals("bench: [2/9, 1m 30s] W1 proot run 1/2: 20s; W1 ~1m 5s left", progress.line(),
                    "a run longer than its tool's last leaves the rest of the workload");
        }
        assertEquals("", bytes.toString(StandardCharsets.UTF_8), "not a terminal: no status, and no lines were written");
    }

    @Test
    void onATerminalTheLinesGoAboveTheStatusWhichIsErasedAtTheEnd() {
        String status = "bench: [1/4, 0s] W4 native run 1/1: 0s";
        try (HarnessProgress progress = new HarnessProgress(new StatusLine(out, true), now::get)) {
            progress.plan(4);
            progress.begin("W4 native run 1/1", "W4", Optional.empty(), Optional.empty());
            progress.println("bench: W4 native           run 1/1 0.096 s (cpu 0.094 s)");
        }
        assertEquals("\r" + status + "\033[K" + "\r\033[K" + "bench: W4 native           run 1/1 0.096 s (cpu 0.094 s)"
                + NL + status + "\r\033[K", bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void elsewhereOnlyTheLinesAreWritten() {
        try (HarnessProgress progress = new HarnessProgress(new StatusLine(out, false), now::get)) {
            progress.plan(4);
            progress.begin("W4 native run 1/1", "W4", Optional.empty(), Optional.empty());
            advance(Duration.ofSeconds(3));
            progress.println("bench: W4 native           run 1/1 0.096 s (cpu 0.094 s)");
        }
        assertEquals("bench: W4 native           run 1/1 0.096 s (cpu 0.094 s)" + NL, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void durationsAreWholeSecondsWithMinutesFromOneMinuteOn() {
        assertEquals("0s", HarnessProgress.format(Duration.ofMillis(999)));
        assertEquals("59s", HarnessProgress.format(Duration.ofSeconds(59)));
        assertEquals("1m 0s", HarnessProgress.format(Duration.ofSeconds(60)));
        assertEquals("14m 3s", HarnessProgress.format(Duration.ofSeconds(843)));
    }
}
