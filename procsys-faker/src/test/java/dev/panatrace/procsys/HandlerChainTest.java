package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a {@link HandlerChain} asks the engine for; its dispatch is traced in FilesystemDisguiseTest. */
@Timeout(10)
class HandlerChainTest {
    private static TraceHandler wanting(SyscallSet set, boolean scratch) {
        return new TraceHandler() {
            @Override
            public SyscallSet syscalls() {
                return set;
            }

            @Override
            public boolean usesScratchMemory() {
                return scratch;
            }
        };
    }

    @Test
    void wantsTheUnionOfNamesAndKeepsTheOneDescriptorRange() {
        HandlerChain chain = HandlerChain.of(
                wanting(SyscallSet.of("openat", "statfs").withFdRange(1000, 1064, "write"), false),
                wanting(SyscallSet.of("openat", "uname"), true));

        SyscallSet wanted = chain.syscalls();

        assertEquals(Set.of("openat", "statfs", "uname"), wanted.names());
        assertEquals(Set.of("write"), wanted.fdRangeNames());
        assertEquals(1000, wanted.fdLow());
        assertEquals(1064, wanted.fdHigh());
        assertTrue(chain.usesScratchMemory());
    }

    @Test
    void allFromOneHandlerMeansAllAndScratchOnlyWhenSomeoneUsesIt() {
        HandlerChain chain = HandlerChain.of(wanting(SyscallSet.of("openat"), false),
                wanting(SyscallSet.all(), false));

        assertTrue(chain.syscalls().isAll());
        assertFalse(chain.usesScratchMemory());
    }

    @Test
    void twoDescriptorRangesOrNoHandlerAreRefused() {
        TraceHandler ranged = wanting(SyscallSet.of().withFdRange(10, 20, "write"), false);

        assertThrows(IllegalArgumentException.class, () -> HandlerChain.of(ranged, ranged));
        assertThrows(IllegalArgumentException.class, HandlerChain::of);
    }
}
