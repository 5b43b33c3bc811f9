package dev.panatrace.terminal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StatusLineTest {
    private static final String NL = System.lineSeparator();

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, false, StandardCharsets.UTF_8);

    private String written() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void onATerminalEachStatusReplacesTheLastInPlace() {
        StatusLine status = new StatusLine(out, out, true, 80);
        status.show("waiting 3s");
        status.show("waiting 2s");
        status.show("waiting 2s");
        status.clear();
        status.clear();

        assertEquals("\rwaiting 3s\033[K" + "\rwaiting 2s\033[K" + "\r\033[K", written(),
                "a repeated status is not redrawn; a cleared one is not erased twice");
    }

    @Test
    void onATerminalALineGoesAboveTheStatusWhichIsDrawnAgain() {
        StatusLine status = new StatusLine(out, out, true, 80);
        status.println("before");
        status.show("W1 native run 1/5");
        status.println("bench: W1 native run 1/5 0.050 s");
        status.close();

        assertEquals("before" + NL + "\rW1 native run 1/5\033[K"
                + "\r\033[Kbench: W1 native run 1/5 0.050 s" + NL + "W1 native run 1/5" + "\r\033[K", written());
    }

    @Test
    void onATerminalTheStatusIsOneLineNarrowerThanTheTerminal() {
        StatusLine status = new StatusLine(out, out, true, 10);
        status.show("0123456789abc");
        status.show("a\nb\tc");
        status.show("");

        assertEquals("\r012345678\033[K" + "\ra b c\033[K" + "\r\033[K", written());
    }

    @Test
    void elsewhereOnlyTheLinesAreWritten() {
        StringWriter text = new StringWriter();
        PrintWriter writer = new PrintWriter(text);
        try (StatusLine status = new StatusLine(writer, false)) {
            status.show("waiting 3s");
            status.println("restarting k3s in 4s");
            status.show("waiting 2s");
            status.clear();
            assertFalse(status.onTerminal());
        }
        assertEquals("restarting k3s in 4s" + NL, text.toString());
    }

    @Test
    void elsewhereNothingIsWrittenWithoutLines() {
        StatusLine status = new StatusLine(out, false);
        status.show("waiting 3s");
        status.clear();
        status.close();
        assertEquals("", written());
    }

    @Test
    void progressIsWantedOnTerminalDevicesOnly() {
        Map<String, String> env = Map.of("TERM", "xterm-256color");
        for (String terminal : new String[] {"/dev/pts/3", "/dev/tty", "/dev/tty1", "/dev/ttyS0", "/dev/console"}) {
            assertTrue(StatusLine.progressWanted(env, Optional.of(terminal)), terminal);
        }
        for (String other : new String[] {"pipe:[12345]", "socket:[77]", "/dev/null", "/tmp/launcher.stderr",
            "/var/log/pts/1", "anon_inode:[eventfd]"}) {
            assertFalse(StatusLine.progressWanted(env, Optional.of(other)), other);
        }
        assertFalse(StatusLine.progressWanted(env, Optional.empty()), "no /proc");
        assertTrue(StatusLine.progressWanted(Map.of(), Optional.of("/dev/pts/0")), "TERM unset");
    }

    @Test
    void progressCanBeSwitchedOffAndADumbTerminalGetsNone() {
        Optional<String> pts = Optional.of("/dev/pts/0");
        assertFalse(StatusLine.progressWanted(Map.of("PANATRACE_PROGRESS", "0"), pts));
        assertTrue(StatusLine.progressWanted(Map.of("PANATRACE_PROGRESS", "1"), pts));
        assertFalse(StatusLine.progressWanted(Map.of("TERM", "dumb"), pts));
    }

    @Test
    void standardErrorHereIsWhatProcShows() throws Exception {
        // Surefire's forked JVM writes stderr to a pipe to the plugin: not a terminal.
        Optional<String> device = StatusLine.standardErrorDevice();
        assertEquals(Optional.of(Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString()), device);
        assertFalse(StatusLine.progressOnStandardError(), device.toString());
        assertFalse(StatusLine.onStandardError(System.err).onTerminal());
    }

    @Test
    void theWidthIsExportedColumnsElseEighty() {
        assertEquals(132, StatusLine.columns(Map.of("COLUMNS", "132")));
        assertEquals(80, StatusLine.columns(Map.of()));
        assertEquals(80, StatusLine.columns(Map.of("COLUMNS", "wide")));
        assertEquals(80, StatusLine.columns(Map.of("COLUMNS", "0")));
    }
}
