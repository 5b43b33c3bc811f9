package dev.panatrace.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SoakOptionsTest {
    @Test
    void minutesThenOptions() {
        SoakOptions defaults = SoakOptions.parse("60");
        assertEquals(Duration.ofMinutes(60), defaults.length());
        assertEquals(defaults.repo().resolve("benchmarks/results"), defaults.out());
        assertEquals(Duration.ofSeconds(10), defaults.interval());
        assertEquals("", defaults.launcherJavaOptions());

        SoakOptions chosen = SoakOptions.parse("--out", "/tmp/soak", "2", "--interval-s", "5",
                "--launcher-java-opts", " -Xmx64m ");
        assertEquals(Duration.ofMinutes(2), chosen.length());
        assertEquals(Path.of("/tmp/soak"), chosen.out());
        assertEquals(Duration.ofSeconds(5), chosen.interval());
        assertEquals("-Xmx64m", chosen.launcherJavaOptions());
    }

    @Test
    void badInputIsNamed() {
        assertEquals("--soak needs a number of minutes", message());
        assertEquals("--soak MINUTES wants a whole number from 1 to 10080, got '0'", message("0"));
        assertEquals("--soak MINUTES wants a whole number from 1 to 10080, got 'an hour'", message("an hour"));
        assertEquals("unknown soak option '--quick'", message("5", "--quick"));
        assertEquals("unknown soak option '6'", message("5", "6"));
        assertEquals("--interval-s needs a value", message("5", "--interval-s"));
        assertEquals("--interval-s wants a whole number from 1 to 3600, got '0.5'", message("5", "--interval-s", "0.5"));
    }

    private static String message(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> SoakOptions.parse(args)).getMessage();
    }
}
