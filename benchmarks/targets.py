"""Issue 13's per-series targets applied to every method of saved accuracy results, not only the model.

A target such as "beats seasonal naive on every series" or "no series' 80 % interval below 60 %"
is judged on one H-row window per series; the same counts for AutoETS, AutoARIMA, AutoTheta and
their median ("combo") on the same windows say how far one window's noise alone keeps a strong
forecaster from them. Used by ``accuracy.py --table`` (one result, and pooled over several).
"""

from __future__ import annotations

METHODS = ("model", "ets", "arima", "theta", "combo")
"""The forecasters compared: ours, statsforecast's three and their per-step median."""


def best_naive_mse(row: dict) -> float:
    """The lowest test MSE of naive and seasonal naive at every candidate season of one series-origin."""
    names = ["naive", *(k for k in row["scores"] if k.startswith("seasonal_naive_"))]
    return min(row["scores"][k]["mse"] for k in names)


def primary_seasonal_naive(row: dict) -> str:
    """The score key of seasonal naive at the series' primary season (``"naive"`` without a season)."""
    m = row["seasons"][0] if row["seasons"] else 1
    return f"seasonal_naive_{m}" if m > 1 else "naive"


def coverage_80(row: dict, method: str) -> float | None:
    """The 80 % interval's coverage of the test rows: the model's, or a peer's own interval (None if none)."""
    if method == "model":
        return (row.get("interval_coverage") or {}).get("80")
    return ((row.get("peer_coverage") or {}).get(method) or {}).get("80")


def targets(rows: list[dict]) -> dict[str, dict]:
    """Per method: series-origins scored, how many beat the primary seasonal naive, how many are within
    5 % of the best naive baseline, the worst ratio to it, and the 80 % coverage (mean, min, below 0.6)."""
    out: dict[str, dict] = {}
    for method in METHODS:
        have = [r for r in rows if method in r["scores"]]
        if not have:
            continue
        ratios = [r["scores"][method]["mse"] / best_naive_mse(r) for r in have]
        entry = {
            "n": len(have),
            "beats_seasonal_naive": sum(
                r["scores"][method]["mse"] < r["scores"][primary_seasonal_naive(r)]["mse"] for r in have
            ),
            "within_5pct_of_best_naive": sum(v <= 1.05 for v in ratios),
            "worst_vs_best_naive": round(max(ratios), 3),
        }
        covered = [c for c in (coverage_80(r, method) for r in have) if c is not None]
        if covered:
            entry["coverage_80"] = {
                "mean": round(sum(covered) / len(covered), 3),
                "min": round(min(covered), 3),
                "below_0.6": sum(c < 0.6 for c in covered),
                "n": len(covered),
            }
        out[method] = entry
    return out


def targets_table(rows: list[dict]) -> str:
    """:func:`targets` as a Markdown table, one line per method."""
    lines = [
        "| method | series-origins | beats seasonal naive | within 5 % of the best naive | worst ratio to it "
        "| 80 % coverage: mean / min / below 0.6 |",
        "|---|---|---|---|---|---|",
    ]
    for method, e in targets(rows).items():
        cov = e.get("coverage_80")
        cov_text = f"{cov['mean']} / {cov['min']} / {cov['below_0.6']}" if cov else "–"
        lines.append(
            f"| {method} | {e['n']} | {e['beats_seasonal_naive']} | {e['within_5pct_of_best_naive']} | "
            f"{e['worst_vs_best_naive']} | {cov_text} |"
        )
    return "\n".join(lines)
