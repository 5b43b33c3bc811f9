/**
 * Path rewriting: show a traced program host files at other paths. A {@link dev.panatrace.ptrace.paths.PathMap}
 * (usually a {@link dev.panatrace.ptrace.paths.BindMap}) says which guest path is which host path, and a
 * {@link dev.panatrace.ptrace.paths.PathRedirector} rewrites the path arguments of every path-taking
 * syscall accordingly. It writes the new path into engine-owned scratch memory of the tracee, never
 * below its stack pointer, so it is safe for static Go binaries too.
 *
 * <pre>{@code
 * BindMap binds = BindMap.builder().bind(Path.of("/srv/fake-etc"), Path.of("/etc")).build();
 * try (TraceSession trace = Tracer.builder()
 *         .handler(new PathRedirector(binds, rewrite -> {}))
 *         .spawn(List.of("cat", "/etc/hostname"))) {     // prints /srv/fake-etc/hostname
 *     trace.waitFor();
 * }
 * }</pre>
 */
package dev.panatrace.ptrace.paths;
