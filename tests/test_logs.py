"""Quiet TensorFlow by default: no native start-up lines, Python loggers at ERROR, a way back."""

import logging
import os
import re
import subprocess
import sys
import textwrap

import pytest

from forecaster import logs
from forecaster.errors import ForecasterError

# What TensorFlow 2.21 prints on a machine without a GPU, plus the older timestamped form.
TF_NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1795978762.213563    6184 port.cc:153] oneDNN custom operations are on. "
    "You may see slightly different numerical results.",
    "I0000 00:00:1795978762.214985    6184 cudart_stub.cc:31] Could not find cuda drivers on "
    "your machine, GPU will not be used.",
    "I0000 00:00:1795978762.277045    6184 cpu_feature_guard.cc:227] This TensorFlow binary is "
    "optimized to use available CPU instructions in performance-critical operations.",
    "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow "
    "with the appropriate compiler flags.",
    "E0000 00:00:1795978765.480081    6184 cuda_platform.cc:52] failed call to cuInit: INTERNAL: "
    "CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)",
    "2025-09-17 14:44:05.157831: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:32] Could not "
    "find cuda drivers on your machine, GPU will not be used.",
    "2025-09-17 14:44:05.176998: E external/local_xla/xla/stream_executor/cuda/cuda_fft.cc:467] "
    "Unable to register cuFFT factory: Attempting to register factory for plugin cuFFT",
]
# Any line that looks like a TensorFlow/absl log line (native or Python logger).
TF_LOG_LINE = re.compile(
    r"^(?:[IWEF]\d{4} |\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] |WARNING:tensorflow|WARNING:absl"
    r"|WARNING: All log messages before absl)|cuInit|oneDNN",
    re.M,
)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", logs.ENV_VAR)}
    env.update(extra)
    return env


def _run(code: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=_clean_env(**extra),
        timeout=300,
        check=False,
    )


def test_the_filter_drops_tensorflow_noise_and_keeps_everything_else(capfd):
    kept = ["a real problem: disk full", "E0000 00:00:1.0   1 op.cc:1] out of memory", "Traceback"]
    with logs._filtered_native_stderr():
        os.write(2, ("\n".join(TF_NOISE[:3] + kept[:1] + TF_NOISE[3:] + kept[1:]) + "\n").encode())
        print("python stderr line", file=sys.stderr)
    lines = capfd.readouterr().err.splitlines()
    assert [line for line in lines if line != "python stderr line"] == kept
    assert "python stderr line" in lines  # Python's own stderr still reaches the user


def test_import_is_light_and_quiet_settings_need_no_tensorflow():
    proc = _run(
        """
        import logging, os, sys
        import forecaster
        from forecaster import logs
        print("tensorflow" in sys.modules, os.environ["TF_CPP_MIN_LOG_LEVEL"],
              logging.getLogger("tensorflow").level, logs._state["finder"] in sys.meta_path)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "2", str(logging.ERROR), "True"]


def test_user_settings_win_over_the_quiet_default():
    code = """
        import logging, os, sys
        import forecaster
        print(os.environ.get("TF_CPP_MIN_LOG_LEVEL"), logging.getLogger("tensorflow").level,
              any(type(f).__name__ == "_QuietTensorFlowImport" for f in sys.meta_path))
        """
    assert _run(code, FORECASTER_TF_LOGS="1").stdout.split() == ["None", "0", "False"]
    assert _run(code, TF_CPP_MIN_LOG_LEVEL="0").stdout.split() == ["0", "0", "False"]
    assert _run(code, TF_CPP_MIN_LOG_LEVEL="3").stdout.split() == ["3", str(logging.ERROR), "True"]


def test_set_log_level_turns_logs_back_on_before_tensorflow_loads():
    proc = _run(
        """
        import logging, os, sys
        import forecaster
        forecaster.set_log_level("info")
        on = (os.environ["TF_CPP_MIN_LOG_LEVEL"], logging.getLogger("tensorflow").level,
              logging.getLogger("absl").level, forecaster.logs._state["finder"] is None)
        forecaster.set_log_level(logging.ERROR)
        off = (os.environ["TF_CPP_MIN_LOG_LEVEL"], logging.getLogger("tensorflow").level,
               forecaster.logs._state["finder"] in sys.meta_path)
        print(*on, *off)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0", "20", "20", "True", "2", "40", "True"]


@pytest.mark.parametrize("bad", ["LOUD", 7, True, None])
def test_set_log_level_rejects_unknown_levels(bad):
    with pytest.raises(ForecasterError, match="unknown log level"):
        logs.set_log_level(bad)


def test_silence_retracing_warnings_drops_only_those():
    logger = logging.getLogger("tensorflow")
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        with logs.silence_retracing_warnings():
            logger.warning("5 out of the last 5 calls to <f> triggered tf.function retracing. ...")
            logger.warning("something else")
        logger.warning("6 out of the last 6 calls to <f> triggered tf.function retracing. ...")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    assert seen[0] == "something else"
    assert len(seen) == 2 and "retracing" in seen[1]  # outside the block it goes through


def test_fresh_process_fits_without_tensorflow_log_lines():
    """The issue's check: import forecaster, fit a tiny model; stderr has no TensorFlow lines."""
    proc = _run(
        """
        import sys
        import numpy as np, pandas as pd
        import forecaster
        assert "tensorflow" not in sys.modules
        df = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=40, freq="D"),
                           "y": np.sin(np.arange(40) / 3.0)})
        fc = forecaster.Forecaster(units=4, epochs=1, horizon=2, input_width=4, verbose=0)
        fc.fit(df, target="y", date_col="date")
        print("forecast rows", len(fc.predict()))
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert "forecast rows 2" in proc.stdout
    assert TF_LOG_LINE.search(proc.stderr) is None, proc.stderr


# A ReLU inside a recurrent loop: TensorFlow 2.21's oneDNN remapper fails on it at run time and
# prints "E0000 ... tfg_optimizer_hook.cc:135] tfg_optimizer{...} failed: ... has an empty op name"
# and "E0000 ... meta_optimizer.cc:967] remapper failed: NOT_FOUND: Op type not registered ''".
RELU_LOOP = """
    import sys
    {first}
    import keras, numpy as np, tensorflow as tf
    model = keras.Sequential([keras.Input((12, 1)), keras.layers.SimpleRNN(4, activation="relu"),
                              keras.layers.Dense(1)])
    x = tf.constant(np.ones((8, 12, 1), np.float32))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(model(x, training=True) ** 2)
        return tape.gradient(loss, model.trainable_variables)

    step()
    print("remapping", tf.config.optimizer.get_experimental_options().get("remapping", True))
    """
GRAPPLER_FAILURE = re.compile(r"^E\d{4} .*(?:tfg_optimizer_hook|remapper failed)", re.M)


def test_no_grappler_errors_at_run_time_unless_asked_for():
    """Quiet: no remapper ERROR lines at run time; FORECASTER_TF_LOGS=1 still shows them."""
    env = _clean_env(CUDA_VISIBLE_DEVICES="")  # the CPU (oneDNN) path, also on a GPU machine
    runs = {
        name: subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(RELU_LOOP.format(first=first))],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**env, **extra},
        )
        for name, first, extra in [
            ("quiet", "import forecaster", {}),
            ("logs on", "import forecaster", {logs.ENV_VAR: "1"}),
        ]
    }
    out = {name: proc.communicate(timeout=300) + (proc.returncode,) for name, proc in runs.items()}
    for name, (_stdout, stderr, code) in out.items():
        assert code == 0, (name, stderr)
    stdout, stderr, _ = out["quiet"]
    assert "remapping False" in stdout
    assert GRAPPLER_FAILURE.search(stderr) is None, stderr
    stdout, stderr, _ = out["logs on"]
    assert "remapping True" in stdout
    # The trigger is real on the CPUs this test was written on (an AMD EPYC with AVX2 later ran the
    # same graph without the error): there, if it stops appearing, TensorFlow fixed the fusion and
    # _skip_failing_fusion can go. Where it never appears the quiet check above had nothing to silence.
    if GRAPPLER_FAILURE.search(stderr) is None:
        pytest.skip("this CPU's TensorFlow build does not hit the failing fusion, so the quiet run proves nothing")


class _FakeTF:
    """Just the tf.config calls _skip_failing_fusion makes."""

    def __init__(self, gpus: list[str]) -> None:
        self.options: dict[str, bool] = {}
        gpu_list = gpus
        options = self.options

        class optimizer:  # noqa: N801  (mirrors tf.config.optimizer)
            set_experimental_options = staticmethod(options.update)

        class config:  # noqa: N801
            @staticmethod
            def list_physical_devices(kind: str | None = None) -> list[str]:
                return gpu_list if kind == "GPU" else ["CPU", *gpu_list]

        config.optimizer = optimizer
        self.config = config


@pytest.mark.parametrize(
    ("gpus", "onednn", "expected"),
    [([], None, {"remapping": False}), (["GPU:0"], None, {}), ([], "0", {})],
)
def test_the_remapper_is_turned_off_only_on_onednn_cpus(monkeypatch, gpus, onednn, expected):
    if onednn is None:
        monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    else:
        monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", onednn)
    tf = _FakeTF(gpus)
    logs._skip_failing_fusion(tf)
    assert tf.options == expected


def test_tensorflow_imported_before_forecaster_gets_the_remapper_setting_too(monkeypatch):
    tf = _FakeTF([])
    monkeypatch.delenv(logs.ENV_VAR, raising=False)
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.setitem(sys.modules, "tensorflow", tf)
    logs.quiet_tensorflow()
    assert tf.options == {"remapping": False}
    monkeypatch.setenv(logs.ENV_VAR, "1")  # asking for the logs leaves TensorFlow as it is
    tf.options.clear()
    logs.quiet_tensorflow()
    assert tf.options == {}
