"""``forecaster classify fit|predict`` and ``forecaster generate``: the sequence tasks."""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
from typing import Any

from forecaster.cli.common import (
    UsageError,
    _check_run_out,
    _check_writable_parent,
    _float,
    _int,
    _int_list,
    _load_run,
    _Parser,
    _require_file,
    _say,
    _write_csv_atomic,
    add_run_input,
    check_run_input,
    import_tensorflow_quietly,
    verbosity,
)
from forecaster.config import CELLS

_CLASSIFIER_RUN = "run directory of `classify fit`"

# `classify fit` flags left unset keep SequenceClassifier's defaults (tuned on real UCR/UEA sets):
# flag dest -> constructor parameter. Their help reads the defaults from its signature.
_CLASSIFIER_PARAMS = {
    "cell": "cell",
    "units": "units",
    "bidirectional": "bidirectional",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "lr": "learning_rate",
    "seed": "seed",
}


def _classifier_default(param: str) -> str:
    """The default of ``SequenceClassifier(param=...)`` as help text (imports no TensorFlow)."""
    import inspect

    from forecaster.tasks.classification import SequenceClassifier

    value = inspect.signature(SequenceClassifier).parameters[param].default
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if value is None and param == "batch_size":
        return "chosen from the number of training sequences"
    return "none" if value is None else str(value)


class _ClassifierHelp(argparse.HelpFormatter):
    """Help of `classify fit`: each classifier flag ends with SequenceClassifier's default.

    The defaults are read only when the help is shown, so building the parser
    (``forecaster --help``) imports neither the classifier nor pandas.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        param = _CLASSIFIER_PARAMS.get(action.dest)
        if param is None or action.help is None:
            return action.help
        return f"{action.help} (default: {_classifier_default(param)})"


def _add_classify(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "classify",
        help="sequence classification: fit / predict / evaluate",
        description="Classify whole sequences (wide UCR-style CSV: a label column and one column per "
        "time step; or long CSV with --id-col) with recurrent layers.",
    )
    commands = parser.add_subparsers(dest="classify_command", metavar="COMMAND", parser_class=_Parser)

    fit = commands.add_parser(
        "fit",
        formatter_class=_ClassifierHelp,
        help="train a sequence classifier and write a run directory",
        description="Train on --train, report validation (and --test) accuracy, and write an atomic run "
        "directory (model.keras, export/, classifier.json, metrics.json, history.csv, plots/).",
    )
    fit.add_argument("--train", required=True, metavar="FILE", help="CSV of labelled training sequences")
    fit.add_argument("--test", metavar="FILE", help="CSV of labelled sequences to score after training")
    fit.add_argument("--label-col", default="label", metavar="COL", help="label column (default: label)")
    fit.add_argument("--id-col", metavar="COL", help="series id column: read the CSV in the long layout")
    fit.add_argument("--time-col", metavar="COL", help="time column of a long CSV (sorts the steps)")
    # Unset options (None) keep SequenceClassifier's defaults; _ClassifierHelp shows them.
    fit.add_argument("--cell", choices=CELLS, help="recurrent cell")
    fit.add_argument("--units", type=_int_list, metavar="N,N", help="units per recurrent layer")
    fit.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=None,
                     help="read sequences both ways")
    fit.add_argument("--epochs", type=_int, metavar="N", help="epoch budget of the search")
    fit.add_argument("--batch-size", type=_int, metavar="B", help="sequences per batch")
    fit.add_argument("--lr", type=_float, metavar="X", help="initial learning rate")
    fit.add_argument("--seed", type=_int, metavar="S", help="random seed")
    fit.add_argument("--out", metavar="RUN_DIR", help="run directory (default: runs/classifier-<time>)")
    fit.add_argument("--force", action="store_true", help="replace an existing RUN_DIR written by this tool")
    fit.add_argument("--quiet", action="store_true", help="no progress output")
    fit.set_defaults(handler=_run_classify_fit)

    predict = commands.add_parser(
        "predict",
        help="label the sequences of a CSV with a trained classifier",
        description="Write one row per sequence: its id, the predicted label and one probability column "
        "per class (p_<class>).",
    )
    add_run_input(
        predict,
        model_help=_CLASSIFIER_RUN,
        csv_help="CSV of sequences (same layout as at fit)",
        out_help="output CSV (default: stdout)",
    )
    predict.set_defaults(handler=_run_classify_predict)

    evaluate = commands.add_parser(
        "evaluate",
        help="score a trained classifier on a labelled CSV",
        description="Print accuracy, balanced accuracy, the majority-class rate, per-class recall and the "
        "confusion matrix (rows: true class, columns: predicted).",
    )
    add_run_input(evaluate, model_help=_CLASSIFIER_RUN, csv_help="CSV of labelled sequences (layout as at fit)")
    evaluate.set_defaults(handler=_run_classify_evaluate)
    parser.set_defaults(handler=_run_classify_missing)


def _run_classify_missing(args: argparse.Namespace) -> int:
    raise UsageError("choose a classify command: fit, predict or evaluate (see 'forecaster classify --help').")


def _run_classify_fit(args: argparse.Namespace) -> int:
    _require_file(args.train, "--train")
    if args.test is not None:
        _require_file(args.test, "--test")
    if (args.time_col is not None) and args.id_col is None:
        raise UsageError("--time-col needs --id-col (the long layout) (see 'forecaster classify fit --help').")
    out = args.out or os.path.join("runs", f"classifier-{_dt.datetime.now().strftime('%Y%m%d-%H%M%S')}")
    _check_run_out(out, args.force, marker="classifier.json")
    from forecaster.tasks.sequences import load_sequences

    roles = dict(label_col=args.label_col, id_col=args.id_col, time_col=args.time_col)
    train = load_sequences(args.train, **roles)  # validate the data before importing TensorFlow
    import_tensorflow_quietly()
    from forecaster.tasks.classification import SequenceClassifier

    given = {"cell": args.cell, "units": None if args.units is None else tuple(args.units),
             "bidirectional": args.bidirectional, "learning_rate": args.lr, "epochs": args.epochs,
             "batch_size": args.batch_size, "seed": args.seed}
    clf = SequenceClassifier(**{k: v for k, v in given.items() if v is not None}, verbose=verbosity(args.quiet))
    if args.test is not None:  # a test file with other features fails here, before training
        load_sequences(args.test, **roles)
    clf.fit(args.train, **roles)
    test = clf.evaluate(args.test) if args.test is not None else None
    clf.save(out, overwrite=args.force, metrics=test)
    _say(f"classifier: {clf.cell} {clf.units} on {len(train)} sequences; {len(clf.history_)} search epochs")
    _say(f"classes: {', '.join(map(str, clf.classes_))}")
    for line in clf.summary().splitlines():
        _say(line)
    if test is not None:
        _say_scores("test", test)
    _say(f"run directory: {out}")
    return 0


def _say_scores(part: str, scores: dict[str, Any]) -> None:
    """Accuracy, balanced accuracy, per-class recall and the confusion matrix of an evaluate() result."""
    _say(f"{part} accuracy: {scores['accuracy']:.3f}  balanced accuracy: {scores['balanced_accuracy']:.3f}  "
         f"({scores['n_sequences']} sequences; majority-class rate {scores['majority_rate']:.3f})")
    if not scores["above_majority"]:
        _say(f"warning: the {part} accuracy is not above the majority-class rate; the model did not learn.")
    for name, row in scores["per_class"].items():
        _say(f"  {name}: precision {row['precision']:.3f}  recall {row['recall']:.3f}  f1 {row['f1-score']:.3f}")
    names = [str(c) for c in scores["classes"]]
    width = max(len(n) for n in names + [str(scores["n_sequences"])]) + 1
    _say("confusion matrix (rows: true, columns: predicted):")
    _say(" " * width + "".join(n.rjust(width) for n in names))
    for name, row in zip(names, scores["confusion_matrix"], strict=True):
        _say(name.rjust(width) + "".join(str(v).rjust(width) for v in row))


def _load_classifier(args: argparse.Namespace) -> Any:
    """The classifier run of ``--model``, after the cheap checks of ``--model``, ``--csv`` and ``--out``."""
    check_run_input(args, "classifier.json", "forecaster classify fit")
    import_tensorflow_quietly()
    from forecaster.tasks.classification import load_classifier

    return load_classifier(args.model)


def _run_classify_evaluate(args: argparse.Namespace) -> int:
    _say_scores("test", _load_classifier(args).evaluate(args.csv))
    return 0


def _run_classify_predict(args: argparse.Namespace) -> int:
    frame = _load_classifier(args).predict_frame(args.csv)
    _write_csv_atomic(frame, args.out)
    return 0


def _add_generate(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="sample future paths from a probabilistic run (or text from a token generator)",
        description="Sample --paths futures of --steps rows from a run fitted with --head gaussian or "
        "quantile, feeding each draw back as input; writes path, date (or step) and target columns. "
        "A TokenGenerator run directory (generator.json) generates --steps characters after --prompt.",
    )
    add_run_input(parser, model_help="run directory", csv_help=None)
    parser.add_argument("--paths", default=100, type=_int, metavar="N", help="number of paths (default: 100)")
    parser.add_argument("--steps", required=True, type=_int, metavar="S", help="rows (or characters) to generate")
    parser.add_argument("--csv", metavar="FILE", help="history to continue (default: the end of the fit data)")
    parser.add_argument("--seed", type=_int, metavar="S", help="seed of the draws (default: random)")
    parser.add_argument("--plot", metavar="FAN.png", help="also save a fan chart of the paths")
    parser.add_argument("--prompt", metavar="TEXT", help="start of the text (token generator runs)")
    parser.add_argument("--temperature", default=1.0, type=_float, metavar="T",
                        help="token sampling temperature, 0 = greedy (default: 1.0)")
    parser.add_argument("--out", metavar="OUT", help="output CSV / text file (default: stdout)")
    parser.set_defaults(handler=_run_generate)


def _run_generate(args: argparse.Namespace) -> int:
    if os.path.isfile(os.path.join(args.model, "generator.json")):
        if args.prompt is None:
            raise UsageError("a token generator run needs --prompt TEXT (see 'forecaster generate --help').")
        import_tensorflow_quietly()
        from forecaster.tasks.text import load_generator

        text = load_generator(args.model).generate(args.prompt, args.steps, args.temperature, seed=args.seed)
        if args.out is None:
            _say(args.prompt + text)
        else:
            _check_writable_parent(args.out)
            with open(args.out, "w", encoding="utf-8") as handle:
                handle.write(args.prompt + text)
        return 0
    check_run_input(args)
    if args.plot is not None:
        _check_writable_parent(args.plot)
    fc = _load_run(args.model)
    paths, frame = fc.sample(args.paths, args.steps, context=args.csv, seed=args.seed)
    _write_csv_atomic(frame, args.out)
    if args.plot is not None:
        from forecaster.tasks.sampling import plot_paths

        plot_paths(fc, paths, context=args.csv).savefig(args.plot, dpi=110)
        print(f"wrote the fan chart to {args.plot}", file=sys.stderr)
    return 0
