/**
 * JDK Flight Recorder events of the trace engine, all in category "panatrace" and disabled by default:
 * {@code dev.panatrace.Syscall} (a handler hook ran; its duration), {@code dev.panatrace.Rewrite},
 * {@code dev.panatrace.TraceeSpawn}, {@code dev.panatrace.TraceeExit} and {@code dev.panatrace.TraceError}.
 * Enable them in a recording, e.g. {@code Recording.enable("dev.panatrace.Syscall")}, or in a
 * {@code .jfc} settings file given to {@code -XX:StartFlightRecording}.
 *
 * <p>The engine reaches them only through {@link dev.panatrace.ptrace.internal.jfr.TraceEvents}, which
 * loads no event class until Flight Recorder runs and then checks each event type before it creates an
 * event, so a trace that nobody records allocates nothing for them. The package needs no export:
 * Flight Recorder registers event classes of a named module that requires {@code jdk.jfr}.
 */
package dev.panatrace.ptrace.internal.jfr;
