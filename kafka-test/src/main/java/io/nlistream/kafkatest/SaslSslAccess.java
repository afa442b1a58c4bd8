package io.nlistream.kafkatest;

import java.nio.file.Path;

/**
 * What a platform team hands a client of a SASL_SSL broker: the SCRAM user and the truststore holding the broker's
 * certificate. Tests that configure an app the way its deployment does (a Secret, a mounted truststore) start here.
 */
public record SaslSslAccess(
        String mechanism,
        String username,
        String password,
        Path truststore,
        String truststoreType,
        String truststorePassword) {
    static final String SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule";

    /** The client's {@code sasl.jaas.config} for this user. */
    public String jaasConfig() {
        return SCRAM_LOGIN + " required username=\"" + username + "\" password=\"" + password + "\";";
    }
}
