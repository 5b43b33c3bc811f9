package dev.panatrace.ptrace.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(10)
class AddressSpaceTest {
    /**
     * A thread that lived before an exec and is reported ended after it frees its slot in the address
     * space it had, not the same index in the new one, where another thread holds it.
     */
    @Test
    void aSlotFreedAfterAnExecIsFreedInItsOwnAddressSpace() {
        AddressSpace beforeExec = new AddressSpace();
        AddressSpace.Slot oldThread = beforeExec.allocate();
        AddressSpace afterExec = new AddressSpace();
        AddressSpace.Slot newThread = afterExec.allocate();
        assertEquals(oldThread.index(), newThread.index());

        oldThread.release();

        assertEquals(newThread.index() + 1, afterExec.allocate().index(), "the new thread's slot is still taken");
        assertEquals(oldThread.index(), beforeExec.allocate().index());
    }

    @Test
    void slotsLieAfterTheStubsAndEachStubHasItsReturnCell() {
        AddressSpace space = new AddressSpace();
        space.base = 0x7f0000000000L;
        AddressSpace.Slot first = space.allocate();
        AddressSpace.Slot second = space.allocate();
        assertEquals(space.base + AddressSpace.CODE_SIZE, first.address());
        assertEquals(first.address() + AddressSpace.SLOT_SIZE, second.address());
        assertEquals(first.stubAddress() + SyscallInstruction.STUB_SIZE, second.stubAddress());
        assertEquals(first.returnCell() + 8, second.returnCell());
        // The return cells end before the first slot's strings.
        AddressSpace.Slot last = null;
        for (int i = 2; i < AddressSpace.SLOTS; i++) {
            last = space.allocate();
        }
        assertEquals(true, last.returnCell() + 8 <= first.address());
        assertEquals(true, last.stubAddress() + SyscallInstruction.STUB_SIZE <= first.returnCell());
    }
}
