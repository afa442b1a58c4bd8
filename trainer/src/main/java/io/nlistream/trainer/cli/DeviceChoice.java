package io.nlistream.trainer.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.nlistream.trainer.engine.CpuFeatures;
import io.nlistream.trainer.engine.Float32Matmul;
import io.nlistream.trainer.model.Precision;
import java.io.PrintStream;

/** {@code --device cpu|cuda}, {@code --devices N} and {@code --precision} for the DJL (PyTorch) engine. */
final class DeviceChoice {
    private DeviceChoice() {}

    /**
     * {@code --precision}: {@code null} picks the default (fp16 on CUDA, as the seed's {@code
     * fp16=torch.cuda.is_available()}; fp32 on CPU). Refuses bf16 (see {@link Precision}) and half precision with full
     * fine-tuning, saying what to use; warns that fp16 on a CPU is slow.
     *
     * @param fullFineTuning {@code --trainable all}: nothing is frozen, so there is no base to cast
     * @param warn where the warning about fp16 on a CPU goes
     */
    static Precision precision(String requested, Device device, boolean fullFineTuning, PrintStream warn) {
        Precision p =
                requested == null ? (device.isGpu() ? Precision.FP16 : Precision.FP32) : Precision.parse(requested);
        if (p.castsBase() && fullFineTuning) {
            throw new IllegalArgumentException("--precision " + p.cliName() + " casts the frozen base weights to half,"
                    + " and --trainable all freezes nothing (fp32 master weights cast per op need autocast, which DJL"
                    + " lacks): use --precision fp32 with --trainable all, or train lora/classifier in fp16");
        }
        if (p == Precision.FP16 && !device.isGpu()) {
            warn.println("warning: --precision fp16 on a CPU is for tests: CPUs run float16 products slowly;"
                    + " use fp32 there");
        }
        return p;
    }

    /**
     * The kernels of the float32 products for a run at {@code precision} on {@code device} ({@link Float32Matmul}),
     * with {@code -Dnli.cpu.matmul} as the override; refuses what cannot run (bf16 on a GPU or without AVX-512).
     */
    static Float32Matmul.Choice matmul(Precision precision, Device device) {
        return Float32Matmul.choose(
                precision, device.isGpu(), CpuFeatures.detect(), System.getProperty(Float32Matmul.PROPERTY));
    }

    static Device resolve(String device, int devices) {
        if (devices != 1) {
            throw new IllegalArgumentException(
                    "--devices " + devices + ": data-parallel training on several GPUs is not"
                            + " supported (DJL's PyTorch engine has no clean multi-GPU training path); use --devices "
                            + "1");
        }
        switch (device.toLowerCase(java.util.Locale.ROOT)) {
            case "cpu":
                return Device.cpu();
            case "cuda":
            case "gpu":
                int gpus = Engine.getInstance().getGpuCount();
                if (gpus < 1) {
                    throw new IllegalArgumentException(
                            "--device cuda: the PyTorch engine sees no CUDA GPU (getGpuCount()"
                                    + " = 0). Build the GPU flavour (./mvnw -Pgpu -pl trainer -am package: PyTorch "
                                    + "2.5.1 +"
                                    + " CUDA 12.4) and run on a machine with an NVIDIA driver, or use --device cpu");
                }
                return Device.gpu(0);
            default:
                throw new IllegalArgumentException("--device " + device + ": expected cpu or cuda");
        }
    }
}
