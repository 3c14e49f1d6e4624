"""Check that training really uses the GPU: placement, fused cuDNN kernels, mixed precision.

Prints one JSON object to stdout and exits 0. Where no GPU is visible it prints
``{"skipped": true, "reason": ...}`` (and a one-line note on stderr).

    .venv/bin/python benchmarks/gpu_check.py [--mixed-precision] [--steps 50]

What it measures, on the first GPU:

* placement: the model's weights and a forward pass's output live on ``GPU:0``;
* cuDNN: step time of a default ``LSTM`` / ``GRU`` (eligible for the fused cuDNN
  kernel) against the same layer with ``recurrent_dropout=0.1`` (not eligible,
  runs the generic per-step loop); the fused one should be several times faster;
* ``--mixed-precision``: step time of the default LSTM under
  ``mixed_float16`` against float32, and whether the loss stays finite.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

BATCH, WIDTH, FEATURES, UNITS, HORIZON = 256, 48, 4, 128, 12


def _data() -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH * 8, WIDTH, FEATURES)).astype("float32")
    y = rng.normal(size=(BATCH * 8, HORIZON)).astype("float32")
    return x, y


def _model(cell: str, **layer_kwargs: Any) -> Any:
    import keras

    layer = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
    model = keras.Sequential(
        [
            keras.Input((WIDTH, FEATURES)),
            layer(UNITS, return_sequences=True, **layer_kwargs),
            layer(UNITS, **layer_kwargs),
            # Keep the output in float32 under mixed precision (numerically safer loss).
            keras.layers.Dense(HORIZON, dtype="float32"),
        ]
    )
    # XLA off: the fused cuDNN path is what is being checked.
    model.compile("adam", "mse", jit_compile=False)
    return model


def _step_time(model: Any, x: Any, y: Any, steps: int) -> tuple[float, list[float]]:
    """Seconds per training step (after a warm-up epoch) and the per-epoch losses."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH).repeat().prefetch(4)
    model.fit(ds, steps_per_epoch=3, epochs=1, verbose=0)
    start = time.perf_counter()
    history = model.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0)
    elapsed = time.perf_counter() - start
    losses = [float(v) for v in history.history["loss"]]
    return elapsed / steps, losses


def _placement(model: Any, x: Any) -> dict[str, Any]:
    weight_devices = sorted({str(getattr(w.value, "device", "")) for w in model.weights})
    out = model(x[:BATCH], training=False)
    return {"weights_on": weight_devices, "output_on": str(out.device)}


def run(steps: int, mixed_precision: bool) -> dict[str, Any]:
    """Run the checks on a visible GPU; return the report (``skipped`` without one)."""
    import keras
    import numpy as np
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return {
            "skipped": True,
            "reason": "no GPU visible to TensorFlow (tf.config.list_physical_devices('GPU') is empty)",
            "tensorflow": tf.__version__,
            "built_with_cuda": tf.test.is_built_with_cuda(),
        }
    details = tf.config.experimental.get_device_details(gpus[0])
    x, y = _data()
    report: dict[str, Any] = {
        "skipped": False,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "gpu": details.get("device_name", gpus[0].name),
        "compute_capability": details.get("compute_capability"),
    }
    with tf.device("/GPU:0"):
        keras.utils.set_random_seed(0)
        fused = _model("lstm")
        report["placement"] = _placement(fused, x)
        report["placement"]["on_gpu"] = "GPU:0" in report["placement"]["output_on"] and all(
            "GPU:0" in d for d in report["placement"]["weights_on"]
        )
        cudnn: dict[str, Any] = {}
        for cell in ("lstm", "gru"):
            keras.utils.set_random_seed(0)
            fast, _ = _step_time(_model(cell), x, y, steps)
            keras.utils.set_random_seed(0)
            slow, _ = _step_time(_model(cell, recurrent_dropout=0.1), x, y, steps)
            cudnn[cell] = {
                "default_step_ms": round(1e3 * fast, 2),
                "recurrent_dropout_step_ms": round(1e3 * slow, 2),
                "speedup": round(slow / fast, 2),
                "fused_kernel_likely": slow / fast > 1.5,
            }
        report["cudnn"] = cudnn
        if mixed_precision:
            keras.utils.set_random_seed(0)
            fp32, _ = _step_time(_model("lstm"), x, y, steps)
            keras.mixed_precision.set_global_policy("mixed_float16")
            try:
                keras.utils.set_random_seed(0)
                model16 = _model("lstm")
                fp16, losses = _step_time(model16, x, y, steps)
            finally:
                keras.mixed_precision.set_global_policy("float32")
            report["mixed_precision"] = {
                "float32_step_ms": round(1e3 * fp32, 2),
                "mixed_float16_step_ms": round(1e3 * fp16, 2),
                "speedup": round(fp32 / fp16, 2),
                "loss": losses[-1],
                "loss_finite": bool(np.isfinite(losses).all()),
                "compute_dtype": model16.layers[0].compute_dtype,
            }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50, help="timed training steps per model")
    parser.add_argument(
        "--mixed-precision", action="store_true", help="also compare mixed_float16 with float32"
    )
    args = parser.parse_args(argv)
    report = run(args.steps, args.mixed_precision)
    if report["skipped"]:
        print(f"gpu_check: skipped: {report['reason']}", file=sys.stderr)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
