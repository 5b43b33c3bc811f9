package dev.panatrace.ptrace;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ErrnoTest {

    @Test
    void knownNumbersNamesAndDescriptions() {
        assertAll(
                () -> assertErrno(1, "EPERM", "Operation not permitted"),
                () -> assertErrno(2, "ENOENT", "No such file or directory"),
                () -> assertErrno(3, "ESRCH", "No such process"),
                () -> assertErrno(4, "EINTR", "Interrupted system call"),
                () -> assertErrno(13, "EACCES", "Permission denied"),
                () -> assertErrno(14, "EFAULT", "Bad address"),
                () -> assertErrno(22, "EINVAL", "Invalid argument"),
                () -> assertErrno(34, "ERANGE", "Math result not representable"),
                () -> assertErrno(36, "ENAMETOOLONG", "File name too long"),
                () -> assertErrno(61, "ENODATA", "No data available"),
                () -> assertErrno(95, "EOPNOTSUPP", "Operation not supported on transport endpoint"),
                () -> assertErrno(110, "ETIMEDOUT", "Connection timed out"));
    }

    @Test
    void aliasesResolveToTheNumberButNameGivesThePrimary() {
        assertEquals(OptionalInt.of(11), Errno.number("EWOULDBLOCK"));
        assertEquals("EAGAIN", Errno.name(11));
        assertEquals(OptionalInt.of(35), Errno.number("EDEADLOCK"));
        assertEquals("EDEADLK", Errno.name(35));
        // The aliases take no number of their own: 41 and 58 are unassigned.
        assertEquals("E41", Errno.name(41));
        assertEquals("E58", Errno.name(58));
    }

    @Test
    void constantsAgreeWithTheGeneratedTable() throws IllegalAccessException {
        List<Executable> checks = new ArrayList<>();
        for (Field field : Errno.class.getFields()) {
            int modifiers = field.getModifiers();
            if (field.getType() == int.class && Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers)) {
                int value = field.getInt(null);
                checks.add(() -> assertEquals(field.getName(), Errno.name(value), "Errno." + field.getName()));
                checks.add(() -> assertEquals(OptionalInt.of(value), Errno.number(field.getName())));
            }
        }
        assertEquals(33, checks.size() / 2, "28 errno constants and 5 kernel-internal codes");
        assertAll(checks);
    }

    @Test
    void kernelInternalRestartCodes() {
        assertAll(
                () -> assertEquals("ERESTARTSYS", Errno.name(512)),
                () -> assertEquals("ERESTARTNOINTR", Errno.name(513)),
                () -> assertEquals("ERESTARTNOHAND", Errno.name(514)),
                () -> assertEquals("ENOIOCTLCMD", Errno.name(515)),
                () -> assertEquals("ERESTART_RESTARTBLOCK", Errno.name(516)),
                () -> assertEquals("E517", Errno.name(517)),
                () -> assertTrue(Errno.describe(512).contains("SA_RESTART"), Errno.describe(512)));
        for (long ret = -516; ret <= -512; ret++) {
            assertTrue(Errno.isRestart(ret), String.valueOf(ret));
        }
        for (long ret : new long[] {-517, -511, -4, 0, 512, 516, Long.MIN_VALUE, -516L - (1L << 32)}) {
            assertFalse(Errno.isRestart(ret), String.valueOf(ret));
        }
    }

    @Test
    void isRestartIsExactlyTheKernelInternalBlock() {
        qt().forAll(longs().all()).checkAssert(ret ->
                assertEquals(ret >= -516 && ret <= -512, Errno.isRestart(ret), String.valueOf(ret)));
        qt().forAll(longs().between(-600, 0)).checkAssert(ret ->
                assertEquals(ret >= -516 && ret <= -512, Errno.isRestart(ret), String.valueOf(ret)));
    }

    @Test
    void unknownNumbersHaveFallbackNameAndDescription() {
        assertEquals("E0", Errno.name(0));
        assertEquals("E9999", Errno.name(9999));
        assertEquals("E-1", Errno.name(-1));
        assertEquals("Unknown error 9999", Errno.describe(9999));
        assertEquals(OptionalInt.empty(), Errno.number("E9999"));
        assertEquals(OptionalInt.empty(), Errno.number("eperm"));
        assertThrows(NullPointerException.class, () -> Errno.number(null));
    }

    @Test
    void nameOfAnyNumberRoundTripsOrIsTheFallbackForm() {
        qt().forAll(integers().all()).checkAssert(this::assertRoundTripOrFallback);
        qt().forAll(integers().between(-10, 600)).checkAssert(this::assertRoundTripOrFallback);
    }

    @Test
    void everyNamedErrnoRoundTrips() {
        int named = 0;
        for (int errno = 0; errno <= 600; errno++) {
            assertRoundTripOrFallback(errno);
            if (Errno.number(Errno.name(errno)).isPresent()) {
                named++;
                assertNotEquals("Unknown error " + errno, Errno.describe(errno));
            }
        }
        // errno-base.h alone defines 1..34; errno.h continues well past 100.
        assertTrue(named > 130, named + " named errnos");
    }

    private void assertRoundTripOrFallback(int errno) {
        String name = Errno.name(errno);
        OptionalInt back = Errno.number(name);
        if (back.isPresent()) {
            assertEquals(errno, back.getAsInt(), name);
        } else {
            assertEquals("E" + errno, name);
            assertEquals("Unknown error " + errno, Errno.describe(errno));
        }
        assertFalse(Errno.describe(errno).isBlank());
    }

    private static void assertErrno(int errno, String name, String description) {
        assertEquals(name, Errno.name(errno));
        assertEquals(OptionalInt.of(errno), Errno.number(name));
        assertEquals(description, Errno.describe(errno));
    }
}
