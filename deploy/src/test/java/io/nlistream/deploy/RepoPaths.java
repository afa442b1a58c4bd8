package io.nlistream.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates files of the checkout; surefire passes the repository root as {@code nli.repo.root}. */
public final class RepoPaths {
    private RepoPaths() {}

    public static Path root() {
        String configured = System.getProperty("nli.repo.root");
        Path root = configured != null ? Path.of(configured) : Path.of("..");
        root = root.toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("pom.xml")) || !Files.isDirectory(root.resolve("helm"))) {
            throw new IllegalStateException("Not the nli-stream checkout root: " + root
                    + " (run the tests through Maven, or pass -Dnli.repo.root=<checkout>)");
        }
        return root;
    }

    public static Path resolve(String relative) {
        return root().resolve(relative);
    }
}
