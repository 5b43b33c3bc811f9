package dev.panatrace.ptrace.decode;

import java.util.ArrayList;
import java.util.List;

/**
 * A syscall as {@link SyscallDecoder#entry} saw it at its entry: its name, its arguments as they were
 * then (on aarch64 the exit stop no longer has the first one) and the text of the arguments known then.
 * The rest of the text comes from {@link SyscallDecoder#exit}.
 */
public final class DecodedCall {
    private final String name;
    private final long[] args;
    private final List<String> entryArgs;
    private final boolean moreAtExit;

    DecodedCall(String name, long[] args, List<String> entryArgs, boolean moreAtExit) {
        this.name = name;
        this.args = args;
        this.entryArgs = List.copyOf(entryArgs);
        this.moreAtExit = moreAtExit;
    }

    /** {@return the syscall's name} */
    public String name() {
        return name;
    }

    /**
     * {@return argument {@code index} as it was at the entry}
     *
     * @param index 0..5
     */
    public long arg(int index) {
        return args[index];
    }

    /**
     * {@return the arguments known at the entry, as strace prints them after {@code name(}} When more follow
     * at the exit (a buffer the kernel fills, say), it ends with {@code ", "}; it never holds the closing
     * parenthesis.
     */
    public String entryText() {
        String shown = String.join(", ", entryArgs);
        return moreAtExit && !entryArgs.isEmpty() ? shown + ", " : shown;
    }

    /**
     * {@return this call with each entry argument that differs from {@code original}'s followed by a comment
     * naming the original} For a call whose path a handler rewrote:
     * {@code "/tmp/x/kernel/ostype" /* redirected from "/proc/sys/kernel/ostype" *\/}.
     *
     * @param original the same call decoded before the rewrite
     */
    public DecodedCall redirectedFrom(DecodedCall original) {
        if (!original.name.equals(name) || original.entryArgs.size() != entryArgs.size()) {
            return this;
        }
        List<String> shown = new ArrayList<>(entryArgs);
        for (int i = 0; i < shown.size(); i++) {
            String before = original.entryArgs.get(i);
            if (!before.equals(shown.get(i))) {
                shown.set(i, shown.get(i) + " /* redirected from " + before + " */");
            }
        }
        return new DecodedCall(name, args, shown, moreAtExit);
    }

    long[] args() {
        return args;
    }
}
