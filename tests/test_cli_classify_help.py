"""`forecaster classify fit --help` shows SequenceClassifier's own defaults (not copies in the CLI)."""

from __future__ import annotations

import inspect

from forecaster.cli import main
from forecaster.tasks.classification import SequenceClassifier


def test_classify_fit_help_reads_the_classifier_defaults(capsys) -> None:
    assert main(["classify", "fit", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps long help lines
    defaults = inspect.signature(SequenceClassifier).parameters
    units = ",".join(str(u) for u in defaults["units"].default)
    assert f"--cell {{rnn,lstm,gru}} recurrent cell (default: {defaults['cell'].default})" in text
    assert f"units per recurrent layer (default: {units})" in text
    assert f"epoch budget of the search (default: {defaults['epochs'].default})" in text
    assert f"initial learning rate (default: {defaults['learning_rate'].default})" in text
    assert f"random seed (default: {defaults['seed'].default})" in text
    assert "read sequences both ways (default: on)" in text
