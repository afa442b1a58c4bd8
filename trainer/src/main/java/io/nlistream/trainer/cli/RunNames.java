package io.nlistream.trainer.cli;

import java.nio.file.Path;

/** A readable default run name for a model directory. */
final class RunNames {
    private RunNames() {}

    /** The directory's name; for a Hub snapshot ({@code models--org--name/snapshots/<sha>}) the repo's name. */
    static String of(Path model) {
        Path dir = model.toAbsolutePath().normalize();
        Path parent = dir.getParent();
        if (parent != null
                && parent.getFileName() != null
                && parent.getFileName().toString().equals("snapshots")
                && parent.getParent() != null) {
            String repo = parent.getParent().getFileName().toString();
            return repo.substring(repo.lastIndexOf("--") + 2);
        }
        return dir.getFileName().toString();
    }
}
