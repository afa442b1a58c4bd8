package io.nlistream.trainer.checkpoint;

/** A checkpoint directory that cannot be used as given; the message says what is wrong and how to fix it. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
