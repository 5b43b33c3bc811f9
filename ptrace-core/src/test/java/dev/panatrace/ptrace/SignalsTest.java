package dev.panatrace.ptrace;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SignalsTest {
    /** The signals whose default action is "Stop" in signal(7)'s table. */
    private static final Set<Integer> STOP_SIGNALS = Set.of(19, 20, 21, 22);

    @Test
    void standardNamesMatchThisMachinesKillList() throws IOException, InterruptedException {
        // bash's `kill -l N` prints the name without its SIG prefix, one per line.
        Process bash = new ProcessBuilder("/bin/bash", "-c", "for n in $(seq 1 31); do kill -l $n; done")
                .redirectErrorStream(true)
                .start();
        String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertEquals(0, bash.waitFor(), output);
        List<String> machine = output.lines().map(name -> "SIG" + name).toList();
        assertEquals(31, machine.size(), output);
        List<Executable> checks = new ArrayList<>();
        for (int signal = 1; signal <= 31; signal++) {
            int number = signal;
            checks.add(() -> assertEquals(machine.get(number - 1), Signals.name(number), "signal " + number));
        }
        assertAll(checks);
    }

    @Test
    void constantsAreNamedAfterTheirSignal() throws IllegalAccessException {
        List<Executable> checks = new ArrayList<>();
        for (Field field : Signals.class.getFields()) {
            int modifiers = field.getModifiers();
            if (field.getType() == int.class && Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers)) {
                int value = field.getInt(null);
                checks.add(() -> assertEquals(field.getName(), Signals.name(value), "Signals." + field.getName()));
            }
        }
        assertEquals(17, checks.size(), "signal constants");
        assertAll(checks);
    }

    @Test
    void realTimeSignalsCountFromTheKernelsSigrtmin() {
        // The kernel's SIGRTMIN is 32 and _NSIG is 64 (asm-generic/signal.h). glibc hides 32 and 33 for
        // its threads, so bash's "SIGRTMIN" is kernel signal 34; names here follow the kernel.
        for (int n = 0; n <= 32; n++) {
            assertEquals("SIGRTMIN+" + n, Signals.name(32 + n));
        }
    }

    @Test
    void everyNumberHasExactlyOneForm() {
        qt().forAll(integers().all()).checkAssert(SignalsTest::assertForm);
        qt().forAll(integers().between(-5, 70)).checkAssert(SignalsTest::assertForm);
    }

    private static void assertForm(int signal) {
        String name = Signals.name(signal);
        if (signal >= 1 && signal <= 31) {
            assertTrue(name.matches("SIG[A-Z][A-Z0-9]*") && !name.startsWith("SIGRTMIN"), name);
        } else if (signal >= 32 && signal <= 64) {
            assertEquals("SIGRTMIN+" + (signal - 32), name);
        } else {
            assertEquals("SIG" + signal, name);
        }
    }

    @Test
    void stopSignalsAreExactlyTheFourJobControlStops() {
        assertAll(
                () -> assertTrue(Signals.isStopSignal(Signals.SIGSTOP)),
                () -> assertTrue(Signals.isStopSignal(Signals.SIGTSTP)),
                () -> assertTrue(Signals.isStopSignal(Signals.SIGTTIN)),
                () -> assertTrue(Signals.isStopSignal(Signals.SIGTTOU)));
        for (int signal = -1; signal <= 65; signal++) {
            assertEquals(STOP_SIGNALS.contains(signal), Signals.isStopSignal(signal), Signals.name(signal));
        }
        qt().forAll(integers().all()).checkAssert(signal ->
                assertEquals(STOP_SIGNALS.contains(signal), Signals.isStopSignal(signal), String.valueOf(signal)));
    }
}
