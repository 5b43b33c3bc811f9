package dev.panatrace.ptrace;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The register layouts against the kernel's structs, the syscall view against the ABI, and recorded
 * NT_PRSTATUS images of one openat call (resources under {@code registers/}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RegistersTest {
    /** struct user_regs_struct from sys/user.h, in field order. */
    private static final List<String> X86_64_FIELDS = List.of(
            "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi", "rdi",
            "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs");
    /** struct user_pt_regs from arm64's asm/ptrace.h: regs[31], sp, pc, pstate. */
    private static final List<String> AARCH64_FIELDS = aarch64Fields();

    /** Where each ABI keeps the syscall number, arguments and result (syscall(2), "Architecture calling conventions"). */
    private record SyscallView(String number, String result, String ip, String sp, List<String> args) {}

    private static final SyscallView X86_64_VIEW = new SyscallView(
            "orig_rax", "rax", "rip", "rsp", List.of("rdi", "rsi", "rdx", "r10", "r8", "r9"));
    private static final SyscallView AARCH64_VIEW = new SyscallView(
            "x8", "x0", "pc", "sp", List.of("x0", "x1", "x2", "x3", "x4", "x5"));

    /** The setters of the syscall view, by number; 0..5 are the arguments. */
    private static final int SET_SYSCALL_NUMBER = 6;
    private static final int SET_RETURN_VALUE = 7;
    private static final int SET_INSTRUCTION_POINTER = 8;

    private static final long AT_FDCWD = -100;
    private static final long ENOSYS = 38;
    private static final long O_RDONLY_CLOEXEC = 02000000;

    private static List<String> aarch64Fields() {
        List<String> fields = new ArrayList<>();
        IntStream.rangeClosed(0, 30).forEach(i -> fields.add("x" + i));
        fields.addAll(List.of("sp", "pc", "pstate"));
        return List.copyOf(fields);
    }

    private static List<String> fields(Arch arch) {
        return switch (arch) {
            case X86_64 -> X86_64_FIELDS;
            case AARCH64 -> AARCH64_FIELDS;
        };
    }

    private static SyscallView view(Arch arch) {
        return switch (arch) {
            case X86_64 -> X86_64_VIEW;
            case AARCH64 -> AARCH64_VIEW;
        };
    }

    @Test
    void layoutsAreTheKernelStructs() {
        assertAll(
                () -> assertEquals(X86_64_FIELDS, Registers.names(Arch.X86_64)),
                () -> assertEquals(27 * 8, Registers.size(Arch.X86_64)),
                () -> assertEquals(AARCH64_FIELDS, Registers.names(Arch.AARCH64)),
                () -> assertEquals(34 * 8, Registers.size(Arch.AARCH64)));
        for (Arch arch : Arch.values()) {
            Registers zeroed = Registers.zeroed(arch);
            assertEquals(arch, zeroed.arch());
            assertArrayEquals(new byte[(int) Registers.size(arch)], zeroed.toBytes(), arch.name());
        }
    }

    @Test
    void kernelBytesDecodeLittleEndianAtTheStructOffsets() {
        for (Arch arch : Arch.values()) {
            List<String> fields = fields(arch);
            qt().forAll(lists().of(longs().all()).ofSize(fields.size())).checkAssert(words -> {
                byte[] image = littleEndian(words);
                Registers regs = Registers.fromBytes(arch, image);
                for (int i = 0; i < fields.size(); i++) {
                    assertEquals((long) words.get(i), regs.get(fields.get(i)), arch + " " + fields.get(i));
                }
                assertArrayEquals(image, regs.toBytes(), arch.name());
                assertFalse(regs.syscallNumberChanged(), arch.name());
            });
        }
    }

    @Test
    void namedSettersRoundTripThroughBytes() {
        for (Arch arch : Arch.values()) {
            List<String> fields = fields(arch);
            qt().forAll(lists().of(longs().all()).ofSize(fields.size())).checkAssert(words -> {
                Registers regs = Registers.zeroed(arch);
                for (int i = 0; i < fields.size(); i++) {
                    regs.set(fields.get(i), words.get(i));
                }
                byte[] image = regs.toBytes();
                assertArrayEquals(littleEndian(words), image, arch.name());
                Registers back = Registers.fromBytes(arch, image);
                for (int i = 0; i < fields.size(); i++) {
                    assertEquals((long) words.get(i), back.get(fields.get(i)), arch + " " + fields.get(i));
                }
            });
        }
    }

    @Test
    void syscallSettersRoundTripThroughBytes() {
        for (Arch arch : Arch.values()) {
            SyscallView view = view(arch);
            qt().forAll(lists().of(longs().all()).ofSize(6), longs().all(), longs().all(), longs().all())
                    .checkAssert((args, number, result, ip) -> {
                        Registers regs = Registers.zeroed(arch);
                        for (int i = 0; i < 6; i++) {
                            regs.setArg(i, args.get(i));
                        }
                        regs.setSyscallNumber(number);
                        regs.setInstructionPointer(ip);
                        regs.setReturnValue(result);
                        Registers back = Registers.fromBytes(arch, regs.toBytes());
                        assertEquals((long) number, back.syscallNumber(), arch.name());
                        assertEquals((long) number, back.get(view.number()), arch.name());
                        assertEquals((long) result, back.returnValue(), arch.name());
                        assertEquals((long) result, back.get(view.result()), arch.name());
                        assertEquals((long) ip, back.instructionPointer(), arch.name());
                        assertEquals((long) ip, back.get(view.ip()), arch.name());
                        // aarch64 returns in x0, the first argument's register: the later setter wins.
                        long firstArg = view.args().get(0).equals(view.result()) ? result : args.get(0);
                        assertEquals(firstArg, back.arg(0), arch.name());
                        for (int i = 1; i < 6; i++) {
                            assertEquals((long) args.get(i), back.arg(i), arch + " arg " + i);
                            assertEquals((long) args.get(i), back.get(view.args().get(i)), arch + " arg " + i);
                        }
                    });
        }
    }

    @Test
    void eachSyscallSetterChangesOnlyItsRegister() {
        for (Arch arch : Arch.values()) {
            List<String> fields = fields(arch);
            SyscallView view = view(arch);
            qt().forAll(lists().of(longs().all()).ofSize(fields.size()),
                    integers().between(0, SET_INSTRUCTION_POINTER), longs().all())
                    .checkAssert((words, setter, value) -> {
                        Registers regs = Registers.fromBytes(arch, littleEndian(words));
                        String target = switch (setter) {
                            case SET_SYSCALL_NUMBER -> {
                                regs.setSyscallNumber(value);
                                yield view.number();
                            }
                            case SET_RETURN_VALUE -> {
                                regs.setReturnValue(value);
                                yield view.result();
                            }
                            case SET_INSTRUCTION_POINTER -> {
                                regs.setInstructionPointer(value);
                                yield view.ip();
                            }
                            default -> {
                                regs.setArg(setter, value);
                                yield view.args().get(setter);
                            }
                        };
                        byte[] after = regs.toBytes();
                        for (int i = 0; i < fields.size(); i++) {
                            long expected = fields.get(i).equals(target) ? value : words.get(i);
                            assertEquals(expected, wordAt(after, i), arch + " setter " + setter + ", " + fields.get(i));
                        }
                        assertEquals(setter == SET_SYSCALL_NUMBER, regs.syscallNumberChanged(),
                                arch + " setter " + setter);
                    });
        }
    }

    @Test
    void syscallNumberChangedTracksTheNumberRegisterOnly() {
        for (Arch arch : Arch.values()) {
            SyscallView view = view(arch);
            Registers regs = Registers.zeroed(arch);
            assertFalse(regs.syscallNumberChanged());
            for (String field : fields(arch)) {
                if (!field.equals(view.number())) {
                    regs.set(field, 1);
                }
            }
            assertFalse(regs.syscallNumberChanged(), arch + ": only the number register counts");

            regs.setSyscallNumber(-1);
            assertTrue(regs.syscallNumberChanged(), arch.name());
            assertTrue(regs.copy().syscallNumberChanged(), arch + ": a copy keeps the mark");
            assertFalse(Registers.fromBytes(arch, regs.toBytes()).syscallNumberChanged(), arch.name());

            Registers byName = Registers.zeroed(arch);
            byName.set(view.number(), 39);
            assertTrue(byName.syscallNumberChanged(), arch + ": set(\"" + view.number() + "\") changes the number");
            assertEquals(39, byName.syscallNumber(), arch.name());
        }
    }

    @Test
    void nativeCopiesAndCopiesAreIndependent() {
        for (Arch arch : Arch.values()) {
            qt().forAll(lists().of(longs().all()).ofSize(fields(arch).size())).checkAssert(words -> {
                byte[] image = littleEndian(words);
                Registers regs = Registers.fromBytes(arch, image);
                regs.setSyscallNumber(-1);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buffer = arena.allocate(Registers.size(arch), 8);
                    Registers.fromBytes(arch, image).copyTo(buffer);
                    regs.copyFrom(buffer);
                }
                assertArrayEquals(image, regs.toBytes(), arch.name());
                assertFalse(regs.syscallNumberChanged(), arch + ": copyFrom forgets earlier changes");

                Registers copy = regs.copy();
                copy.setInstructionPointer(~regs.instructionPointer());
                assertArrayEquals(image, regs.toBytes(), arch + ": changing a copy leaves the original");
            });
        }
    }

    @Test
    void wrongLengthNamesTheExpectedSize() {
        for (Arch arch : Arch.values()) {
            long size = Registers.size(arch);
            qt().forAll(integers().between(0, 600)).assuming(length -> length != size).checkAssert(length -> {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Registers.fromBytes(arch, new byte[length]));
                assertTrue(e.getMessage().contains(String.valueOf(size)), e.getMessage());
                assertTrue(e.getMessage().contains(String.valueOf(length)), e.getMessage());
            });
        }
    }

    @Test
    void unknownRegisterNamesTheRegister() {
        assertAll(
                () -> assertUnknown(Arch.X86_64, "eax"),
                () -> assertUnknown(Arch.X86_64, "ORIG_RAX"),
                () -> assertUnknown(Arch.X86_64, "x0"),
                () -> assertUnknown(Arch.X86_64, "rflags"),
                () -> assertUnknown(Arch.AARCH64, "rax"),
                () -> assertUnknown(Arch.AARCH64, "x31"),
                () -> assertUnknown(Arch.AARCH64, "orig_x0"),
                () -> assertUnknown(Arch.AARCH64, "fp"));
        for (Arch arch : Arch.values()) {
            qt().forAll(strings().basicLatinAlphabet().ofLengthBetween(1, 10))
                    .assuming(name -> !fields(arch).contains(name))
                    .checkAssert(name -> assertUnknown(arch, name));
        }
    }

    private static void assertUnknown(Arch arch, String name) {
        Registers regs = Registers.zeroed(arch);
        IllegalArgumentException get = assertThrows(IllegalArgumentException.class, () -> regs.get(name));
        assertTrue(get.getMessage().contains(name), get.getMessage());
        IllegalArgumentException set = assertThrows(IllegalArgumentException.class, () -> regs.set(name, 1));
        assertTrue(set.getMessage().contains(name), set.getMessage());
        assertArrayEquals(new byte[(int) Registers.size(arch)], regs.toBytes(), "a failed set writes nothing");
    }

    @Test
    void x86_64OpenatEntry() throws IOException {
        Registers regs = recorded(Arch.X86_64, "x86_64-openat-entry.txt");
        long rip = 0x00007f0c3a9d8f1bL;
        assertAll(
                () -> assertEquals(257, regs.syscallNumber(), "__NR_openat"),
                () -> assertEquals(AT_FDCWD, regs.arg(0)),
                () -> assertEquals(0x00007f0c3a9dfe30L, regs.arg(1)),
                () -> assertEquals(O_RDONLY_CLOEXEC, regs.arg(2)),
                () -> assertEquals(0, regs.arg(3), "mode, in r10"),
                () -> assertEquals(0, regs.arg(4)),
                () -> assertEquals(0x00007f0c3a9c1a80L, regs.arg(5)),
                () -> assertEquals(-ENOSYS, regs.returnValue(), "the kernel's rax at entry"),
                () -> assertEquals(rip, regs.instructionPointer()),
                () -> assertEquals(rip, regs.get("rcx"), "syscall saves the return address in rcx"),
                () -> assertEquals(0x00007ffd8e5c3c58L, regs.stackPointer()),
                () -> assertEquals(0x33, regs.get("cs"), "64-bit user code segment"),
                () -> assertEquals(0x2b, regs.get("ss")),
                () -> assertEquals(0x246, regs.get("eflags")),
                () -> assertEquals(0x246, regs.get("r11"), "syscall saves rflags in r11"),
                () -> assertFalse(regs.syscallNumberChanged()));
    }

    @Test
    void x86_64OpenatExit() throws IOException {
        Registers regs = recorded(Arch.X86_64, "x86_64-openat-exit.txt");
        assertAll(
                () -> assertEquals(257, regs.syscallNumber(), "orig_rax survives the call"),
                () -> assertEquals(3, regs.returnValue(), "the new descriptor"),
                () -> assertEquals(AT_FDCWD, regs.arg(0), "x86_64 keeps the arguments"),
                () -> assertEquals(O_RDONLY_CLOEXEC, regs.arg(2)),
                () -> assertEquals(0x00007f0c3a9d8f1bL, regs.instructionPointer()),
                () -> assertEquals(0x00007ffd8e5c3c58L, regs.stackPointer()));
    }

    @Test
    void aarch64OpenatEntry() throws IOException {
        Registers regs = recorded(Arch.AARCH64, "aarch64-openat-entry.txt");
        assertAll(
                () -> assertEquals(56, regs.syscallNumber(), "__NR_openat in the generic table"),
                () -> assertEquals(AT_FDCWD, regs.arg(0)),
                () -> assertEquals(0x0000ffffc2a1e8f0L, regs.arg(1)),
                () -> assertEquals(O_RDONLY_CLOEXEC, regs.arg(2)),
                () -> assertEquals(0, regs.arg(3)),
                () -> assertEquals(0x0000ffff8c203000L, regs.arg(4)),
                () -> assertEquals(1, regs.arg(5)),
                () -> assertEquals(AT_FDCWD, regs.returnValue(), "x0 still holds the first argument"),
                () -> assertEquals(0x0000ffff8c1f6a2cL, regs.instructionPointer()),
                () -> assertEquals(0x0000ffffc2a1e7d0L, regs.stackPointer()),
                () -> assertEquals(0x80000000L, regs.get("pstate")),
                () -> assertEquals(0, regs.get("x7"), "the kernel's entry marker"),
                () -> assertEquals(0x0000ffff8c1e3f70L, regs.get("x30")),
                () -> assertFalse(regs.syscallNumberChanged()));
    }

    @Test
    void aarch64OpenatExit() throws IOException {
        Registers regs = recorded(Arch.AARCH64, "aarch64-openat-exit.txt");
        assertAll(
                () -> assertEquals(56, regs.syscallNumber()),
                () -> assertEquals(3, regs.returnValue(), "the new descriptor"),
                () -> assertEquals(3, regs.arg(0), "the first argument is gone at exit"),
                () -> assertEquals(0x0000ffffc2a1e8f0L, regs.arg(1)),
                () -> assertEquals(1, regs.get("x7"), "the kernel's exit marker"),
                () -> assertEquals(0x0000ffff8c1f6a2cL, regs.instructionPointer()),
                () -> assertEquals(0x0000ffffc2a1e7d0L, regs.stackPointer()));
    }

    /**
     * Loads a recorded register image: {@code name 0x<16 hex digits>} per line in struct order, {@code #}
     * comments. The names must be the test's own copy of the kernel struct, so the file is checked too.
     */
    private static Registers recorded(Arch arch, String file) throws IOException {
        List<String> names = new ArrayList<>();
        List<Long> words = new ArrayList<>();
        try (InputStream in = RegistersTest.class.getResourceAsStream("/registers/" + file)) {
            assertNotNull(in, "resource registers/" + file);
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split("\\s+");
                assertEquals(2, parts.length, file + ": " + line);
                assertTrue(parts[1].matches("0x[0-9a-f]{16}"), file + ": " + line);
                names.add(parts[0]);
                words.add(Long.parseUnsignedLong(parts[1].substring(2), 16));
            }
        }
        assertEquals(fields(arch), names, file + " lists the struct's fields in order");
        byte[] image = littleEndian(words);
        Registers regs = Registers.fromBytes(arch, image);
        assertArrayEquals(image, regs.toBytes(), file);
        return regs;
    }

    private static byte[] littleEndian(List<Long> words) {
        ByteBuffer buffer = ByteBuffer.allocate(words.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        words.forEach(buffer::putLong);
        return buffer.array();
    }

    private static long wordAt(byte[] image, int index) {
        return ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getLong(index * 8);
    }
}
