package io.nlistream.streamer.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.nlistream.schemas.bundle.BundleException;
import io.nlistream.schemas.bundle.BundleManifest;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/** Opens ONNX Runtime sessions for a bundle: picks the execution provider, then the ONNX variant that suits it. */
public final class OrtSessions {
    private static final Logger LOG = Logger.getLogger(OrtSessions.class);

    private OrtSessions() {}

    /** An open session, the provider that really serves it and the variant file it was loaded from. */
    public record Opened(OrtSession session, String provider, BundleManifest.Variant variant) {}

    public static Opened open(Path bundleDir, BundleManifest manifest, SessionSettings settings) {
        SessionOptions options = new SessionOptions();
        try {
            options.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
            if (settings.intraOpThreads() > 0) {
                options.setIntraOpNumThreads(settings.intraOpThreads());
            }
            if (settings.interOpThreads() > 0) {
                options.setInterOpNumThreads(settings.interOpThreads());
            }
            String provider = addProvider(options, settings.provider());
            BundleManifest.Variant variant = variant(manifest, settings.precision(), provider);
            Path file = bundleDir.resolve(variant.file());
            OrtSession session = OrtEnvironment.getEnvironment().createSession(file.toString(), options);
            return new Opened(session, provider, variant);
        } catch (OrtException e) {
            options.close();
            throw new BundleException("ONNX Runtime cannot load the model of bundle " + bundleDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * ONNX Runtime's addCUDA throws when the CUDA provider is not in the jar or finds no GPU; the same options then
     * still work on CPU (checked on ORT 1.22), so auto can fall back without rebuilding them.
     */
    private static String addProvider(SessionOptions options, ExecutionProvider requested) {
        if (requested == ExecutionProvider.CPU) {
            return "cpu";
        }
        try {
            options.addCUDA(0);
            return "cuda";
        } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
            if (requested == ExecutionProvider.CUDA) {
                throw new IllegalStateException("nli.inference.provider=cuda but the CUDA execution provider cannot start ("
                        + e.getMessage() + "); run the GPU build (onnxruntime_gpu, -Pgpu) on a node with CUDA 12 and"
                        + " cuDNN 9, or set nli.inference.provider=auto or cpu", e);
            }
            LOG.warnf("nli.inference.provider=auto: CUDA is not available (%s); serving on CPU", e.getMessage());
            return "cpu";
        }
    }

    private static BundleManifest.Variant variant(BundleManifest manifest, String precision, String provider) {
        String wanted = switch (precision) {
            case "auto" -> provider.equals("cuda") && manifest.variant("fp16").isPresent() ? "fp16" : "fp32";
            default -> precision;
        };
        if (wanted.equals("fp16") && !provider.equals("cuda")) {
            throw new IllegalStateException("nli.inference.precision=fp16 needs the CUDA provider (fp16 is slow or"
                    + " unsupported on CPU); use auto, fp32 or int8");
        }
        return manifest.variant(wanted).orElseThrow(() -> new BundleException("bundle " + manifest.name() + " "
                + manifest.version() + " has no " + wanted + " ONNX variant (it has "
                + manifest.onnx().variants().stream().map(BundleManifest.Variant::precision).toList()
                + "); set nli.inference.precision=auto"));
    }
}
