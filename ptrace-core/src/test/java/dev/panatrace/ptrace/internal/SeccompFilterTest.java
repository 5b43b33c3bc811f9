package dev.panatrace.ptrace.internal;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.SyscallTable;
import dev.panatrace.ptrace.internal.SeccompFilter.FdRule;
import dev.panatrace.ptrace.internal.SeccompBpfInterpreter.Instruction;
import dev.panatrace.ptrace.internal.SeccompBpfInterpreter.Outcome;
import dev.panatrace.ptrace.internal.SeccompBpfInterpreter.RejectedProgram;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Runs compiled filters in {@link SeccompBpfInterpreter} and compares every verdict with the
 * specification, written here from the kernel headers' values rather than the compiler's constants.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SeccompFilterTest {
    // <linux/seccomp.h>
    private static final int RET_ALLOW = 0x7fff0000;
    private static final int RET_TRACE = 0x7ff00000;
    private static final int TRACE_SUBSCRIBED = RET_TRACE | 0;
    // <linux/audit.h>
    private static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    private static final int AUDIT_ARCH_AARCH64 = 0xC00000B7;
    private static final int AUDIT_ARCH_I386 = 0x40000003;
    private static final int AUDIT_ARCH_ARM = 0x40000028;
    /** x86's {@code __X32_SYSCALL_BIT}. */
    private static final int X32_BIT = 0x40000000;
    /** Instructions before the lookup: ld arch, jeq, ld nr, and on x86_64 jset and its ret. */
    private static final int MAX_PROLOGUE = 5;
    /** Of those, the ones a lookup executes: ld arch, jeq, ld nr, jset. */
    private static final int MAX_PROLOGUE_EXECUTED = 4;
    /** A jump whose target is this far (or farther, minus one for an inserted instruction) needs a filler. */
    private static final int FILLER_SPACING = 254;
    /** The fd check at most: ld args[0], jge low, jge high. */
    private static final int FD_CHECK_LENGTH = 3;
    /** {@code offsetof(struct seccomp_data, args)}: args[0], whose low word is at 16 on little-endian. */
    private static final int ARGS_OFFSET = 16;
    /** {@code AT_FDCWD} in {@code <linux/fcntl.h>}: a negative "descriptor" that path syscalls take. */
    private static final int AT_FDCWD = -100;
    /** Syscalls that write to or close a descriptor: the engine's fd rule, by name on every arch. */
    private static final List<String> FD_SYSCALLS =
            List.of("write", "pwrite64", "writev", "pwritev", "pwritev2", "close");

    /** One compilation input; {@code fdRule} is null for the three-argument compile. */
    record Case(Arch arch, Set<Integer> traced, Set<Integer> alwaysAllowed, FdRule fdRule) {
        Case(Arch arch, Set<Integer> traced, Set<Integer> alwaysAllowed) {
            this(arch, traced, alwaysAllowed, null);
        }

        /** How the lookup must classify a number of the filter's ABI, by the specification's order. */
        Lookup lookup(int nr) {
            if (alwaysAllowed.contains(nr)) {
                return Lookup.ALLOW;
            }
            if (traced.contains(nr)) {
                return Lookup.TRACE;
            }
            return fdRule != null && fdRule.syscalls().contains(nr) ? Lookup.CHECK_FD : Lookup.ALLOW;
        }

        SeccompFilter compile() {
            return fdRule == null ? SeccompFilter.compile(arch, traced, alwaysAllowed)
                    : SeccompFilter.compile(arch, traced, alwaysAllowed, fdRule);
        }

        @Override
        public String toString() {
            return arch + " traced=" + new TreeSet<>(traced) + " alwaysAllowed=" + new TreeSet<>(alwaysAllowed)
                    + (fdRule == null ? "" : " fdRule=" + new TreeSet<>(fdRule.syscalls())
                            + " [" + fdRule.low() + ", " + fdRule.high() + ")");
        }
    }

    /** What the lookup of a number of the filter's ABI decides: a verdict, or to check the fd. */
    enum Lookup { ALLOW, TRACE, CHECK_FD }

    private static int auditArch(Arch arch) {
        return switch (arch) {
            case X86_64 -> AUDIT_ARCH_X86_64;
            case AARCH64 -> AUDIT_ARCH_AARCH64;
        };
    }

    /** The specification: what the filter must return. */
    private static int specifiedVerdict(Case c, int dataArch, int nr, long arg0) {
        if (dataArch != auditArch(c.arch())) {
            return RET_ALLOW;
        }
        if (c.arch() == Arch.X86_64 && (nr & X32_BIT) != 0) {
            return RET_ALLOW;
        }
        return switch (c.lookup(nr)) {
            case ALLOW -> RET_ALLOW;
            case TRACE -> TRACE_SUBSCRIBED;
            case CHECK_FD -> {
                // The syscall's int fd: the kernel keeps the register's low 32 bits, a narrowing cast.
                int fd = (int) arg0;
                yield fd >= c.fdRule().low() && fd < c.fdRule().high() ? TRACE_SUBSCRIBED : RET_ALLOW;
            }
        };
    }

    private static List<Integer> tableNumbers(Arch arch) {
        SyscallTable table = SyscallTable.of(arch);
        return table.names().stream().map(table::numberOf).toList();
    }

    /** [-1, max + 100], the same window in the x32 range, and the edges of the unsigned 32-bit space. */
    private static int[] numbersToCheck(Arch arch) {
        int max = SyscallTable.of(arch).maxNumber();
        IntStream edges = IntStream.of(Integer.MIN_VALUE, Integer.MIN_VALUE + 1, Integer.MAX_VALUE,
                X32_BIT - 1, 0xBFFFFFFF, 0xC0000000, X32_BIT | Integer.MIN_VALUE, -2);
        return IntStream.concat(IntStream.concat(IntStream.rangeClosed(-1, max + 100),
                IntStream.rangeClosed(X32_BIT - 1, X32_BIT + max + 100)), edges).toArray();
    }

    /** Subsets of an architecture's syscall numbers, sparse to dense (a complemented pick). */
    private static Gen<Set<Integer>> subsetsOf(List<Integer> numbers) {
        Gen<List<Integer>> picks =
                lists().of(integers().between(0, numbers.size() - 1)).ofSizeBetween(0, numbers.size());
        return picks.zip(booleans().all(), (indexes, complement) -> {
            Set<Integer> picked = new HashSet<>();
            indexes.forEach(i -> picked.add(numbers.get(i)));
            if (!complement) {
                return picked;
            }
            Set<Integer> rest = new HashSet<>(numbers);
            rest.removeAll(picked);
            return rest;
        });
    }

    private static Gen<Case> cases() {
        return arbitrary().enumValues(Arch.class).flatMap(arch -> {
            Gen<Set<Integer>> subsets = subsetsOf(tableNumbers(arch));
            return subsets.zip(subsets, (traced, allowed) -> new Case(arch, traced, allowed));
        });
    }

    /** The numbers at which the lookup's classification flips, counted without the compiler's code. */
    private static int boundaryCount(Case c) {
        Set<Integer> candidates = new TreeSet<>(c.traced());
        if (c.fdRule() != null) {
            candidates.addAll(c.fdRule().syscalls());
        }
        int count = 0;
        for (int nr : candidates) {
            Lookup lookup = c.lookup(nr);
            if (lookup == Lookup.ALLOW) {
                continue;
            }
            // A flip between two stopping classes is counted once, at the upper number.
            if (nr != 0 && c.lookup(nr - 1) != lookup) {
                count++;
            }
            if (c.lookup(nr + 1) == Lookup.ALLOW) {
                count++;
            }
        }
        return count;
    }

    private static int ceilLog2(int n) {
        return 32 - Integer.numberOfLeadingZeros(n - 1);
    }

    private static String hex(int value) {
        return "0x" + Integer.toHexString(value);
    }

    private static void assertVerdicts(Case c, SeccompFilter filter, int[] numbers) {
        SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(filter.bytes());
        int audit = auditArch(c.arch());
        for (int nr : numbers) {
            int actual = bpf.run(nr, audit).returnValue();
            int expected = specifiedVerdict(c, audit, nr, 0);
            if (actual != expected) {
                assertEquals(hex(expected), hex(actual), "nr " + nr + " with " + c + "\n" + filter.disassemble());
            }
        }
    }

    @Test
    void everyNumberInAndAroundTheTableGetsTheSpecifiedVerdict() {
        int[][] numbers = {numbersToCheck(Arch.X86_64), numbersToCheck(Arch.AARCH64)};
        qt().withExamples(300).forAll(cases()).checkAssert(c ->
                assertVerdicts(c, c.compile(), numbers[c.arch().ordinal()]));
    }

    private static Gen<Integer> auditArches() {
        return Generate.pick(List.of(AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64, AUDIT_ARCH_I386, AUDIT_ARCH_ARM, 0))
                .mix(integers().all());
    }

    @Test
    void arbitrarySeccompDataGetsTheSpecifiedVerdict() {
        qt().withExamples(300).forAll(cases(), auditArches(), integers().all(), longs().all())
                .checkAssert((c, dataArch, nr, word) -> {
                    SeccompFilter filter = c.compile();
                    long[] args = {word, ~word, word >>> 7, -word, word * 31, 0};
                    Outcome outcome = SeccompBpfInterpreter.load(filter.bytes()).run(nr, dataArch, word ^ nr, args);
                    assertEquals(hex(specifiedVerdict(c, dataArch, nr, word)), hex(outcome.returnValue()),
                            () -> "nr " + nr + " arch " + hex(dataArch) + " with " + c + "\n" + filter.disassemble());
                });
    }

    @Test
    void aForeignArchRunsUnseen() {
        qt().forAll(cases(), integers().all(), integers().all())
                .assuming((c, dataArch, nr) -> dataArch != auditArch(c.arch()))
                .checkAssert((c, dataArch, nr) -> assertEquals(hex(RET_ALLOW),
                        hex(SeccompBpfInterpreter.load(c.compile().bytes()).run(nr, dataArch).returnValue())));
        for (Arch arch : Arch.values()) {
            SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(
                    SeccompFilter.compile(arch, Set.copyOf(tableNumbers(arch)), Set.of()).bytes());
            for (int foreign : new int[] {AUDIT_ARCH_I386, AUDIT_ARCH_ARM, auditArch(arch) ^ 1, 0,
                    arch == Arch.X86_64 ? AUDIT_ARCH_AARCH64 : AUDIT_ARCH_X86_64}) {
                assertEquals(hex(RET_ALLOW), hex(bpf.run(0, foreign).returnValue()), arch + " " + hex(foreign));
            }
        }
    }

    @Test
    void onlyAllowAndTraceWithDataZeroAreReturned() {
        Set<Integer> permitted = Set.of(RET_ALLOW, TRACE_SUBSCRIBED);
        qt().withExamples(200).forAll(allCases()).checkAssert(c -> {
            for (Instruction insn : SeccompBpfInterpreter.load(c.compile().bytes()).instructions()) {
                if (insn.code() == SeccompBpfInterpreter.RET_K) {
                    assertTrue(permitted.contains(insn.k()), () -> "ret " + hex(insn.k()) + " with " + c);
                }
            }
        });
    }

    @Test
    void alwaysAllowedWinsOverTraced() {
        SyscallTable table = SyscallTable.of(Arch.X86_64);
        int openat = table.numberOf("openat");
        int mmap = table.numberOf("mmap");
        int munmap = table.numberOf("munmap");
        Case c = new Case(Arch.X86_64, Set.of(openat, mmap), Set.of(mmap, munmap));
        SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(c.compile().bytes());
        assertAll(
                () -> assertEquals(hex(TRACE_SUBSCRIBED), hex(bpf.run(openat, AUDIT_ARCH_X86_64).returnValue())),
                () -> assertEquals(hex(RET_ALLOW), hex(bpf.run(mmap, AUDIT_ARCH_X86_64).returnValue())),
                () -> assertEquals(hex(RET_ALLOW), hex(bpf.run(munmap, AUDIT_ARCH_X86_64).returnValue())),
                () -> assertEquals(hex(RET_ALLOW), hex(bpf.run(openat + 1, AUDIT_ARCH_X86_64).returnValue())),
                () -> assertEquals(hex(RET_ALLOW),
                        hex(bpf.run(X32_BIT | openat, AUDIT_ARCH_X86_64).returnValue())));
    }

    /**
     * With every syscall traced, the lookup needs one jge per boundary of the table's contiguous
     * runs of numbers, plus one ret per verdict, and the program is too short to need a filler.
     */
    @Test
    void everySyscallTracedStaysSmall() {
        for (Arch arch : Arch.values()) {
            for (Set<Integer> allowed : List.of(Set.<Integer>of(), engineInjected(arch))) {
                Case c = new Case(arch, Set.copyOf(tableNumbers(arch)), allowed);
                SeccompFilter filter = c.compile();
                int boundaries = boundaryCount(c);
                int bound = MAX_PROLOGUE + boundaries + 2;
                assertTrue(filter.length() <= bound, () -> c + ": " + filter.length() + " > " + bound
                        + "\n" + filter.disassemble());
                assertTrue(bound < 64, () -> arch + " has " + boundaries + " boundaries");
                int executedBound = MAX_PROLOGUE_EXECUTED + ceilLog2(boundaries + 1) + 1;
                SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(filter.bytes());
                for (int nr : numbersToCheck(arch)) {
                    int executed = bpf.run(nr, auditArch(arch)).executed();
                    assertTrue(executed <= executedBound, () -> c + ": nr " + nr + " ran " + executed);
                }
                assertVerdicts(c, filter, numbersToCheck(arch));
            }
        }
    }

    /** Syscalls an engine injects (scratch mmap, filter install), so always allowed. */
    private static Set<Integer> engineInjected(Arch arch) {
        SyscallTable table = SyscallTable.of(arch);
        return Set.of(table.numberOf("mmap"), table.numberOf("munmap"), table.numberOf("prctl"),
                table.numberOf("seccomp"), table.numberOf("getpid"));
    }

    @Test
    void noSyscallTracedAllowsEverythingOfTheFiltersAbi() {
        for (Arch arch : Arch.values()) {
            Case c = new Case(arch, Set.of(), Set.copyOf(tableNumbers(arch)));
            SeccompFilter filter = c.compile();
            assertEquals(arch == Arch.X86_64 ? 5 : 4, filter.length(), filter::disassemble);
            assertVerdicts(c, filter, numbersToCheck(arch));
            assertVerdicts(new Case(arch, Set.of(), Set.of()), SeccompFilter.compile(arch, Set.of(), Set.of()),
                    numbersToCheck(arch));
        }
    }

    /**
     * Size and lookup cost for arbitrary sets. A filler (a ja trampoline or another copy of a ret)
     * is added only where a jump's target lies at least {@link #FILLER_SPACING} instructions ahead:
     * copies of one ret value are that far apart, so at most 2 (1 + L/254) rets; a ja serves a
     * node whose left subtree is that long, and those subtrees are disjoint per tree level and
     * halve per level, so fewer than 2 L/254 ja. Each jge on a lookup's path hops at most one ja.
     */
    @Test
    void sizeAndLookupCostGrowWithTheNumberOfBoundaries() {
        qt().withExamples(200).forAll(cases()).checkAssert(c -> assertSizeAndCost(c, numbersToCheck(c.arch())));
    }

    /**
     * With an fd rule, the fd check adds {@link #FD_CHECK_LENGTH} instructions, and its own rets are
     * the first copies of the lookup's. Far jumps to it share a ja, placed only where the nearer one
     * is {@link #FILLER_SPACING} away, so fewer than 1 + L/254 of those; a number of the rule
     * executes at most one of them (in place of a trampoline) and then the check's jumps.
     */
    private static void assertSizeAndCost(Case c, int[] numbers) {
        SeccompFilter filter = c.compile();
        int boundaries = boundaryCount(c);
        boolean checksFd = checksFd(c);
        int fillers = filter.length() - MAX_PROLOGUE - boundaries - (checksFd ? FD_CHECK_LENGTH : 0);
        int spans = (filter.length() + FILLER_SPACING - 1) / FILLER_SPACING;
        int fillerBound = 2 + (checksFd ? 5 : 4) * spans;
        assertTrue(fillers <= fillerBound, () -> fillers + " fillers > " + fillerBound + " with " + c);
        int depth = ceilLog2(boundaries + 1);
        int executedBound = MAX_PROLOGUE_EXECUTED + 2 * depth + 1;
        SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(filter.bytes());
        // An fd in range runs every jump of the check.
        long[] args = {c.fdRule() == null ? 0 : c.fdRule().low()};
        for (int nr : numbers) {
            int executed = bpf.run(nr, auditArch(c.arch()), 0, args).executed();
            int bound = executedBound + (c.lookup(nr) == Lookup.CHECK_FD ? FD_CHECK_LENGTH : 0);
            assertTrue(executed <= bound, () -> "nr " + nr + " ran " + executed + " > " + bound + " with " + c);
        }
    }

    /** Whether some number is left to the fd rule, neither traced nor always allowed. */
    private static boolean checksFd(Case c) {
        return c.fdRule() != null && c.fdRule().syscalls().stream().anyMatch(nr -> c.lookup(nr) == Lookup.CHECK_FD);
    }

    /** Isolated numbers 1, 3, 5...: two boundaries each, the worst case per traced number. */
    private static Set<Integer> isolatedNumbers(int count) {
        Set<Integer> numbers = new HashSet<>();
        for (int i = 0; i < count; i++) {
            numbers.add(2 * i + 1);
        }
        return numbers;
    }

    @Test
    void scatteredSetsNeedingFarJumpsStayCorrect() {
        for (Arch arch : Arch.values()) {
            Case c = new Case(arch, isolatedNumbers(1900), Set.of(7, 8, 3799));
            SeccompFilter filter = c.compile();
            List<Instruction> program = SeccompBpfInterpreter.load(filter.bytes()).instructions();
            assertTrue(program.stream().anyMatch(insn -> insn.code() == SeccompBpfInterpreter.JMP_JA),
                    "the set is large enough to need ja trampolines");
            assertTrue(program.stream().filter(insn -> insn.k() == TRACE_SUBSCRIBED
                    && insn.code() == SeccompBpfInterpreter.RET_K).count() > 1, "and copies of ret");
            int[] numbers = IntStream.concat(IntStream.rangeClosed(-1, 3900), Arrays.stream(numbersToCheck(arch)))
                    .toArray();
            assertVerdicts(c, filter, numbers);
            assertSizeAndCost(c, numbers);
        }
    }

    @Test
    void setsBeyondTheKernelsInstructionLimitAreRejected() {
        // 4200 boundaries: refused before assembling.
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class,
                () -> SeccompFilter.compile(Arch.X86_64, isolatedNumbers(2100), Set.of()));
        // 4080 boundaries fit alone, but not with the prologue and fillers.
        IllegalArgumentException late = assertThrows(IllegalArgumentException.class,
                () -> SeccompFilter.compile(Arch.AARCH64, isolatedNumbers(2040), Set.of()));
        for (IllegalArgumentException e : List.of(early, late)) {
            assertTrue(e.getMessage().contains("BPF_MAXINSNS of 4096"), e.getMessage());
        }
        assertTrue(early.getMessage().contains("4200 boundaries"), early.getMessage());
        assertTrue(late.getMessage().contains("4080 boundaries"), late.getMessage());
        SeccompFilter largest = SeccompFilter.compile(Arch.X86_64, isolatedNumbers(2000), Set.of());
        assertTrue(largest.length() <= SeccompBpfInterpreter.BPF_MAXINSNS, largest::toString);
        assertDoesNotThrow(() -> SeccompBpfInterpreter.load(largest.bytes()));
    }

    @Test
    void numbersOutsideTheAbiAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SeccompFilter.compile(Arch.X86_64, Set.of(-1), Set.of()));
        assertThrows(IllegalArgumentException.class, () -> SeccompFilter.compile(Arch.AARCH64, Set.of(), Set.of(-5)));
        IllegalArgumentException x32 = assertThrows(IllegalArgumentException.class,
                () -> SeccompFilter.compile(Arch.X86_64, Set.of(X32_BIT | 1), Set.of()));
        assertTrue(x32.getMessage().contains("x32"), x32.getMessage());
        Set<Integer> withNull = new HashSet<>(Arrays.asList(1, null));
        assertThrows(NullPointerException.class, () -> SeccompFilter.compile(Arch.X86_64, withNull, Set.of()));
        assertThrows(NullPointerException.class, () -> SeccompFilter.compile(null, Set.of(), Set.of()));
    }

    @Test
    void largeNumbersCompareUnsigned() {
        // aarch64 has no x32 ABI: these are plain numbers, the last one ending right below 2^31.
        Case c = new Case(Arch.AARCH64, Set.of(0, X32_BIT | 5, Integer.MAX_VALUE - 1, Integer.MAX_VALUE), Set.of());
        int[] numbers = {0, 1, -1, X32_BIT | 4, X32_BIT | 5, X32_BIT | 6, Integer.MAX_VALUE - 2,
                Integer.MAX_VALUE - 1, Integer.MAX_VALUE, Integer.MIN_VALUE, -2};
        assertVerdicts(c, c.compile(), numbers);
        SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(c.compile().bytes());
        assertEquals(hex(TRACE_SUBSCRIBED), hex(bpf.run(Integer.MAX_VALUE, AUDIT_ARCH_AARCH64).returnValue()));
        assertEquals(hex(RET_ALLOW), hex(bpf.run(Integer.MIN_VALUE, AUDIT_ARCH_AARCH64).returnValue()));
    }

    @Test
    void bytesAreLittleEndianSockFilters() {
        SeccompFilter filter = SeccompFilter.compile(Arch.X86_64, Set.of(257), Set.of());
        byte[] bytes = filter.bytes();
        assertEquals(8 * filter.length(), bytes.length);
        byte[] head = Arrays.copyOf(bytes, 16);
        assertArrayEquals(new byte[] {
                0x20, 0, 0, 0, 4, 0, 0, 0, // ld [4]: BPF_LD|BPF_W|BPF_ABS, k = offsetof(seccomp_data, arch)
                0x15, 0, 0, 5, 0x3e, 0, 0, (byte) 0xc0, // jeq #AUDIT_ARCH_X86_64 jt +0 jf +5 (the ALLOW at the end)
        }, head);
        bytes[0] = 0x06;
        assertEquals(0x20, filter.bytes()[0], "bytes() hands out a copy");
    }

    @Test
    void disassemblyShowsOneLinePerInstruction() {
        assertEquals("""
                (000) ld   [4]  ; seccomp_data.arch
                (001) jeq  #0xc000003e  jt 2  jf 4  ; AUDIT_ARCH of X86_64
                (002) ld   [0]  ; seccomp_data.nr
                (003) jset #0x40000000  jt 4  jf 4  ; __X32_SYSCALL_BIT
                (004) ret  #0x7fff0000  ; ALLOW""",
                SeccompFilter.compile(Arch.X86_64, Set.of(), Set.of()).disassemble());
        qt().withExamples(50).forAll(allCases()).checkAssert(c -> {
            SeccompFilter filter = c.compile();
            List<String> lines = filter.disassemble().lines().toList();
            List<Instruction> program = SeccompBpfInterpreter.load(filter.bytes()).instructions();
            assertEquals(filter.length(), lines.size());
            for (int pc = 0; pc < lines.size(); pc++) {
                String mnemonic = switch (program.get(pc).code()) {
                    case SeccompBpfInterpreter.LD_W_ABS -> "ld ";
                    case SeccompBpfInterpreter.JMP_JA -> "ja ";
                    case SeccompBpfInterpreter.JMP_JEQ_K -> "jeq ";
                    case SeccompBpfInterpreter.JMP_JGE_K -> "jge ";
                    case SeccompBpfInterpreter.JMP_JSET_K -> "jset ";
                    default -> "ret ";
                };
                assertTrue(lines.get(pc).startsWith(String.format("(%03d) %s", pc, mnemonic)), lines.get(pc));
            }
        });
    }

    private static byte[] assemble(int... fields) {
        ByteBuffer out = ByteBuffer.allocate(fields.length / 4 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < fields.length; i += 4) {
            out.putShort((short) fields[i]).put((byte) fields[i + 1]).put((byte) fields[i + 2]).putInt(fields[i + 3]);
        }
        return out.array();
    }

    @Test
    void interpreterFollowsClassicBpfSemantics() {
        SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(assemble(
                0x20, 0, 0, 0, //          (00) ld   [0]
                0x35, 2, 0, 0x20, //       (01) jge  #0x20   jt 4  jf 2
                0x45, 0, 2, 0x10, //       (02) jset #0x10   jt 3  jf 5
                0x20, 0, 0, 8, //          (03) ld   [8]     instruction_pointer, low word
                0x15, 1, 0, 0xabc, //      (04) jeq  #0xabc  jt 6  jf 5
                0x06, 0, 0, 100, //        (05) ret  #100
                0x05, 0, 0, 0, //          (06) ja   7
                0x20, 0, 0, 4, //          (07) ld   [4]
                0x15, 0, 1, 0x1234, //     (08) jeq  #0x1234 jt 9  jf 10
                0x06, 0, 0, 200, //        (09) ret  #200
                0x06, 0, 0, 300)); //      (10) ret  #300
        assertAll(
                () -> assertEquals(new Outcome(100, 4), bpf.run(1, 0)),
                () -> assertEquals(new Outcome(100, 6), bpf.run(0x10, 0, 0xabd, new long[0])),
                () -> assertEquals(new Outcome(200, 9), bpf.run(0x10, 0x1234, 0xffffffff_00000abcL, new long[0])),
                () -> assertEquals(new Outcome(300, 9), bpf.run(0x10, 0x99, 0xabc, new long[0])),
                () -> assertEquals(new Outcome(200, 7), bpf.run(0xabc, 0x1234)),
                // jge compares unsigned: -1 is above 0x20 (signed, it would reach ret #200 in 9 steps).
                () -> assertEquals(new Outcome(100, 4), bpf.run(-1, 0x1234, 0xabc, new long[0])));
    }

    private static byte[] returns(int count) {
        int[] fields = new int[4 * count];
        for (int i = 0; i < fields.length; i += 4) {
            fields[i] = SeccompBpfInterpreter.RET_K;
        }
        return assemble(fields);
    }

    @Test
    void interpreterRejectsWhatTheKernelRejects() {
        int ret = 0x06;
        List<byte[]> malformed = List.of(
                new byte[0],
                new byte[7],
                assemble(0x15, 1, 0, 0, ret, 0, 0, 0), //       jt past the end
                assemble(0x35, 0, 1, 0, ret, 0, 0, 0), //       jf past the end
                assemble(0x05, 0, 0, 1, ret, 0, 0, 0), //       ja past the end
                assemble(0x05, 0, 0, -1, ret, 0, 0, 0), //      ja "backwards" is a huge unsigned offset
                assemble(ret, 0, 0, 0, 0x20, 0, 0, 0), //       last is not ret
                assemble(0x20, 0, 0, 2, ret, 0, 0, 0), //       misaligned load
                assemble(0x20, 0, 0, 64, ret, 0, 0, 0), //      load past seccomp_data
                assemble(0x04, 0, 0, 1, ret, 0, 0, 0), //       alu add: not emitted, not modelled
                assemble(0x28, 0, 0, 0, ret, 0, 0, 0), //       ld half-word
                assemble(0xffff, 0, 0, 0, ret, 0, 0, 0), //     no such opcode
                returns(4097));
        for (int i = 0; i < malformed.size(); i++) {
            byte[] program = malformed.get(i);
            assertThrows(RejectedProgram.class, () -> SeccompBpfInterpreter.load(program), "program " + i);
        }
        assertDoesNotThrow(() -> SeccompBpfInterpreter.load(returns(4096)));
        assertDoesNotThrow(() -> SeccompBpfInterpreter.load(assemble(
                0x20, 0, 0, 60, //  ld [60]: args[5], high word
                0x15, 0, 0, 0, //   jeq #0 jt +0 jf +0
                0x05, 0, 0, 0, //   ja +0
                ret, 0, 0, 0)));
    }

    @Test
    void corruptingACompiledJumpIsCaught() {
        qt().withExamples(100).forAll(allCases(), integers().between(0, Integer.MAX_VALUE)).checkAssert((c, pick) -> {
            byte[] bytes = c.compile().bytes();
            int length = bytes.length / 8;
            // Jumps whose 8-bit offsets can reach the end (ja's 32-bit offset always can).
            List<Integer> jumps = IntStream.range(0, length)
                    .filter(pc -> bytes[8 * pc] == SeccompBpfInterpreter.JMP_JA
                            || (bytes[8 * pc] & 0x07) == 0x05 && length - pc - 1 <= 255)
                    .boxed().toList();
            int pc = jumps.get(pick % jumps.size());
            if (bytes[8 * pc] == SeccompBpfInterpreter.JMP_JA) {
                ByteBuffer.wrap(bytes, 8 * pc + 4, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(length - pc - 1);
            } else {
                bytes[8 * pc + 2 + pick % 2] = (byte) (length - pc - 1);
            }
            assertThrows(RejectedProgram.class, () -> SeccompBpfInterpreter.load(bytes), () -> "pc " + pc + " of " + c);
        });
    }

    @Test
    void interpreterLoadsArgumentWordsLittleEndian() {
        SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(assemble(
                0x20, 0, 0, 16, //           (0) ld   [16]  args[0], low word
                0x15, 0, 3, 0x89abcdef, //   (1) jeq  #0x89abcdef  jt 2  jf 5
                0x20, 0, 0, 20, //           (2) ld   [20]  args[0], high word
                0x15, 0, 1, 0x01234567, //   (3) jeq  #0x01234567  jt 4  jf 5
                0x06, 0, 0, 1, //            (4) ret  #1
                0x06, 0, 0, 0)); //          (5) ret  #0
        long value = 0x01234567_89abcdefL;
        assertAll(
                () -> assertEquals(new Outcome(1, 5), bpf.run(0, 0, 0, new long[] {value})),
                () -> assertEquals(new Outcome(0, 3), bpf.run(0, 0, 0, new long[] {Long.rotateLeft(value, 32)})),
                () -> assertEquals(new Outcome(0, 5), bpf.run(0, 0, 0, new long[] {value & 0xffffffffL})),
                () -> assertEquals(new Outcome(0, 3), bpf.run(0, 0, value, new long[] {0, value})));
    }

    private static Set<Integer> fdSyscalls(Arch arch) {
        SyscallTable table = SyscallTable.of(arch);
        return FD_SYSCALLS.stream().map(table::numberOf).collect(Collectors.toSet());
    }

    /** A handful of numbers, as a handler subscribes to; {@link #subsetsOf} also gives dense sets. */
    private static Gen<Set<Integer>> fewOf(List<Integer> numbers) {
        Gen<List<Integer>> picks = lists().of(Generate.pick(numbers)).ofSizeBetween(0, 12);
        return picks.map(picked -> (Set<Integer>) new HashSet<>(picked));
    }

    /** Non-empty, non-negative {low, high}: the engine's range, edges of int, narrow and wide ones. */
    private static Gen<int[]> fdRanges() {
        Gen<int[]> typical = Generate.pick(List.of(new int[] {1000, 1064}, new int[] {0, 1}, new int[] {0, 3},
                new int[] {0, Integer.MAX_VALUE}, new int[] {Integer.MAX_VALUE - 1, Integer.MAX_VALUE}));
        Gen<int[]> arbitrary = integers().between(0, Integer.MAX_VALUE - 1).zip(
                integers().between(1, 4096).mix(integers().between(1, Integer.MAX_VALUE), 30),
                (low, width) -> new int[] {low, (int) Math.min(Integer.MAX_VALUE, (long) low + width)});
        return typical.mix(arbitrary, 60);
    }

    /** Cases with a rule over the fd syscalls and some random ones, sparse or dense traced and allowed sets. */
    private static Gen<Case> fdCases() {
        return arbitrary().enumValues(Arch.class).flatMap(arch -> {
            List<Integer> numbers = tableNumbers(arch);
            Gen<Set<Integer>> handlerSets = fewOf(numbers).mix(subsetsOf(numbers), 30);
            Gen<Set<Integer>> ruleSets = fewOf(numbers).map(extra -> {
                Set<Integer> syscalls = new HashSet<>(fdSyscalls(arch));
                syscalls.addAll(extra);
                return syscalls;
            }).mix(subsetsOf(numbers), 20);
            return handlerSets.zip(handlerSets, ruleSets, fdRanges(), (traced, allowed, syscalls, range) ->
                    new Case(arch, traced, allowed, new FdRule(syscalls, range[0], range[1])));
        });
    }

    /** Cases with and without an fd rule. */
    private static Gen<Case> allCases() {
        return cases().mix(fdCases());
    }

    /** Descriptors at the rule's edges, negative ones, and the ends of int. */
    private static int[] fdsToCheck(FdRule rule) {
        return new int[] {rule.low() - 1, rule.low(), rule.low() + 1, rule.high() - 1, rule.high(), rule.high() + 1,
                0, 1, -1, AT_FDCWD, Integer.MIN_VALUE, Integer.MIN_VALUE + rule.low(), Integer.MAX_VALUE};
    }

    /** A register holding the int {@code fd} under {@code highWord}, which the kernel ignores. */
    private static long register(int highWord, int fd) {
        return (long) highWord << 32 | Integer.toUnsignedLong(fd);
    }

    /** The verdict for syscall {@code nr} of the filter's ABI with this first argument. */
    private static int verdict(SeccompBpfInterpreter bpf, Arch arch, int nr, long arg0) {
        return bpf.run(nr, auditArch(arch), 0, new long[] {arg0}).returnValue();
    }

    @Test
    void fdRuleGivesTheSpecifiedVerdictForEveryNumberAndEdgeDescriptor() {
        int[][] numbers = {numbersToCheck(Arch.X86_64), numbersToCheck(Arch.AARCH64)};
        // Zero, sign extension of a negative int, and garbage.
        int[] highWords = {0, -1, 0x5a5a0001};
        qt().withExamples(100).forAll(fdCases()).checkAssert(c -> {
            SeccompFilter filter = c.compile();
            SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(filter.bytes());
            int audit = auditArch(c.arch());
            for (int nr : numbers[c.arch().ordinal()]) {
                for (int fd : fdsToCheck(c.fdRule())) {
                    for (int highWord : highWords) {
                        long arg0 = register(highWord, fd);
                        int actual = verdict(bpf, c.arch(), nr, arg0);
                        int expected = specifiedVerdict(c, audit, nr, arg0);
                        if (actual != expected) {
                            assertEquals(hex(expected), hex(actual), "nr " + nr + " args[0] 0x" + Long.toHexString(arg0)
                                    + " with " + c + "\n" + filter.disassemble());
                        }
                    }
                }
            }
        });
    }

    /** One {@code seccomp_data} for a case. */
    record Probe(Case c, int dataArch, int nr, long arg0) {
        @Override
        public String toString() {
            return "nr " + nr + " arch " + hex(dataArch) + " args[0] 0x" + Long.toHexString(arg0) + " with " + c;
        }
    }

    /** Numbers of the case and their neighbours, descriptors near the range, any arch; or anything at all. */
    private static Gen<Probe> probes() {
        return fdCases().flatMap(c -> {
            Set<Integer> mentioned = new TreeSet<>(c.fdRule().syscalls());
            mentioned.addAll(c.traced());
            mentioned.addAll(c.alwaysAllowed());
            List<Integer> near = mentioned.stream().flatMap(nr -> Stream.of(nr - 1, nr, nr + 1)).toList();
            Gen<Integer> nrs = Generate.pick(near).mix(integers().all(), 20);
            Gen<Integer> fds = Generate.pick(Arrays.stream(fdsToCheck(c.fdRule())).boxed().toList())
                    .mix(integers().all(), 30);
            Gen<Long> arg0s = integers().all().zip(fds, SeccompFilterTest::register).mix(longs().all(), 20);
            Gen<Integer> dataArches = Generate.constant(auditArch(c.arch())).mix(auditArches(), 10);
            return nrs.zip(arg0s, dataArches, (nr, arg0, dataArch) -> new Probe(c, dataArch, nr, arg0));
        });
    }

    @Test
    void fdRuleGivesTheSpecifiedVerdictForArbitrarySeccompData() {
        qt().withExamples(2000).forAll(probes()).checkAssert(p -> {
            SeccompFilter filter = p.c().compile();
            long[] args = {p.arg0(), ~p.arg0(), p.arg0() >>> 32, 1000, -1, p.nr()};
            Outcome outcome = SeccompBpfInterpreter.load(filter.bytes()).run(p.nr(), p.dataArch(), p.arg0(), args);
            assertEquals(hex(specifiedVerdict(p.c(), p.dataArch(), p.nr(), p.arg0())), hex(outcome.returnValue()),
                    () -> p + "\n" + filter.disassemble());
        });
    }

    /** A call to check: syscall {@code nr} with {@code args[0]} returns {@code expected}. */
    record Call(int nr, long arg0, int expected) {}

    /** The engine's use: a program writing a million bytes to stdout must not stop once. */
    @Test
    void onlySyscallsOnTheEnginesDescriptorsStop() {
        SyscallTable table = SyscallTable.of(Arch.X86_64);
        int write = table.numberOf("write");
        int close = table.numberOf("close");
        int openat = table.numberOf("openat");
        int mmap = table.numberOf("mmap");
        FdRule rule = new FdRule(fdSyscalls(Arch.X86_64), 1000, 1064);
        SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(
                SeccompFilter.compile(Arch.X86_64, Set.of(openat), Set.of(mmap), rule).bytes());
        List<Call> calls = List.of(
                new Call(write, 1, RET_ALLOW),
                new Call(write, 999, RET_ALLOW),
                new Call(write, 1000, TRACE_SUBSCRIBED),
                new Call(write, 1063, TRACE_SUBSCRIBED),
                new Call(write, 1064, RET_ALLOW),
                new Call(close, 1010, TRACE_SUBSCRIBED),
                new Call(close, 3, RET_ALLOW),
                new Call(table.numberOf("read"), 1000, RET_ALLOW),
                new Call(openat, register(0, AT_FDCWD), TRACE_SUBSCRIBED),
                new Call(mmap, 1000, RET_ALLOW),
                // The kernel passes the low word as the int fd; the high word is whatever the register held.
                new Call(write, register(-1, 1000), TRACE_SUBSCRIBED),
                new Call(write, register(1000, 1), RET_ALLOW),
                new Call(write, register(1, 999), RET_ALLOW));
        assertAll(calls.stream().map(call -> () -> assertEquals(hex(call.expected()),
                hex(verdict(bpf, Arch.X86_64, call.nr(), call.arg0())), call::toString)));
    }

    @Test
    void tracedAndAlwaysAllowedWinOverTheFdRule() {
        SyscallTable table = SyscallTable.of(Arch.AARCH64);
        int write = table.numberOf("write");
        int close = table.numberOf("close");
        int pwrite64 = table.numberOf("pwrite64");
        FdRule rule = new FdRule(Set.of(write, close, pwrite64), 5, 6);
        Case c = new Case(Arch.AARCH64, Set.of(write, close), Set.of(close), rule);
        SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(c.compile().bytes());
        for (long arg0 : new long[] {4, 5, 6, -1}) {
            assertEquals(hex(TRACE_SUBSCRIBED), hex(verdict(bpf, Arch.AARCH64, write, arg0)), "traced wins");
            assertEquals(hex(RET_ALLOW), hex(verdict(bpf, Arch.AARCH64, close, arg0)), "always allowed wins");
            assertEquals(hex(arg0 == 5 ? TRACE_SUBSCRIBED : RET_ALLOW),
                    hex(verdict(bpf, Arch.AARCH64, pwrite64, arg0)), "the rule decides");
        }
    }

    /**
     * jge compares unsigned; a negative int is at least 2^31 unsigned, which must land above the
     * range, never in it, for every range, including the widest.
     */
    @Test
    void negativeDescriptorsNeverMatch() {
        int[][] ranges = {{0, Integer.MAX_VALUE}, {0, 1}, {1000, 1064}, {Integer.MAX_VALUE - 1, Integer.MAX_VALUE}};
        for (Arch arch : Arch.values()) {
            int write = SyscallTable.of(arch).numberOf("write");
            for (int[] range : ranges) {
                SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(SeccompFilter.compile(
                        arch, Set.of(), Set.of(), new FdRule(Set.of(write), range[0], range[1])).bytes());
                int[] negatives = {-1, AT_FDCWD, Integer.MIN_VALUE, Integer.MIN_VALUE + range[0],
                        Integer.MIN_VALUE + range[1] - 1, -range[1], -range[0] - 1};
                for (int fd : negatives) {
                    for (int highWord : new int[] {0, -1}) {
                        assertEquals(hex(RET_ALLOW), hex(verdict(bpf, arch, write, register(highWord, fd))),
                                () -> arch + " fd " + fd + " high word " + highWord + " in " + Arrays.toString(range));
                    }
                }
                assertEquals(hex(TRACE_SUBSCRIBED), hex(verdict(bpf, arch, write, range[0])));
                assertEquals(hex(TRACE_SUBSCRIBED), hex(verdict(bpf, arch, write, range[1] - 1)));
            }
        }
    }

    @Test
    void aRuleWithNothingLeftToCheckCompilesToTheFilterWithoutARule() {
        qt().withExamples(100).forAll(cases(), fdRanges(), integers().all()).checkAssert((c, range, seed) -> {
            List<Integer> decided = new ArrayList<>(c.traced());
            decided.addAll(c.alwaysAllowed());
            Collections.shuffle(decided, new Random(seed));
            Set<Integer> syscalls = Set.copyOf(decided.subList(0, decided.size() / 2));
            SeccompFilter withRule = SeccompFilter.compile(c.arch(), c.traced(), c.alwaysAllowed(),
                    new FdRule(syscalls, range[0], range[1]));
            assertArrayEquals(c.compile().bytes(), withRule.bytes(), () -> c + " fdRule " + syscalls);
        });
    }

    @Test
    void fdRuleCostsOneCheckAndSharedTrampolines() {
        qt().withExamples(200).forAll(fdCases()).checkAssert(c -> {
            assertSizeAndCost(c, numbersToCheck(c.arch()));
            List<Instruction> program = SeccompBpfInterpreter.load(c.compile().bytes()).instructions();
            long argumentLoads = program.stream()
                    .filter(insn -> insn.code() == SeccompBpfInterpreter.LD_W_ABS && insn.k() == ARGS_OFFSET).count();
            assertEquals(checksFd(c) ? 1 : 0, argumentLoads, c::toString);
        });
    }

    @Test
    void scatteredRuleNumbersShareTrampolinesToTheCheck() {
        for (Arch arch : Arch.values()) {
            // Isolated numbers, every third one left to the rule: the check is far from most of them.
            Set<Integer> traced = new HashSet<>();
            Set<Integer> ruled = new HashSet<>();
            for (int nr : new TreeSet<>(isolatedNumbers(1800))) {
                (nr % 3 == 0 ? ruled : traced).add(nr);
            }
            Case c = new Case(arch, traced, Set.of(7, 9, 3599), new FdRule(ruled, 1000, 1064));
            SeccompFilter filter = c.compile();
            List<Instruction> program = SeccompBpfInterpreter.load(filter.bytes()).instructions();
            int check = IntStream.range(0, program.size()).filter(pc -> program.get(pc).k() == ARGS_OFFSET
                    && program.get(pc).code() == SeccompBpfInterpreter.LD_W_ABS).findFirst().orElseThrow();
            long trampolines = IntStream.range(0, program.size()).filter(pc -> program.get(pc).code()
                    == SeccompBpfInterpreter.JMP_JA && pc + 1 + program.get(pc).k() == check).count();
            int spans = (program.size() + FILLER_SPACING - 1) / FILLER_SPACING;
            assertTrue(trampolines > 0 && trampolines <= spans, () -> trampolines + " ja to the check in "
                    + program.size() + " instructions");
            SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(filter.bytes());
            int audit = auditArch(arch);
            for (int nr = -1; nr <= 3700; nr++) {
                for (int fd : fdsToCheck(c.fdRule())) {
                    long arg0 = register(nr, fd);
                    assertEquals(hex(specifiedVerdict(c, audit, nr, arg0)), hex(verdict(bpf, arch, nr, arg0)));
                }
            }
            assertSizeAndCost(c, IntStream.rangeClosed(-1, 3700).toArray());
        }
    }

    @Test
    void fdRuleCountsTowardsTheInstructionLimit() {
        // 4090 boundaries, 5 for the prologue, a ret and the check's 3 (2 when it starts at 0).
        for (int low : new int[] {0, 1000}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SeccompFilter.compile(
                    Arch.X86_64, Set.of(), Set.of(), new FdRule(isolatedNumbers(2045), low, 1064)));
            String expected = "at least " + (low == 0 ? 4098 : 4099) + " instructions (4090 boundaries";
            assertTrue(e.getMessage().contains(expected), e.getMessage());
        }
    }

    @Test
    void fdRulesAndTheirNumbersAreChecked() {
        Set<Integer> none = Set.of();
        assertThrows(IllegalArgumentException.class, () -> new FdRule(none, -1, 5));
        assertThrows(IllegalArgumentException.class, () -> new FdRule(none, 5, 5));
        assertThrows(IllegalArgumentException.class, () -> new FdRule(none, 6, 5));
        assertThrows(IllegalArgumentException.class, () -> new FdRule(none, Integer.MIN_VALUE, 0));
        assertThrows(NullPointerException.class, () -> new FdRule(null, 0, 1));
        assertThrows(NullPointerException.class, () -> new FdRule(new HashSet<>(Arrays.asList(1, null)), 0, 1));
        assertThrows(NullPointerException.class, () -> SeccompFilter.compile(Arch.X86_64, none, none, null));
        IllegalArgumentException x32 = assertThrows(IllegalArgumentException.class,
                () -> SeccompFilter.compile(Arch.X86_64, none, none, new FdRule(Set.of(X32_BIT | 1), 0, 1)));
        assertTrue(x32.getMessage().contains("fdRule.syscalls"), x32.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SeccompFilter.compile(Arch.AARCH64, none, none, new FdRule(Set.of(-3), 0, 1)));
        Set<Integer> syscalls = new HashSet<>(Set.of(1, 2));
        FdRule rule = new FdRule(syscalls, 0, 1);
        syscalls.add(3);
        assertEquals(Set.of(1, 2), rule.syscalls(), "the rule keeps a copy");
    }

    @Test
    void disassemblyShowsTheFdCheck() {
        int write = SyscallTable.of(Arch.X86_64).numberOf("write");
        assertEquals("""
                (000) ld   [4]  ; seccomp_data.arch
                (001) jeq  #0xc000003e  jt 2  jf 10  ; AUDIT_ARCH of X86_64
                (002) ld   [0]  ; seccomp_data.nr
                (003) jset #0x40000000  jt 10  jf 4  ; __X32_SYSCALL_BIT
                (004) jge  #1  jt 5  jf 10  ; write
                (005) jge  #2  jt 10  jf 6  ; open
                (006) ld   [16]  ; seccomp_data.args[0], low word
                (007) jge  #1000  jt 8  jf 10  ; fd
                (008) jge  #1064  jt 10  jf 9  ; fd
                (009) ret  #0x7ff00000  ; TRACE, data 0
                (010) ret  #0x7fff0000  ; ALLOW""",
                SeccompFilter.compile(Arch.X86_64, Set.of(), Set.of(), new FdRule(Set.of(write), 1000, 1064))
                        .disassemble());
        qt().withExamples(50).forAll(fdCases()).checkAssert(c -> {
            SeccompFilter filter = c.compile();
            List<String> lines = filter.disassemble().lines().toList();
            assertEquals(filter.length(), lines.size());
            int check = lines.indexOf(lines.stream().filter(line -> line.contains("ld   [16]")).findFirst().orElse(""));
            for (int pc = 0; pc < lines.size(); pc++) {
                String line = lines.get(pc);
                if (line.contains(" jge ")) {
                    assertEquals(check >= 0 && pc > check, line.endsWith("; fd"), line);
                }
            }
        });
    }
}
