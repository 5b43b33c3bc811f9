/**
 * A virtual {@code /proc/sys} for traced programs: a {@link dev.panatrace.procsys.SysctlTree} of keys
 * with values, modes and validators (from code or from profiles in sysctl.conf syntax), served by a
 * {@link dev.panatrace.procsys.ProcSysServer}, a {@link dev.panatrace.ptrace.TraceHandler}.
 *
 * <pre>{@code
 * SysctlTree tree = SysctlTree.builder()
 *         .key("net.core.somaxconn", "4096", Mode.READ_WRITE, Validator.integerRange(0, 65535))
 *         .build();
 * try (ProcSysServer server = ProcSysServer.builder(tree).build();
 *      TraceSession trace = Tracer.builder().handler(server)
 *              .spawn(List.of("cat", "/proc/sys/net/core/somaxconn"))) {   // prints 4096
 *     trace.waitFor();
 * }
 * }</pre>
 *
 * <p>Writes by the traced program change the tree, never the host's {@code /proc/sys}.
 */
package dev.panatrace.procsys;
