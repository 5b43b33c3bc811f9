package dev.panatrace.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HarnessOptionsTest {
    @Test
    void defaultsRunEverythingFiveTimesIntoTheResultsDirectory() {
        HarnessOptions options = HarnessOptions.parse();
        assertEquals(List.of("W1", "W2", "W3", "W4"), options.workloads());
        assertEquals(List.of(Tool.values()), options.tools());
        assertEquals(5, options.runs());
        assertEquals(1, options.warmups());
        assertEquals(60, options.timeoutSeconds());
        assertTrue(options.startup());
        assertEquals(options.repo().resolve("benchmarks/results"), options.out());
    }

    @Test
    void quickRunsTwiceIntoTheBuildDirectoryUnlessToldOtherwise() {
        HarnessOptions quick = HarnessOptions.parse("--quick");
        assertEquals(2, quick.runs());
        assertEquals(quick.repo().resolve("benchmarks/target/bench-quick"), quick.out());
        assertEquals(3, HarnessOptions.parse("--quick", "--runs", "3").runs());
    }

    @Test
    void choosesWorkloadsAndToolsByName() {
        HarnessOptions options = HarnessOptions.parse("--workloads", "W3,W1", "--tools", "proot,native", "--no-startup");
        assertEquals(List.of("W3", "W1"), options.workloads());
        assertEquals(List.of(Tool.PROOT, Tool.NATIVE), options.tools());
        assertEquals(false, options.startup());
    }

    @Test
    void gvisorRunsThreeTimesWithoutEngineSyscallOrStartupLine() {
        HarnessOptions gvisor = HarnessOptions.parse("--gvisor");
        assertTrue(gvisor.gvisor());
        assertEquals(HarnessOptions.GVISOR_TOOLS, gvisor.tools());
        assertEquals(3, gvisor.runs());
        assertEquals(false, gvisor.startup());
        assertEquals(gvisor.repo().resolve("benchmarks/results"), gvisor.out());
        assertEquals(Target.gvisorTargets(), gvisor.targets());
        HarnessOptions quick = HarnessOptions.parse("--gvisor", "--quick");
        assertEquals(2, quick.runs());
        assertEquals(quick.repo().resolve("benchmarks/target/bench-gvisor-quick"), quick.out());
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse("--gvisor", "--startup-only"));
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse(HarnessOptions.IN_SANDBOX));
    }

    @Test
    void theSandboxGetsTheSameRunsSpeltOut() {
        HarnessOptions host = HarnessOptions.parse("--gvisor", "--quick", "--workloads", "W2,W1", "--tools",
                "proot,engine-seccomp", "--warmups", "0", "--timeout-s", "90", "--out", "/tmp/elsewhere");
        HarnessOptions inside = HarnessOptions.parse(host.sandboxArguments().toArray(String[]::new));
        assertTrue(inside.inSandbox() && inside.gvisor() && inside.quick());
        assertEquals(List.of("W2", "W1"), inside.workloads());
        assertEquals(List.of(Tool.PROOT, Tool.ENGINE_SECCOMP), inside.tools());
        assertEquals(List.of(host.runs(), 0, 90), List.of(inside.runs(), inside.warmups(), inside.timeoutSeconds()));
    }

    @Test
    void rejectsWhatItDoesNotKnowSayingWhat() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse("--fast"))
                .getMessage().contains("--fast"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse("--workloads", "W5"))
                .getMessage().contains("W5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse("--tools", "ltrace"))
                .getMessage().contains("ltrace"));
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse("--runs", "0"));
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse("--runs"));
        assertEquals(0, HarnessOptions.parse("--warmups", "0").warmups());
    }

    @Test
    void launcherJavaOptionsAreSetsOfFlagsToCompare() {
        assertEquals(List.of(), HarnessOptions.parse().launcherJavaOptions());
        assertEquals(List.of("-XX:+UseG1GC -Xmx1g", "-Xint"), HarnessOptions.parse("--launcher-java-opts",
                " -XX:+UseG1GC   -Xmx1g ", "--launcher-java-opts", "-Xint").launcherJavaOptions());
        assertEquals("--launcher-java-opts wants JVM flags, such as -XX:+UseG1GC, got 'G1'",
                assertThrows(IllegalArgumentException.class,
                        () -> HarnessOptions.parse("--launcher-java-opts", "G1")).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> HarnessOptions.parse("--gvisor", "--launcher-java-opts", "-Xint"));
    }
}
