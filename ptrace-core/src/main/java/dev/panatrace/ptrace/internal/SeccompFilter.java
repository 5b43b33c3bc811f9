package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.SyscallTable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A classic seccomp-BPF program that stops a tracee ({@code SECCOMP_RET_TRACE}) only at the syscalls
 * a handler subscribed to, optionally only when their file descriptor is one the engine watches
 * ({@link FdRule}), and lets every other syscall run ({@code SECCOMP_RET_ALLOW}). It never
 * returns KILL, USER_NOTIF or LOG: gVisor kills the thread on the last two, and an engine bug must
 * show up as an extra stop, not as a dead tracee.
 *
 * <p>Verdicts, checked in this order on {@code struct seccomp_data}:
 * <ol>
 *   <li>{@code arch} is not the filter's {@link Arch#auditArch()} (i386 {@code int 0x80} on x86_64,
 *       AArch32 on arm64): ALLOW;
 *   <li>on x86_64, {@code nr} has {@code __X32_SYSCALL_BIT} set: ALLOW;
 *   <li>{@code nr} is always allowed (the engine injects or rewrites to it): ALLOW, even if traced;
 *   <li>{@code nr} is traced: TRACE with data {@link #DATA_SUBSCRIBED};
 *   <li>{@code nr} is one of the {@link FdRule}'s syscalls: TRACE with data {@link #DATA_SUBSCRIBED} if
 *       its first argument, as a C {@code int}, lies in the rule's range, otherwise ALLOW;
 *   <li>otherwise ALLOW.
 * </ol>
 * Foreign-ABI numbers mean other syscalls than the table's, which the engine does not decode: they run
 * unseen. Every seccomp stop is therefore a subscribed syscall of the table's ABI, and the engine need not
 * read the filter's data ({@code PTRACE_GETEVENTMSG}, one more system call per stop) to know it.
 *
 * <p>The syscall lookup is a balanced binary search ({@code jge}) over the boundaries of the
 * contiguous ranges of numbers with one verdict (ALLOW, TRACE, check the fd), so a lookup runs
 * O(log ranges) instructions. Jumps farther than an 8-bit offset go through a {@code ja} trampoline
 * or a nearer copy of the return.
 * The x86_64 program starts:
 * <pre>
 * (000) ld   [4]  ; seccomp_data.arch
 * (001) jeq  #0xc000003e  jt 2  jf 4  ; AUDIT_ARCH of X86_64
 * (002) ld   [0]  ; seccomp_data.nr
 * (003) jset #0x40000000  jt 4  jf 5  ; __X32_SYSCALL_BIT
 * (004) ret  #0x7fff0000  ; ALLOW
 * (005) ...  the lookup of nr: jge, ja and ret
 * </pre>
 * With an {@link FdRule}, the rule's numbers jump (directly or through a shared {@code ja}) to one
 * block at the end of the program, here for the range {@code [1000, 1064)}:
 * <pre>
 * (n+0) ld   [16]  ; seccomp_data.args[0], low word
 * (n+1) jge  #1000  jt n+2  jf n+4  ; fd
 * (n+2) jge  #1064  jt n+4  jf n+3  ; fd
 * (n+3) ret  #0x7ff00000  ; TRACE, data 0
 * (n+4) ret  #0x7fff0000  ; ALLOW
 * </pre>
 * Instances are immutable.
 */
public final class SeccompFilter {
    /** RET_TRACE data for a subscribed syscall of the filter's ABI: the number in the registers is the table's. */
    public static final int DATA_SUBSCRIBED = 0;

    // <linux/bpf_common.h>: instruction classes, sizes, modes, jump ops, sources.
    private static final int BPF_LD = 0x00;
    private static final int BPF_JMP = 0x05;
    private static final int BPF_RET = 0x06;
    private static final int BPF_W = 0x00;
    private static final int BPF_ABS = 0x20;
    private static final int BPF_JA = 0x00;
    private static final int BPF_JEQ = 0x10;
    private static final int BPF_JGE = 0x30;
    private static final int BPF_JSET = 0x40;
    private static final int BPF_K = 0x00;
    /** {@code BPF_MAXINSNS} in {@code <linux/bpf_common.h>}: the most instructions a filter may have. */
    private static final int BPF_MAXINSNS = 4096;
    /** {@code struct sock_filter}: jt and jf are {@code __u8}. */
    private static final int MAX_JUMP_OFFSET = 0xff;
    /** {@code sizeof(struct sock_filter)} in {@code <linux/filter.h>}: u16 code, u8 jt, u8 jf, u32 k. */
    private static final int INSTRUCTION_BYTES = 8;

    private static final int LD_W_ABS = BPF_LD | BPF_W | BPF_ABS;
    private static final int JA = BPF_JMP | BPF_JA;
    private static final int JEQ_K = BPF_JMP | BPF_JEQ | BPF_K;
    private static final int JGE_K = BPF_JMP | BPF_JGE | BPF_K;
    private static final int JSET_K = BPF_JMP | BPF_JSET | BPF_K;
    private static final int RET_K = BPF_RET | BPF_K;

    // <linux/seccomp.h>: SECCOMP_RET_* actions; the low 16 bits (SECCOMP_RET_DATA) carry data.
    private static final int SECCOMP_RET_TRACE = 0x7ff00000;
    private static final int SECCOMP_RET_ALLOW = 0x7fff0000;
    private static final int SECCOMP_RET_DATA = 0x0000ffff;
    // <linux/seccomp.h>: struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
    private static final int SECCOMP_DATA_NR = 0;
    private static final int SECCOMP_DATA_ARCH = 4;
    /**
     * {@code args[0]} starts at 16 and is stored in the tracee's byte order. Both audit arches carry
     * {@code __AUDIT_ARCH_LE}, and the arch check runs first, so its low word, the C {@code int}, is at 16.
     */
    private static final int SECCOMP_DATA_ARG0_LOW = 16;
    /** {@code __X32_SYSCALL_BIT} in x86's {@code <asm/unistd.h>}: x32 syscalls are numbered with it set. */
    private static final int X32_SYSCALL_BIT = 0x40000000;

    private static final int RET_ALLOW = SECCOMP_RET_ALLOW;
    private static final int RET_SUBSCRIBED = SECCOMP_RET_TRACE | DATA_SUBSCRIBED;
    /** ld arch, jeq, ld nr, jset, ret: the most instructions outside the syscall lookup. */
    private static final int MAX_PROLOGUE = 5;
    /** A rule over no syscalls: the filter it gives is the one without a rule. */
    private static final FdRule NO_FD_RULE = new FdRule(Set.of(), 0, 1);

    private final Arch arch;
    private final List<Instruction> program;

    private SeccompFilter(Arch arch, List<Instruction> program) {
        this.arch = arch;
        this.program = program;
    }

    /**
     * Traces some syscalls only when their first argument, a file descriptor, lies in
     * {@code [low, high)}. The engine moves the descriptors it must watch into a reserved range, so
     * that the program's own writes to other descriptors run without a stop, e.g.
     * {@code new FdRule(Set.of(write, pwrite64, writev, close), 1000, 1064)}.
     *
     * <p>The filter compares the low 32 bits of {@code seccomp_data.args[0]}, the C {@code int} the
     * syscall receives: the kernel truncates the register to it, so garbage in the high word does not
     * matter. Negative descriptors ({@code -1}, {@code AT_FDCWD}) never match, since the range is
     * non-negative.
     *
     * @param syscalls the syscall numbers the rule applies to; a copy is kept
     * @param low the lowest traced descriptor, at least 0
     * @param high the descriptor after the highest traced one, greater than {@code low}
     */
    public record FdRule(Set<Integer> syscalls, int low, int high) {
        /**
         * Checks and copies the rule.
         *
         * @throws IllegalArgumentException if {@code low} is negative or {@code high} is not above it
         * @throws NullPointerException if {@code syscalls} or one of its elements is null
         */
        public FdRule {
            for (Integer nr : Objects.requireNonNull(syscalls, "syscalls")) {
                Objects.requireNonNull(nr, "syscalls contains null");
            }
            syscalls = Set.copyOf(syscalls);
            if (low < 0 || high <= low) {
                throw new IllegalArgumentException(
                        "fd range [" + low + ", " + high + ") must be non-empty and start at 0 or above");
            }
        }
    }

    /**
     * Compiles the filter for tracees of one architecture.
     *
     * @param arch the architecture whose audit arch and syscall numbering the tracee uses
     * @param traced syscall numbers that stop with TRACE data {@link #DATA_SUBSCRIBED}
     * @param alwaysAllowed syscall numbers that never stop, even when also in {@code traced}: the ones
     *     the engine injects or rewrites to
     * @return the filter
     * @throws IllegalArgumentException if a number is negative, has the x32 bit on x86_64, or the sets
     *     are so scattered that the program would exceed the kernel's 4096 instructions
     * @throws NullPointerException if an argument or a set element is null
     */
    public static SeccompFilter compile(Arch arch, Set<Integer> traced, Set<Integer> alwaysAllowed) {
        return compile(arch, traced, alwaysAllowed, NO_FD_RULE);
    }

    /**
     * Compiles the filter for tracees of one architecture, with syscalls traced only for some file
     * descriptors. A number in both {@code traced} and the rule is always traced; a number in
     * {@code alwaysAllowed} is never traced.
     *
     * @param arch the architecture whose audit arch and syscall numbering the tracee uses
     * @param traced syscall numbers that stop with TRACE data {@link #DATA_SUBSCRIBED}
     * @param alwaysAllowed syscall numbers that never stop, even when also in {@code traced} or in the
     *     rule: the ones the engine injects or rewrites to
     * @param fdRule syscall numbers that stop with TRACE data {@link #DATA_SUBSCRIBED} only when their
     *     first argument lies in the rule's range
     * @return the filter
     * @throws IllegalArgumentException if a number is negative, has the x32 bit on x86_64, or the sets
     *     are so scattered that the program would exceed the kernel's 4096 instructions
     * @throws NullPointerException if an argument or a set element is null
     */
    public static SeccompFilter compile(Arch arch, Set<Integer> traced, Set<Integer> alwaysAllowed, FdRule fdRule) {
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(fdRule, "fdRule");
        TreeMap<Integer, Verdict> stopping = new TreeMap<>();
        for (int nr : checkedNumbers(arch, "traced", traced)) {
            stopping.put(nr, Verdict.TRACE);
        }
        TreeSet<Integer> allowed = checkedNumbers(arch, "alwaysAllowed", alwaysAllowed);
        for (int nr : checkedNumbers(arch, "fdRule.syscalls", fdRule.syscalls())) {
            stopping.putIfAbsent(nr, Verdict.CHECK_FD);
        }
        stopping.keySet().removeAll(allowed);

        Intervals intervals = intervals(stopping);
        long[] boundaries = intervals.boundaries();
        boolean checksFd = stopping.containsValue(Verdict.CHECK_FD);
        // ld and one or two jge; the fd check's rets are shared with the lookup.
        int fdCheckLength = !checksFd ? 0 : fdRule.low() == 0 ? 2 : 3;
        // Every boundary costs one jge, so this many can never fit; fail before assembling.
        int leastLength = boundaries.length + MAX_PROLOGUE + 1 + fdCheckLength;
        if (leastLength > BPF_MAXINSNS) {
            throw tooLarge(arch, "at least " + leastLength, boundaries.length);
        }

        BackwardAssembler asm = new BackwardAssembler();
        // Last in the program, so that its rets are placed before the lookup's and shared with them.
        Target fdCheck = checksFd ? asm.fdCheck(fdRule.low(), fdRule.high()) : null;
        Target[] targets = new Target[intervals.verdicts().size()];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = switch (intervals.verdicts().get(i)) {
                case ALLOW -> new Return(RET_ALLOW);
                case TRACE -> new Return(RET_SUBSCRIBED);
                case CHECK_FD -> fdCheck;
            };
        }
        // Placed next, so the lookup starts right after the prologue even when it is a lone ret.
        Target lookup = asm.place(asm.search(boundaries, targets, 0, boundaries.length));
        Target foreignAbi = new Return(RET_ALLOW);
        if (arch == Arch.X86_64) {
            lookup = asm.branch(JSET_K, X32_SYSCALL_BIT, foreignAbi, lookup);
        }
        Target loadNr = asm.load(SECCOMP_DATA_NR, lookup);
        Target checkArch = asm.branch(JEQ_K, arch.auditArch(), loadNr, foreignAbi);
        asm.load(SECCOMP_DATA_ARCH, checkArch);

        List<Instruction> program = asm.program();
        if (program.size() > BPF_MAXINSNS) {
            throw tooLarge(arch, String.valueOf(program.size()), boundaries.length);
        }
        return new SeccompFilter(arch, program);
    }

    /**
     * The program as {@code struct sock_filter[]} in the tracee's byte order (little-endian on both
     * supported architectures), ready to write into tracee memory for {@code struct sock_fprog.filter}.
     *
     * @return a fresh array of {@code 8 * length()} bytes
     */
    public byte[] bytes() {
        ByteBuffer out = ByteBuffer.allocate(program.size() * INSTRUCTION_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (Instruction insn : program) {
            out.putShort((short) insn.code()).put((byte) insn.jt()).put((byte) insn.jf()).putInt(insn.k());
        }
        return out.array();
    }

    /**
     * The number of instructions, for {@code struct sock_fprog.len}.
     *
     * @return between 3 and 4096
     */
    public int length() {
        return program.size();
    }

    /** The architecture the filter was compiled for. */
    public Arch arch() {
        return arch;
    }

    /**
     * The program in tcpdump-like assembly, one line per instruction, jump targets as absolute
     * instruction indexes, e.g. {@code (005) jge  #257  jt 6  jf 9  ; openat}.
     *
     * @return the lines joined with {@code '\n'}, without a trailing newline
     */
    public String disassemble() {
        SyscallTable table = SyscallTable.of(arch);
        StringBuilder out = new StringBuilder();
        int loaded = SECCOMP_DATA_NR;
        for (int pc = 0; pc < program.size(); pc++) {
            Instruction insn = program.get(pc);
            if (pc > 0) {
                out.append('\n');
            }
            out.append(String.format("(%03d) ", pc));
            int conditionTrue = pc + 1 + insn.jt();
            int conditionFalse = pc + 1 + insn.jf();
            // Jumps only go forward and every block starts with its load, so the last load above a
            // jge in program order is the one whose value it compares.
            if (insn.code() == LD_W_ABS) {
                loaded = insn.k();
            }
            String line = switch (insn.code()) {
                case LD_W_ABS -> String.format("%-4s [%d]  ; %s", "ld", insn.k(), fieldName(insn.k()));
                case JEQ_K -> String.format("jeq  #0x%08x  jt %d  jf %d  ; AUDIT_ARCH of %s",
                        insn.k(), conditionTrue, conditionFalse, arch);
                case JSET_K -> String.format("jset #0x%08x  jt %d  jf %d  ; __X32_SYSCALL_BIT",
                        insn.k(), conditionTrue, conditionFalse);
                case JGE_K -> String.format("jge  #%d  jt %d  jf %d  ; %s", Integer.toUnsignedLong(insn.k()),
                        conditionTrue, conditionFalse, loaded == SECCOMP_DATA_NR ? table.name(insn.k()) : "fd");
                case JA -> String.format("ja   %d", pc + 1 + insn.k());
                case RET_K -> String.format("ret  #0x%08x  ; %s", insn.k(), verdictName(insn.k()));
                default -> throw new IllegalStateException("unexpected opcode 0x" + Integer.toHexString(insn.code()));
            };
            out.append(line);
        }
        return out.toString();
    }

    /** For example {@code SeccompFilter[X86_64, 17 instructions]}. */
    @Override
    public String toString() {
        return "SeccompFilter[" + arch + ", " + program.size() + " instructions]";
    }

    private static String fieldName(int offset) {
        return switch (offset) {
            case SECCOMP_DATA_NR -> "seccomp_data.nr";
            case SECCOMP_DATA_ARCH -> "seccomp_data.arch";
            case SECCOMP_DATA_ARG0_LOW -> "seccomp_data.args[0], low word";
            default -> throw new IllegalStateException("unexpected load of offset " + offset);
        };
    }

    private static String verdictName(int ret) {
        return switch (ret & ~SECCOMP_RET_DATA) {
            case SECCOMP_RET_ALLOW -> "ALLOW";
            case SECCOMP_RET_TRACE -> "TRACE, data " + (ret & SECCOMP_RET_DATA);
            default -> throw new IllegalStateException("unexpected return 0x" + Integer.toHexString(ret));
        };
    }

    private static TreeSet<Integer> checkedNumbers(Arch arch, String setName, Set<Integer> numbers) {
        TreeSet<Integer> checked = new TreeSet<>();
        for (Integer nr : Objects.requireNonNull(numbers, setName)) {
            Objects.requireNonNull(nr, () -> setName + " contains null");
            if (nr < 0) {
                throw new IllegalArgumentException(setName + " contains " + nr + ": syscall numbers are not negative");
            }
            if (arch == Arch.X86_64 && (nr & X32_SYSCALL_BIT) != 0) {
                throw new IllegalArgumentException(setName + " contains 0x" + Integer.toHexString(nr)
                        + ", an x32 number: the filter lets x32 syscalls run, undecoded");
            }
            checked.add(nr);
        }
        return checked;
    }

    /** What the lookup decides for a syscall number. */
    private enum Verdict { ALLOW, TRACE, CHECK_FD }

    /**
     * The lookup's intervals: interval i holds the numbers from {@code boundaries[i-1]} (0 for the
     * first) up to below {@code boundaries[i]} (2^32 for the last), all with {@code verdicts.get(i)};
     * neighbours differ.
     */
    private record Intervals(long[] boundaries, List<Verdict> verdicts) {}

    /**
     * The intervals of the numbers in {@code stopping} (each with its verdict) and of the ALLOWed
     * numbers between them. Numbers are non-negative, so the one after the last still fits an
     * unsigned 32-bit {@code k}.
     */
    private static Intervals intervals(TreeMap<Integer, Verdict> stopping) {
        List<Long> boundaries = new ArrayList<>();
        List<Verdict> verdicts = new ArrayList<>(List.of(Verdict.ALLOW));
        long next = 0;
        for (Map.Entry<Integer, Verdict> entry : stopping.entrySet()) {
            long nr = entry.getKey();
            if (nr != next && verdicts.getLast() != Verdict.ALLOW) {
                boundaries.add(next);
                verdicts.add(Verdict.ALLOW);
            }
            if (entry.getValue() != verdicts.getLast()) {
                if (nr == 0) {
                    verdicts.set(0, entry.getValue());
                } else {
                    boundaries.add(nr);
                    verdicts.add(entry.getValue());
                }
            }
            next = nr + 1;
        }
        if (verdicts.getLast() != Verdict.ALLOW) {
            boundaries.add(next);
            verdicts.add(Verdict.ALLOW);
        }
        long[] bounds = new long[boundaries.size()];
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = boundaries.get(i);
        }
        return new Intervals(bounds, List.copyOf(verdicts));
    }

    private static IllegalArgumentException tooLarge(Arch arch, String instructions, int boundaries) {
        return new IllegalArgumentException("seccomp filter for " + arch + " needs at least " + instructions
                + " instructions (" + boundaries + " boundaries between syscall numbers of different verdicts),"
                + " more than the kernel's BPF_MAXINSNS of " + BPF_MAXINSNS
                + "; trace fewer, less scattered syscalls or trace all of them");
    }

    /** One {@code struct sock_filter}; jt, jf and a {@code ja}'s k are offsets from the next instruction. */
    private record Instruction(int code, int jt, int jf, int k) {}

    /** Where control may go: an instruction already assembled, or a return not placed yet. */
    private sealed interface Target permits Assembled, Return {}

    /** An assembled instruction, by its ordinal counted from the end of the program. */
    private record Assembled(int ordinal) implements Target {}

    /** A {@code ret} with this value, placed (or shared) wherever the jump to it can reach. */
    private record Return(int value) implements Target {}

    /**
     * Assembles from the last instruction to the first. BPF jumps only go forward, so every target
     * exists when its jump is assembled, and an offset, being relative, never changes afterwards.
     *
     * <p>Compiling runs once per trace, cold, while the caller waits for the command to start: plain
     * {@code instanceof} and loops here and in {@code compile}, since a type switch or a stream spins classes
     * at run time (the compile took 3.0 ms of {@code bin/k3s-launcher run -- true} with them, 0.9 ms without).
     */
    private static final class BackwardAssembler {
        private final List<Instruction> reversed = new ArrayList<>();
        private final Map<Integer, Integer> nearestReturn = new HashMap<>();
        /** For an instruction jumped to from far away: the nearest {@code ja} to it. */
        private final Map<Integer, Integer> nearestTrampoline = new HashMap<>();

        /**
         * The binary search over intervals {@code [lo, hi]}: interval i is the numbers from
         * {@code boundaries[i-1]} up to below {@code boundaries[i]}, and goes to {@code targets[i]}.
         */
        Target search(long[] boundaries, Target[] targets, int lo, int hi) {
            if (lo == hi) {
                return targets[lo];
            }
            int mid = (lo + hi + 1) >>> 1;
            Target atOrAbove = search(boundaries, targets, mid, hi);
            Target below = search(boundaries, targets, lo, mid - 1);
            return branch(JGE_K, (int) boundaries[mid - 1], atOrAbove, below);
        }

        /**
         * TRACE if the low word of {@code args[0]}, a C {@code int}, lies in {@code [low, high)}, else
         * ALLOW. jge compares unsigned, which agrees with a signed compare here: a negative int is at
         * least 2^31 unsigned, so at or above {@code high <= Integer.MAX_VALUE}, and goes to ALLOW; and
         * every value is at or above {@code low == 0}, so that jge is left out.
         */
        Assembled fdCheck(int low, int high) {
            Target belowHigh = branch(JGE_K, high, new Return(RET_ALLOW), new Return(RET_SUBSCRIBED));
            Target inRange = low == 0 ? belowHigh : branch(JGE_K, low, belowHigh, new Return(RET_ALLOW));
            return load(SECCOMP_DATA_ARG0_LOW, inRange);
        }

        Assembled branch(int code, int k, Target whenTrue, Target whenFalse) {
            // The false target is resolved second and may add one instruction in between.
            int trueOrdinal = reach(whenTrue, 1);
            int falseOrdinal = reach(whenFalse, 0);
            return append(new Instruction(code, distanceTo(trueOrdinal), distanceTo(falseOrdinal), k));
        }

        Assembled load(int offset, Target next) {
            fallThroughTo(next);
            return append(new Instruction(LD_W_ABS, 0, 0, offset));
        }

        /** The program in execution order. */
        List<Instruction> program() {
            return List.copyOf(reversed.reversed());
        }

        /** The target as an assembled instruction, placing a ret here if it is not one yet. */
        Assembled place(Target target) {
            return target instanceof Return ret ? new Assembled(placeReturn(ret.value())) : (Assembled) target;
        }

        private void fallThroughTo(Target next) {
            int distance = distanceTo(place(next).ordinal());
            if (distance != 0) {
                throw new IllegalStateException(
                        "a load must directly precede its successor, not " + distance + " before it");
            }
        }

        /**
         * The ordinal of an instruction that goes to {@code target} and that the instruction
         * assembled next can reach even if {@code slack} more instructions come in between.
         */
        private int reach(Target target, int slack) {
            if (target instanceof Return ret) {
                Integer shared = nearestReturn.get(ret.value());
                if (shared != null && distanceTo(shared) + slack <= MAX_JUMP_OFFSET) {
                    return shared;
                }
                return placeReturn(ret.value());
            }
            // Only the fd check has several jumps to it; they share a trampoline in reach.
            Assembled at = (Assembled) target;
            int nearest = nearestTrampoline.getOrDefault(at.ordinal(), at.ordinal());
            if (distanceTo(nearest) + slack <= MAX_JUMP_OFFSET) {
                return nearest;
            }
            int trampoline = append(new Instruction(JA, 0, 0, distanceTo(at.ordinal()))).ordinal();
            nearestTrampoline.put(at.ordinal(), trampoline);
            return trampoline;
        }

        private int placeReturn(int value) {
            int ordinal = append(new Instruction(RET_K, 0, 0, value)).ordinal();
            nearestReturn.put(value, ordinal);
            return ordinal;
        }

        /** The offset from the instruction assembled next to the one at {@code ordinal}. */
        private int distanceTo(int ordinal) {
            return reversed.size() - ordinal - 1;
        }

        private Assembled append(Instruction insn) {
            reversed.add(insn);
            return new Assembled(reversed.size() - 1);
        }
    }
}
