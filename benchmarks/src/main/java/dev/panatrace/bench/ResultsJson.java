package dev.panatrace.bench;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Writes {@link Results} as {@code benchmarks/results/latest.json}, and reads it back:
 * <pre>{@code
 * {"commit": "...", "machine": "...", "workloads": [{"name": "W1", "description": "...", "runs":
 *   {"native": {"median_s": 0.05, "min_s": ..., "max_s": ..., "cpu_s": ..., "n": 5, "lower_bound": false}, ...}}]}
 * }</pre>
 * Results of runs inside a sandbox ({@code gvisor.json}) have an {@code "environment"} after {@code "machine"}
 * saying which.
 */
public final class ResultsJson {
    private ResultsJson() {}

    /** The JSON text, indented, with a final newline. */
    public static String write(Results results) {
        StringBuilder out = new StringBuilder();
        out.append("{\n  \"commit\": ").append(string(results.commit()))
                .append(",\n  \"machine\": ").append(string(results.machine()));
        results.environment().ifPresent(e -> out.append(",\n  \"environment\": ").append(string(e)));
        out.append(",\n  \"workloads\": [");
        // The workloads W1..Wn only: the launcher's start-up line, JVM start included, is the Markdown
        // report's, and latest.json keeps the shape tools read.
        Iterator<Results.WorkloadResult> workloads = results.workloads().stream()
                .filter(Results.WorkloadResult::isWorkload).iterator();
        while (workloads.hasNext()) {
            Results.WorkloadResult workload = workloads.next();
            out.append("\n    {\"name\": ").append(string(workload.name()))
                    .append(", \"description\": ").append(string(workload.description()))
                    .append(", \"runs\": {");
            Iterator<Map.Entry<String, RunSummary>> runs = workload.runs().entrySet().iterator();
            while (runs.hasNext()) {
                Map.Entry<String, RunSummary> run = runs.next();
                out.append("\n      ").append(string(run.getKey())).append(": ");
                summary(out, run.getValue());
                out.append(runs.hasNext() ? "," : "");
            }
            out.append("}}").append(workloads.hasNext() ? "," : "");
        }
        return out.append("\n  ]\n}\n").toString();
    }

    /** Appends one tool's runs as a JSON object: median, min, max, CPU seconds, count, whether a lower bound. */
    static void summary(StringBuilder out, RunSummary s) {
        out.append("{\"median_s\": ").append(seconds(s.medianSeconds()))
                .append(", \"min_s\": ").append(seconds(s.minSeconds()))
                .append(", \"max_s\": ").append(seconds(s.maxSeconds()))
                .append(", \"cpu_s\": ").append(seconds(s.cpuSeconds()))
                .append(", \"n\": ").append(s.n())
                .append(", \"lower_bound\": ").append(s.lowerBound())
                .append('}');
    }

    /**
     * The results in a text that {@link #write} wrote.
     *
     * @throws IllegalArgumentException if it is not JSON of that shape, saying what is wrong
     */
    public static Results read(String json) {
        Map<?, ?> root = field("the document", MiniJson.parse(json), Map.class);
        List<Results.WorkloadResult> workloads = new ArrayList<>();
        List<?> elements = field("workloads", root.get("workloads"), List.class);
        for (Object element : elements) {
            Map<?, ?> workload = field("a workload", element, Map.class);
            String name = field("name", workload.get("name"), String.class);
            Map<String, RunSummary> runs = new LinkedHashMap<>();
            Map<?, ?> byTool = field(name + " runs", workload.get("runs"), Map.class);
            byTool.forEach((tool, value) -> {
                Map<?, ?> run = field(name + " " + tool, value, Map.class);
                runs.put((String) tool, new RunSummary(number(run, "median_s"), number(run, "min_s"),
                        number(run, "max_s"), number(run, "cpu_s"), (int) number(run, "n"),
                        field("lower_bound", run.get("lower_bound"), Boolean.class)));
            });
            workloads.add(new Results.WorkloadResult(name, field("description", workload.get("description"),
                    String.class), runs));
        }
        Optional<String> environment = root.containsKey("environment")
                ? Optional.of(field("environment", root.get("environment"), String.class)) : Optional.empty();
        return new Results(field("commit", root.get("commit"), String.class),
                field("machine", root.get("machine"), String.class), environment, List.copyOf(workloads));
    }

    private static double number(Map<?, ?> run, String key) {
        return field(key, run.get(key), Double.class);
    }

    private static <T> T field(String what, Object value, Class<T> type) {
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException("results JSON: " + what + " is " + value + ", not a "
                    + type.getSimpleName());
        }
        return type.cast(value);
    }

    /** Seconds to the microsecond, which is finer than any timing here is repeatable. */
    static String seconds(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("not a finite number of seconds: " + value);
        }
        return String.format(Locale.ROOT, "%.6f", value);
    }

    /** A JSON string literal (RFC 8259): quote, backslash and control characters escaped. */
    static String string(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
