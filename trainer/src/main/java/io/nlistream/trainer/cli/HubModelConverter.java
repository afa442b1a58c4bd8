package io.nlistream.trainer.cli;

import io.nlistream.trainer.hub.HubClient;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Lets a {@code --model} option take a local directory or a Hugging Face repo id ({@code org/name[@revision]}):
 * {@code @Option(names = "--model", converter = HubModelConverter.class) Path model;}. A Hub id is downloaded into
 * the HF cache (environment: HF_TOKEN, HF_HOME, HF_HUB_CACHE, HF_ENDPOINT, HF_HUB_OFFLINE) and the option receives
 * the snapshot directory; a failure becomes picocli's usage error (exit 2) with the Hub client's message.
 */
public final class HubModelConverter implements ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
        try {
            return HubClient.resolve(value);
        } catch (IOException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
