"""Static covariates: constant-per-series checks, encoding, JSON state, appending."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecaster.data.statics import (
    MAX_ID_COLUMNS,
    StaticEncoder,
    append_statics,
    fit_statics,
    static_table,
)
from forecaster.errors import ForecasterError


def _frame() -> pd.DataFrame:
    rows = []
    for sid, region, size, open_ in (("s1", "north", 10.0, True), ("s2", "south", 30.0, False), ("s3", "north", 20.0, True)):
        for t in range(4):
            rows.append({"store": sid, "t": t, "y": float(t), "region": region, "size": size, "open": open_})
    return pd.DataFrame(rows)


def test_encoding_standardizes_numbers_and_one_hots_categories():
    frame = _frame()
    enc = fit_statics(frame, "store", ["region", "size", "open"])
    assert enc.feature_names == ["region=north", "region=south", "size", "open=False", "open=True"]
    ids, rows = enc.encode(frame, "store")
    assert ids == ["s1", "s2", "s3"]
    sizes = np.array([10.0, 30.0, 20.0])
    np.testing.assert_allclose(rows[:, 2], (sizes - sizes.mean()) / sizes.std(), rtol=1e-6)
    np.testing.assert_array_equal(rows[:, [0, 1, 3, 4]], [[1, 0, 0, 1], [0, 1, 1, 0], [1, 0, 0, 1]])
    assert rows.dtype == np.float32


def test_state_is_json_safe_and_round_trips():
    frame = _frame()
    enc = fit_statics(frame, "store", ["region", "size"], include_id=True)
    state = json.loads(json.dumps(enc.to_dict()))
    again = StaticEncoder.from_dict(state)
    assert again == enc
    np.testing.assert_array_equal(again.encode(frame, "store")[1], enc.encode(frame, "store")[1])


def test_id_one_hot_is_an_id_embedding_and_a_new_series_gets_zeros():
    frame = _frame()
    enc = fit_statics(frame, "store", [], include_id=True)
    assert enc.feature_names == ["__id__=s1", "__id__=s2", "__id__=s3"]
    np.testing.assert_array_equal(enc.encode(frame, "store")[1], np.eye(3))
    new = pd.DataFrame({"store": ["s9", "s9"], "y": [1.0, 2.0]})
    np.testing.assert_array_equal(enc.encode(new, "store")[1], [[0, 0, 0]])


def test_a_category_not_seen_at_fit_encodes_as_zeros_with_a_warning():
    enc = fit_statics(_frame(), "store", ["region"])
    new = pd.DataFrame({"store": ["s9"], "region": ["east"]})
    with pytest.warns(UserWarning, match="'region' has categories not seen at fit \\('east'\\)"):
        _, rows = enc.encode(new, "store")
    np.testing.assert_array_equal(rows, [[0, 0]])


def test_integer_ids_keep_their_type_in_the_table_and_text_in_the_state():
    frame = _frame().replace({"store": {"s1": 1, "s2": 2, "s3": 3}})
    enc = fit_statics(frame, "store", ["size"], include_id=True)
    ids, _ = enc.encode(frame, "store")
    assert ids == [1, 2, 3] and enc.ids == ("1", "2", "3")


@pytest.mark.parametrize(
    ("change", "columns", "message"),
    [
        (lambda f: f.assign(region=np.where(f["t"] == 2, "east", f["region"])), ["region"],
         "static column 'region' varies within series 's1' (values 'north', 'east'); a static covariate must be constant"),
        (lambda f: f.assign(size=f["size"] + f["t"]), ["size"], "static column 'size' varies within series 's1'"),
        (lambda f: f.assign(size=f["size"].where(f["store"] != "s2")), ["size"], "static column 'size' has missing values (series 's2')"),
        (lambda f: f, ["colour"], "column(s) 'colour' not in the data"),
        (lambda f: f, ["store"], "the id column 'store' cannot also be a static column"),
        (lambda f: f.assign(store=f["store"].where(f["t"] != 1)), ["size"], "id column 'store' has missing values"),
        (lambda f: f, [], "no static columns given"),
        (lambda f: f.assign(size=np.inf), ["size"], "static column 'size' has infinite values"),
    ],
)
def test_bad_static_input_gets_one_clear_sentence(change, columns, message):
    with pytest.raises(ForecasterError) as info:
        fit_statics(change(_frame()), "store", columns)
    assert message in str(info.value)


def test_numeric_at_fit_text_later_is_refused():
    enc = fit_statics(_frame(), "store", ["size"])
    with pytest.raises(ForecasterError, match="was numeric at fit"):
        enc.encode(pd.DataFrame({"store": ["x"], "size": ["big"]}), "store")


def test_too_many_series_for_an_id_one_hot():
    frame = pd.DataFrame({"id": np.arange(MAX_ID_COLUMNS + 1)})
    with pytest.raises(ForecasterError, match=f"has {MAX_ID_COLUMNS + 1} series"):
        fit_statics(frame, "id", include_id=True)


def test_static_table_keeps_the_order_of_first_appearance():
    frame = _frame().iloc[::-1]
    assert list(static_table(frame, "store", ["region"]).index) == ["s3", "s2", "s1"]


def test_append_statics_repeats_the_row_after_the_scaled_columns():
    scaled = np.arange(6, dtype=np.float32).reshape(3, 2)
    out = append_statics(scaled, np.array([1.0, -1.0]))
    np.testing.assert_array_equal(out, [[0, 1, 1, -1], [2, 3, 1, -1], [4, 5, 1, -1]])
    assert out.dtype == np.float32
