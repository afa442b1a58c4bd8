package io.nlistream.trainer.hub;

import java.io.IOException;

/** A Hub or cache failure whose message tells the user what to do; {@link #isNetwork()} for unreachable hosts. */
public class HubException extends IOException {
    private final boolean network;

    HubException(String message) {
        this(message, null, false);
    }

    HubException(String message, Throwable cause, boolean network) {
        super(message, cause);
        this.network = network;
    }

    /** True when the Hub could not be reached at all (a cached snapshot may still serve). */
    public boolean isNetwork() {
        return network;
    }
}
