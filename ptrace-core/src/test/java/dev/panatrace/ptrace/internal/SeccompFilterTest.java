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
import dev.panatrace.ptrace.internal.SeccompBpfInterpreter.Instruction;
import dev.panatrace.ptrace.internal.SeccompBpfInterpreter.Outcome;
import dev.panatrace.ptrace.internal.SeccompBpfInterpreter.RejectedProgram;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
    private static final int TRACE_FOREIGN_ABI = RET_TRACE | 1;
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

    /** One compilation input. */
    record Case(Arch arch, Set<Integer> traced, Set<Integer> alwaysAllowed) {
        Set<Integer> stopping() {
            Set<Integer> stopping = new TreeSet<>(traced);
            stopping.removeAll(alwaysAllowed);
            return stopping;
        }

        SeccompFilter compile() {
            return SeccompFilter.compile(arch, traced, alwaysAllowed);
        }

        @Override
        public String toString() {
            return arch + " traced=" + new TreeSet<>(traced) + " alwaysAllowed=" + new TreeSet<>(alwaysAllowed);
        }
    }

    private static int auditArch(Arch arch) {
        return switch (arch) {
            case X86_64 -> AUDIT_ARCH_X86_64;
            case AARCH64 -> AUDIT_ARCH_AARCH64;
        };
    }

    /** The specification: what the filter must return. */
    private static int specifiedVerdict(Case c, int dataArch, int nr) {
        if (dataArch != auditArch(c.arch())) {
            return TRACE_FOREIGN_ABI;
        }
        if (c.arch() == Arch.X86_64 && (nr & X32_BIT) != 0) {
            return TRACE_FOREIGN_ABI;
        }
        if (c.alwaysAllowed().contains(nr)) {
            return RET_ALLOW;
        }
        return c.traced().contains(nr) ? TRACE_SUBSCRIBED : RET_ALLOW;
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

    /** The numbers at which membership in {@code stopping} flips, counted without the compiler's code. */
    private static int boundaryCount(Set<Integer> stopping) {
        int count = 0;
        for (int nr : stopping) {
            if (nr != 0 && !stopping.contains(nr - 1)) {
                count++;
            }
            if (!stopping.contains(nr + 1)) {
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
            int expected = specifiedVerdict(c, audit, nr);
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

    @Test
    void arbitrarySeccompDataGetsTheSpecifiedVerdict() {
        Gen<Integer> auditArches = Generate.pick(List.of(AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64, AUDIT_ARCH_I386,
                AUDIT_ARCH_ARM, 0)).mix(integers().all());
        qt().withExamples(300).forAll(cases(), auditArches, integers().all(), longs().all())
                .checkAssert((c, dataArch, nr, word) -> {
                    SeccompFilter filter = c.compile();
                    long[] args = {word, ~word, word >>> 7, -word, word * 31, 0};
                    Outcome outcome = SeccompBpfInterpreter.load(filter.bytes()).run(nr, dataArch, word ^ nr, args);
                    assertEquals(hex(specifiedVerdict(c, dataArch, nr)), hex(outcome.returnValue()),
                            () -> "nr " + nr + " arch " + hex(dataArch) + " with " + c + "\n" + filter.disassemble());
                });
    }

    @Test
    void aForeignArchIsTracedWithDataOne() {
        qt().forAll(cases(), integers().all(), integers().all())
                .assuming((c, dataArch, nr) -> dataArch != auditArch(c.arch()))
                .checkAssert((c, dataArch, nr) -> assertEquals(hex(TRACE_FOREIGN_ABI),
                        hex(SeccompBpfInterpreter.load(c.compile().bytes()).run(nr, dataArch).returnValue())));
        for (Arch arch : Arch.values()) {
            SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(
                    SeccompFilter.compile(arch, Set.copyOf(tableNumbers(arch)), Set.of()).bytes());
            for (int foreign : new int[] {AUDIT_ARCH_I386, AUDIT_ARCH_ARM, auditArch(arch) ^ 1, 0,
                    arch == Arch.X86_64 ? AUDIT_ARCH_AARCH64 : AUDIT_ARCH_X86_64}) {
                assertEquals(hex(TRACE_FOREIGN_ABI), hex(bpf.run(0, foreign).returnValue()), arch + " " + hex(foreign));
            }
        }
    }

    @Test
    void onlyAllowAndTheTwoTraceValuesAreReturned() {
        Set<Integer> permitted = Set.of(RET_ALLOW, TRACE_SUBSCRIBED, TRACE_FOREIGN_ABI);
        qt().withExamples(200).forAll(cases()).checkAssert(c -> {
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
                () -> assertEquals(hex(TRACE_FOREIGN_ABI),
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
                int boundaries = boundaryCount(c.stopping());
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
            assertEquals(arch == Arch.X86_64 ? 6 : 5, filter.length(), filter::disassemble);
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

    private static void assertSizeAndCost(Case c, int[] numbers) {
        SeccompFilter filter = c.compile();
        int boundaries = boundaryCount(c.stopping());
        int fillers = filter.length() - MAX_PROLOGUE - boundaries;
        int fillerBound = 2 + 4 * ((filter.length() + FILLER_SPACING - 1) / FILLER_SPACING);
        assertTrue(fillers <= fillerBound, () -> fillers + " fillers > " + fillerBound + " with " + c);
        int depth = ceilLog2(boundaries + 1);
        int executedBound = MAX_PROLOGUE_EXECUTED + 2 * depth + 1;
        SeccompBpfInterpreter bpf = SeccompBpfInterpreter.load(filter.bytes());
        for (int nr : numbers) {
            int executed = bpf.run(nr, auditArch(c.arch())).executed();
            assertTrue(executed <= executedBound, () -> "nr " + nr + " ran " + executed + " > " + executedBound);
        }
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
                0x15, 0, 0, 2, 0x3e, 0, 0, (byte) 0xc0, // jeq #AUDIT_ARCH_X86_64 jt +0 jf +2
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
                (003) jset #0x40000000  jt 4  jf 5  ; __X32_SYSCALL_BIT
                (004) ret  #0x7ff00001  ; TRACE, data 1: foreign ABI
                (005) ret  #0x7fff0000  ; ALLOW""",
                SeccompFilter.compile(Arch.X86_64, Set.of(), Set.of()).disassemble());
        qt().withExamples(50).forAll(cases()).checkAssert(c -> {
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
        qt().withExamples(100).forAll(cases(), integers().between(0, Integer.MAX_VALUE)).checkAssert((c, pick) -> {
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
}
