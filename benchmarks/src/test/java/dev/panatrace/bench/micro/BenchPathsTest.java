package dev.panatrace.bench.micro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BenchPathsTest {
    @Test
    void pathsHaveTheExactLengthAndOnlyValidComponents() {
        qt().forAll(integers().between(2, 4095)).checkAssert(length -> {
            String path = BenchPaths.ofLength(length);
            assertEquals(length, path.length());
            assertTrue(path.startsWith("/") && !path.endsWith("/"), path);
            String[] components = path.substring(1).split("/", -1);
            assertTrue(Arrays.stream(components).allMatch(c -> !c.isEmpty() && c.length() <= 255), path);
        });
    }
}
