package io.nlistream.kafkatest;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5: {@code @ExtendWith(KafkaBrokerExtension.class)} gives test methods and constructors a {@link KafkaBroker}
 * parameter. One broker of each kind serves the whole test run (started on first use, stopped when JUnit closes its
 * root store): the plain one, or with {@link SaslSsl} on the parameter a SASL_SSL one. They are shared, so they
 * cannot be stopped: a test that needs an outage starts its own with {@code KafkaBrokers.start(spec.restartable())}.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        broker(context, BrokerSpec.plaintext());
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return broker(context, parameter.isAnnotated(SaslSsl.class) ? BrokerSpec.saslSsl() : BrokerSpec.plaintext());
    }

    private static KafkaBroker broker(ExtensionContext context, BrokerSpec spec) {
        return context.getRoot()
                .getStore(NS)
                .getOrComputeIfAbsent(spec, k -> new Holder(KafkaBrokers.start(spec)), Holder.class)
                .broker;
    }

    /** Lets JUnit close the broker at the end of the run. */
    private record Holder(KafkaBroker broker) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            broker.close();
        }
    }
}
