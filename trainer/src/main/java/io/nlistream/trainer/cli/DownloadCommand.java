package io.nlistream.trainer.cli;

import io.nlistream.trainer.hub.HubClient;
import io.nlistream.trainer.hub.HubException;
import io.nlistream.trainer.hub.HubOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code download}: fill the Hugging Face cache with a model and print its local directory. */
@Command(
        name = "download",
        mixinStandardHelpOptions = true,
        description = {
            "Download a model from the Hugging Face Hub (config.json, weights, tokenizer files) into the"
                    + " Hugging Face cache and print the local snapshot directory. Files already cached are reused.",
            "Environment: HF_TOKEN (private/gated repos), HF_HOME / HF_HUB_CACHE (cache location), HF_ENDPOINT"
                    + " (mirror), HF_HUB_OFFLINE=1 (cache only).",
            "Exit codes: 0 ok, 1 the Hub could not be reached, 2 bad input (unknown repo or revision, no access,"
                    + " not cached while offline)."
        })
public final class DownloadCommand implements Callable<Integer> {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "ID",
            description = "Hub repo id, e.g. almanach/camemberta-base (optionally ID@REVISION), or a local directory")
    String model;

    @Option(names = "--revision", paramLabel = "REV", description = "branch, tag or commit (default: main)")
    String revision;

    @Option(names = "--offline", description = "use the cache only, as HF_HUB_OFFLINE=1 does")
    boolean offline;

    @Option(
            names = "--cache-dir",
            paramLabel = "DIR",
            description = "hub cache directory (default: HF_HUB_CACHE,"
                    + " else $HF_HOME/hub, else ~/.cache/huggingface/hub)")
    Path cacheDir;

    @Option(
            names = "--endpoint",
            paramLabel = "URL",
            description = "Hub URL (default: HF_ENDPOINT, else" + " https://huggingface.co)")
    URI endpoint;

    @Option(names = "--quiet", description = "no progress bars")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        HubOptions env = HubOptions.fromEnvironment();
        HubOptions options = new HubOptions(
                endpoint != null ? endpoint : env.endpoint(),
                cacheDir != null ? cacheDir : env.cacheDir(),
                env.token(),
                revision != null ? revision : env.revision(),
                offline || env.offline(),
                env.progress() && !quiet);
        try {
            spec.commandLine().getOut().println(HubClient.resolve(model, options));
            return 0;
        } catch (IOException e) {
            spec.commandLine().getErr().println("download: " + e.getMessage());
            return e instanceof HubException hub && !hub.isNetwork() ? 2 : 1;
        }
    }
}
