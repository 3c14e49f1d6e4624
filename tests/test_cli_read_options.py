"""The fit flags --sep, --decimal, --dayfirst and --fill reach the loader (errors come before TensorFlow loads)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecaster.cli import build_parser, main
from forecaster.cli.fit import fit_settings


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def ambiguous(tmp_path: Path) -> Path:
    """Jan 1-12 written dd/mm/yyyy with ';' and decimal commas: the day order cannot be inferred."""
    days = pd.date_range("2024-01-01", periods=12)
    return write(tmp_path / "amb.csv", ["date;value"] + [f"{d:%d/%m/%Y};{i},5" for i, d in enumerate(days)])


def test_ambiguous_day_order_is_one_error_line_naming_the_flag(ambiguous, capsys) -> None:
    assert main(["fit", "--csv", str(ambiguous), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: date column 'date' has dates like '01/01/2024'") and "--dayfirst yes|no" in err
    assert err.count("\n") == 1


def test_flags_become_forecaster_settings(ambiguous) -> None:
    parser = build_parser()
    args = parser.parse_args(["fit", "--csv", str(ambiguous), "--sep", ";", "--decimal", ",", "--dayfirst", "yes"])
    settings = fit_settings(args)
    assert (settings["sep"], settings["decimal"], settings["dayfirst"]) == (";", ",", True)
    assert fit_settings(parser.parse_args(["fit", "--csv", "x.csv", "--dayfirst", "no"]))["dayfirst"] is False
    assert fit_settings(parser.parse_args(["fit", "--csv", "x.csv"]))["dayfirst"] is None


def test_bad_flag_values(ambiguous, capsys) -> None:
    assert main(["fit", "--csv", str(ambiguous), "--dayfirst", "maybe"]) == 2
    assert "expected yes or no" in capsys.readouterr().err
    assert main(["fit", "--csv", str(ambiguous), "--decimal", ";"]) == 2
    capsys.readouterr()
    assert main(["fit", "--csv", str(ambiguous), "--sep", "ab", "--dayfirst", "yes"]) == 2
    assert "`sep`" in capsys.readouterr().err


def test_gap_without_fill_is_one_error_line(tmp_path, capsys) -> None:
    dates = pd.date_range("2024-01-01", periods=40).delete([10, 11])
    path = write(tmp_path / "gap.csv", ["date,value"] + [f"{d.date()},{i}" for i, d in enumerate(dates)])
    assert main(["fit", "--csv", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "(2 missing rows, the first gap between 2024-01-10 and 2024-01-13)" in err and "--fill" in err
    assert err.count("\n") == 1
