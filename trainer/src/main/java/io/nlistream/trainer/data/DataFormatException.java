package io.nlistream.trainer.data;

import java.nio.file.Path;

/** Bad input data: says which file and line, what is wrong and how to fix it. */
public final class DataFormatException extends IllegalArgumentException {
    private final Path file;
    private final long line;

    public DataFormatException(Path file, long line, String message) {
        super(file + ":" + line + ": " + message);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    public long line() {
        return line;
    }
}
