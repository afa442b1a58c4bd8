package io.nlistream.trainer.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** {@code --device cpu|cuda} and {@code --devices N} for the DJL (PyTorch) engine. */
final class DeviceChoice {
    private DeviceChoice() {}

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
