package io.nlistream.deploy.docker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of Dockerfile syntax to check images statically (there is no Docker engine on the build machines):
 * comments, backslash continuations, global ARG defaults and stages.
 */
record Dockerfile(Path path, Map<String, String> globalArgs, List<Stage> stages) {

    record Instruction(String keyword, String arguments) {}

    record Stage(String name, String from, List<Instruction> instructions) {
        List<String> arguments(String keyword) {
            return instructions.stream()
                    .filter(i -> i.keyword().equals(keyword))
                    .map(Instruction::arguments)
                    .toList();
        }

        Optional<String> last(String keyword) {
            List<String> all = arguments(keyword);
            return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
        }
    }

    private static final Pattern FROM = Pattern.compile("(?i)(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+(\\S+))?");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)}|\\$(\\w+)");

    static Dockerfile parse(Path path) {
        List<String> logical = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        try {
            for (String line : Files.readAllLines(path)) {
                String trimmed = line.strip();
                if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                    continue;
                }
                if (trimmed.endsWith("\\")) {
                    current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                } else {
                    current.append(trimmed);
                    logical.add(current.toString().strip());
                    current.setLength(0);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> globalArgs = new LinkedHashMap<>();
        List<Stage> stages = new ArrayList<>();
        for (String line : logical) {
            String[] parts = line.split("\\s+", 2);
            Instruction instruction =
                    new Instruction(parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : "");
            if (instruction.keyword().equals("FROM")) {
                Matcher m = FROM.matcher(instruction.arguments());
                if (!m.matches()) {
                    throw new IllegalArgumentException(path + ": cannot read FROM " + instruction.arguments());
                }
                stages.add(new Stage(m.group(2), substitute(m.group(1), globalArgs), new ArrayList<>()));
            } else if (stages.isEmpty()) {
                if (instruction.keyword().equals("ARG")) {
                    String[] arg = instruction.arguments().split("=", 2);
                    globalArgs.put(arg[0], arg.length > 1 ? arg[1] : "");
                }
            } else {
                stages.get(stages.size() - 1).instructions().add(instruction);
            }
        }
        return new Dockerfile(path, globalArgs, stages);
    }

    static String substitute(String text, Map<String, String> args) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            m.appendReplacement(out, Matcher.quoteReplacement(args.getOrDefault(name, m.group())));
        }
        return m.appendTail(out).toString();
    }

    Stage finalStage() {
        return stages.get(stages.size() - 1);
    }

    Stage stage(String name) {
        return stages.stream()
                .filter(s -> name.equals(s.name()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(path + " has no stage " + name));
    }

    /** ARG defaults declared inside a stage. */
    static Map<String, String> stageArgs(Stage stage) {
        Map<String, String> args = new LinkedHashMap<>();
        for (String arg : stage.arguments("ARG")) {
            String[] parts = arg.split("=", 2);
            args.put(parts[0], parts.length > 1 ? parts[1] : "");
        }
        return args;
    }
}
