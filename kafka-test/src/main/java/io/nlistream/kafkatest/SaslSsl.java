package io.nlistream.kafkatest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@link KafkaBroker} parameter resolved by {@link KafkaBrokerExtension}: a SASL_SSL broker (SCRAM-SHA-512 over
 * TLS) instead of the plain one; its clients take {@link KafkaBroker#clientConfig()}.
 */
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
public @interface SaslSsl {}
