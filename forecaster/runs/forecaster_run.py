"""The run directory of a Forecaster: :func:`save_forecaster`, its forecaster.json, :func:`load_forecaster`."""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any

from forecaster.errors import ForecasterError
from forecaster.runs.atomic import atomic_directory
from forecaster.runs.jsonio import _finite, _first_line, read_json, versions, write_json
from forecaster.runs.reading import load_keras_model, run_directory
from forecaster.runs.schema import FORMAT_VERSION, _check_model_shapes, check_forecaster_meta

__all__ = ["forecaster_metadata", "load_forecaster", "save_forecaster"]


def save_forecaster(fc: Any, path: str | os.PathLike, overwrite: bool = False, plots: bool = True) -> None:
    """Write a fitted Forecaster's run directory atomically (see ``Forecaster.save``)."""
    with atomic_directory(path, overwrite) as tmp:
        fc.model_.save(os.path.join(tmp, "model.keras"))
        fc.export(os.path.join(tmp, "export"))  # a panel too: serve(window, series_id)
        write_json(os.path.join(tmp, "forecaster.json"), forecaster_metadata(fc))
        if hasattr(fc, "metrics_"):
            write_json(os.path.join(tmp, "metrics.json"), fc.metrics_)
        fc.history_.to_csv(os.path.join(tmp, "history.csv"), index=False)
        fc.predict().to_csv(os.path.join(tmp, "forecast.csv"), index=False)
        if plots and hasattr(fc, "data_"):
            folder = os.path.join(tmp, "plots")
            os.makedirs(folder, exist_ok=True)
            for name, figure in (
                ("forecast", fc.plot_forecast()),
                ("history", fc.plot_history()),
                ("horizon_error", fc.plot_horizon_error()),
                ("future", fc.plot_future()),
                *((("panel", fc.plot_panel()),) if fc.id_col_ is not None else ()),
            ):
                figure.savefig(os.path.join(folder, f"{name}.png"), dpi=110)


def forecaster_metadata(fc: Any) -> dict[str, Any]:
    """The contents of forecaster.json: what a downstream script needs to use the export."""
    series = fc._tail_series()
    tail = []
    for sid, start, stop in series.segments():
        begin = max(start, stop - fc.input_width_)
        tail.append(
            {
                "id": _finite(sid),
                "values": series.values[begin:stop].tolist(),
                "dates": None if series.dates is None else [str(d) for d in series.dates[begin:stop]],
                "n_rows": int(stop - start),
            }
        )
    n_targets = len(fc.targets_)
    outputs = {
        "point": "float32[batch, horizon, n_targets]",
        "quantile": "mean: float32[batch, horizon, n_targets], quantiles: float32[batch, horizon, n_targets, n_quantiles]",
        "gaussian": "mean, std: float32[batch, horizon, n_targets]",
    }[fc.head]
    return {
        "format_version": FORMAT_VERSION,
        "kind": "forecaster",
        "config": fc.get_config(),
        "columns": list(fc.columns_),
        "targets": list(fc.targets_),
        "date_col": fc.date_col_,
        "id_col": fc.id_col_,
        "freq": fc.freq_,
        "season": fc.season_,
        "seasons": list(getattr(fc, "seasons_", ())),
        "seasonal_period": getattr(fc, "seasonal_period_", None),
        "encoder_width": getattr(fc, "encoder_width_", None),
        "skip_season": getattr(fc, "skip_season_", fc.season_),
        "mase_scales": getattr(fc, "mase_scales_", None),
        "intervals": getattr(fc, "intervals_", None),
        "choice": getattr(fc, "choice_", None),
        "input_width": fc.input_width_,
        "horizon": fc.horizon,
        "n_features": len(fc.columns_),
        "n_targets": n_targets,
        "skip": fc.skip_,
        "last_date": fc.last_date_,
        "holidays": None if getattr(fc, "holidays_", None) is None else fc.holidays_.to_dict(),
        "signature": _signature(fc, outputs),
        "statics": None if getattr(fc, "statics_", None) is None else {
            **fc.statics_.to_dict(),
            "rows": {k: [float(x) for x in v] for k, v in fc.static_rows_.items()},
        },
        "scalers": [
            {"id": _finite(sid), **sc.to_dict()} for sid, sc in zip(fc.series_ids_, fc.scalers_, strict=True)
        ],
        "tail": tail,
        "training": {"epochs_run": fc.n_epochs_, "best_val_loss": fc.best_val_loss_,
                     "refit": getattr(fc, "refit_", None)},
        "data_hash": fc.data_hash_,
        "versions": versions(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def _signature(fc: Any, outputs: str) -> dict[str, Any]:
    """How to call the export: ``serve(window)``, or for a panel ``serve(window, series_id)`` and ``serve_with_stats``."""
    window = f"float32[batch, {fc.input_width_}, {len(fc.columns_)}] raw units, columns in order"
    if fc.id_col_ is None:
        return {"name": "serve", "input": window, "output": outputs}
    statics = getattr(fc, "statics_", None)
    n_static = 0 if statics is None else statics.n_features
    stats_inputs = {
        "window": window,
        "center": f"float32[batch, {len(fc.columns_)}] the series' scaler centre per column",
        "scale": f"float32[batch, {len(fc.columns_)}] the series' scaler scale per column (> 0)",
    }
    if n_static:
        stats_inputs["static"] = f"float32[batch, {n_static}] the encoded static row (statics.feature_names)"
    inputs = {"window": window, "series_id": "string[batch] the series id as text (an id seen at fit)"}
    period = getattr(fc, "seasonal_period_", None)
    if period is not None:  # a seasonally adjusted panel (forecaster.data.seasonal_adjustment)
        stats_inputs["seasonal"] = (
            f"float32[batch, {period}, {len(fc.targets_)}] the series' seasonal indices by phase "
            "(ones: not adjusted; forecaster.data.panel.context_scaler(...).seasonal.indices)"
        )
        inputs["phase"] = stats_inputs["phase"] = (
            f"int32[batch] the seasonal phase of the first forecast row: whole steps of {fc.freq_} from 1970 to "
            f"its date, modulo {period} (forecaster.data.seasonal_adjustment.phases; monthly: the month, 0 = January); "
            "serve may leave it out for a window that is its series' last fit rows (not serve_with_stats)"
        )
    return {
        "name": "serve",
        "inputs": inputs,
        "input": window,
        "output": outputs,
        "serve_with_stats": {
            "inputs": stats_inputs,
            "output": outputs,
            "use": "a series not seen at fit, scaled from its own recent rows (forecaster.data.panel.context_scaler)",
        },
    }


def load_forecaster(path: str | os.PathLike, model: bool = True) -> Any:
    """Load a Forecaster saved with ``Forecaster.save`` (JSON + .keras, safe mode).

    ``model=False`` skips model.keras (``model_`` is None): for callers that serve through ``export/``.

    The loaded object predicts from the tail of its fit data kept in
    forecaster.json (``predict()``), or from new data (``predict(df)``).
    Everything read is validated first (see :func:`check_forecaster_meta`).

    Raises:
        ForecasterError: if ``path`` is not a forecaster run directory, was
            written by an incompatible format version, or any file in it is
            damaged or untrusted (the message names the file).
    """
    import pandas as pd

    from forecaster.data.scaling import Scaler
    from forecaster.forecaster import Forecaster

    directory = run_directory(path)
    meta_path = os.path.join(directory, "forecaster.json")
    model_path = os.path.join(directory, "model.keras")
    if not os.path.isfile(meta_path) or not os.path.isfile(model_path):
        raise ForecasterError(
            f"'{directory}' is not a forecaster run directory (no forecaster.json and model.keras)."
        )
    meta = read_json(meta_path)
    check_forecaster_meta(meta, meta_path)
    fc = Forecaster.from_config(meta["config"])
    fc.model_ = None
    if model:
        fc.model_ = load_keras_model(model_path)
        _check_model_shapes(fc.model_, meta, model_path)
    fc.columns_ = tuple(meta["columns"])
    fc.targets_ = tuple(meta["targets"])
    fc.date_col_ = meta["date_col"]
    fc.id_col_ = meta["id_col"]
    fc.freq_ = meta["freq"]
    fc.season_ = int(meta["season"])
    # runs written before several seasons: the one season, whole-window encoder, MASE from the data
    fc.seasons_ = tuple(meta.get("seasons", (fc.season_,) if fc.season_ > 1 else ()))
    fc.seasonal_period_ = meta.get("seasonal_period")  # runs written before the seasonal adjustment: None
    fc.encoder_width_ = meta.get("encoder_width")
    fc.skip_season_ = int(meta.get("skip_season", fc.season_))
    fc.mase_scales_ = meta.get("mase_scales")
    fc.intervals_ = meta.get("intervals")
    fc.choice_ = meta.get("choice")
    fc.input_width_ = int(meta["input_width"])
    fc.skip_ = meta["skip"]
    fc.last_date_ = meta["last_date"]
    fc.holidays_ = _holidays_from_meta(meta.get("holidays"), meta_path)
    fc.series_ids_ = [s["id"] for s in meta["scalers"]]
    fc.scalers_ = [Scaler.from_dict(s) for s in meta["scalers"]]
    fc.statics_, fc.static_rows_ = None, {}
    if meta.get("statics") is not None:
        import numpy as np

        from forecaster.data.statics import StaticEncoder

        state = dict(meta["statics"])
        fc.static_rows_ = {k: np.asarray(v, np.float32) for k, v in state.pop("rows").items()}
        fc.statics_ = StaticEncoder.from_dict(state)
    fc.data_hash_ = meta["data_hash"]
    fc.n_epochs_ = meta["training"]["epochs_run"]
    fc.best_val_loss_ = meta["training"]["best_val_loss"]
    fc.refit_ = meta["training"].get("refit")
    history = os.path.join(directory, "history.csv")
    fc.history_ = _read_history(history) if os.path.exists(history) else pd.DataFrame()
    metrics = os.path.join(directory, "metrics.json")
    if os.path.exists(metrics):
        fc.metrics_ = read_json(metrics)
    fc.tail_ = _tail_from_meta(meta)
    fc._predict_fn = None
    return fc


def _holidays_from_meta(entry: Any, meta_path: str) -> Any:
    """The run's holiday calendar (``None``: plain weekdays, or a run written before holidays)."""
    if entry is None:
        return None
    from forecaster.data.holidays import HolidayCalendar

    try:
        return HolidayCalendar.from_dict(entry)
    except ForecasterError:
        raise
    except (TypeError, KeyError, ValueError, AttributeError):
        raise ForecasterError(f"'{meta_path}' has an invalid `holidays` entry; the run directory is damaged.") from None


def _read_history(path: str) -> Any:
    import pandas as pd

    try:
        history = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ForecasterError(f"could not read '{path}' ({_first_line(exc)}); the run directory is damaged.") from None
    return history


def _tail_from_meta(meta: dict[str, Any]) -> Any:
    import numpy as np
    import pandas as pd

    from forecaster.data.io import SeriesData

    values, dates, ids = [], [], []
    for entry in meta["tail"]:
        rows = np.asarray(entry["values"], np.float32).reshape(-1, len(meta["columns"]))
        values.append(rows)
        if entry["dates"] is not None:
            dates.extend(entry["dates"])
        ids.extend([entry["id"]] * len(rows))
    return SeriesData(
        values=np.concatenate(values),
        columns=tuple(meta["columns"]),
        targets=tuple(meta["targets"]),
        dates=pd.DatetimeIndex(dates) if dates else None,
        freq=meta["freq"],
        date_col=meta["date_col"],
        ids=np.asarray(ids, dtype=object) if meta["id_col"] else None,
        id_col=meta["id_col"],
    )
