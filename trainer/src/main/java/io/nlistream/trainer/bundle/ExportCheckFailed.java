package io.nlistream.trainer.bundle;

/** The exported model does not reproduce its reference within tolerance: no bundle was written. */
public final class ExportCheckFailed extends RuntimeException {
    public ExportCheckFailed(String message) {
        super(message);
    }
}
