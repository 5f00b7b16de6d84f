"""Properties and error handling of the survey engine (no R needed)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cyberbeeld.survey import SurveyDesignError
from cyberbeeld.survey.cli import main
from cyberbeeld.survey.design import Design
from cyberbeeld.survey.engine import DuckDBTable
from cyberbeeld.survey.estimators import Request, domain_difference, estimate, svymean, svytotal
from cyberbeeld.survey.variance import DesignStructure, design_covariance

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def surveys(draw: st.DrawFn) -> pd.DataFrame:
    """A small stratified cluster sample: 2-4 strata, 2-4 PSUs each, 1-5 rows per PSU."""
    rows = []
    n_strata = draw(st.integers(2, 4))
    for h in range(n_strata):
        n_psu = draw(st.integers(2, 4))
        pop = n_psu + draw(st.integers(0, 20))
        for p in range(n_psu):
            for _ in range(draw(st.integers(1, 5))):
                rows.append(
                    {
                        "h": f"s{h}",
                        "psu": f"s{h}p{p}",
                        "N": pop,
                        "w": draw(st.floats(0.5, 50)),
                        "y": draw(st.floats(-100, 100)),
                        "dom": draw(st.sampled_from(["a", "b", "c"])),
                    }
                )
    return pd.DataFrame(rows)


DESIGN = Design(weights="w", ids="psu", strata="h", fpc="N")


def _reference(df: pd.DataFrame, design: Design, domain: np.ndarray | None = None) -> tuple[float, float]:
    """Domain mean and its variance with the row-level NumPy covariance."""
    mask = np.ones(len(df), dtype=bool) if domain is None else domain
    w = df["w"].to_numpy() * mask
    y = df["y"].to_numpy()
    mean = float((w * y).sum() / w.sum())
    scores = w * (y - mean) / w.sum()
    var = design.structure(df).covariance(scores, domain=mask)[0, 0]
    return mean, float(var)


@SETTINGS
@given(df=surveys(), factor=st.floats(0.01, 100))
def test_scaling_weights_changes_no_mean(df, factor):
    base = svymean(df, DESIGN, "y", by="dom")
    scaled = svymean(df.assign(w=df["w"] * factor), DESIGN, "y", by="dom")
    np.testing.assert_allclose(scaled["estimate"], base["estimate"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(scaled["se"], base["se"], rtol=1e-7, atol=1e-9)


@SETTINGS
@given(df=surveys())
def test_domain_totals_add_up(df):
    overall = svytotal(df, DESIGN, "y")
    by = svytotal(df, DESIGN, "y", by="dom")
    assert by["estimate"].sum() == pytest.approx(overall["estimate"].iloc[0], rel=1e-9, abs=1e-6)
    assert by["n"].sum() == len(df)


@SETTINGS
@given(df=surveys())
def test_census_has_zero_variance(df):
    n_psu = df.groupby("h")["psu"].transform("nunique")
    census = df.assign(N=n_psu)
    result = estimate(census, DESIGN, [Request("mean", "y"), Request("total", "y")], by="dom")
    assert (result["se"] == 0).all()
    z = census["w"].to_numpy() * census["y"].to_numpy()
    assert design_covariance(z, strata=census["h"], psu=census["psu"], fpc1=census["N"])[0, 0] == 0


@SETTINGS
@given(df=surveys())
def test_engine_matches_row_level_numpy(df):
    ours = svymean(df, DESIGN, "y", by="dom")
    for _, row in ours.iterrows():
        mean, var = _reference(df, DESIGN, (df["dom"] == row["dom"]).to_numpy())
        assert row["estimate"] == pytest.approx(mean, rel=1e-9, abs=1e-9)
        assert row["se"] ** 2 == pytest.approx(var, rel=1e-7, abs=1e-12)


@SETTINGS
@given(df=surveys())
def test_difference_of_domains(df):
    if df["dom"].nunique() < 2:
        return
    a, b = sorted(df["dom"].unique())[:2]
    diff = domain_difference(df, DESIGN, Request("mean", "y"), by="dom", first=a, second=b)
    means = svymean(df, DESIGN, "y", by="dom").set_index("dom")["estimate"]
    assert diff.estimate == pytest.approx(means[a] - means[b], rel=1e-9, abs=1e-9)
    # the variance of a difference is the variance of the difference of the scores
    w, y = df["w"].to_numpy(), df["y"].to_numpy()
    ia, ib = (df["dom"] == a).to_numpy(), (df["dom"] == b).to_numpy()
    za = ia * w * (y - means[a]) / (w * ia).sum()
    zb = ib * w * (y - means[b]) / (w * ib).sum()
    var = DESIGN.structure(df).covariance(za - zb)[0, 0]
    assert diff.se**2 == pytest.approx(var, rel=1e-7, abs=1e-12)


# --------------------------------------------------------------------------- inputs


def test_parquet_csv_and_duckdb_table_give_the_same(tmp_path):
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "h": rng.integers(0, 5, 500),
            "w": rng.uniform(1, 10, 500),
            "y": rng.normal(size=500),
            "g": rng.choice(["x", "y"], 500),
        }
    )
    design = Design(weights="w", strata="h")
    ref = svymean(df, design, "y", by="g")
    df.to_parquet(tmp_path / "d.parquet")
    df.to_csv(tmp_path / "d.csv", index=False)
    import duckdb

    con = duckdb.connect()
    con.register("frame", df)
    con.execute("CREATE TABLE survey AS SELECT * FROM frame")
    for source in (tmp_path / "d.parquet", str(tmp_path / "d.csv"), DuckDBTable("survey", con)):
        got = svymean(source, design, "y", by="g")
        np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=1e-12)
        np.testing.assert_allclose(got["se"], ref["se"], rtol=1e-9)


@pytest.mark.parametrize(
    ("change", "column", "row", "message"),
    [
        (lambda d: d.assign(w=d["w"].where(d.index != 7, np.nan)), "w", 7, "missing"),
        (lambda d: d.assign(w=d["w"].where(d.index != 3, -1.0)), "w", 3, "negative"),
        (lambda d: d.assign(w=d["w"].astype(object).where(d.index != 5, "abc")), "w", 5, "non-numeric"),
        (lambda d: d.assign(y=d["y"].astype(object).where(d.index != 9, "x")), "y", 9, "non-numeric"),
        (lambda d: d.assign(h=d["h"].where(d.index != 2, None)), "h", 2, "missing"),
    ],
)
def test_bad_input_names_column_and_first_row(change, column, row, message):
    df = pd.DataFrame({"h": ["a", "b"] * 10, "w": np.arange(1.0, 21.0), "y": np.linspace(0, 1, 20)})
    with pytest.raises(SurveyDesignError, match=message) as info:
        svymean(change(df), Design(weights="w", strata="h"), "y")
    assert info.value.column == column
    assert info.value.row == row


def test_lonely_psu_fail_in_numpy_core():
    with pytest.raises(SurveyDesignError, match="only one PSU"):
        design_covariance([1.0, 2.0, 3.0], strata=["a", "a", "b"])
    v = design_covariance([1.0, 2.0, 3.0], strata=["a", "a", "b"], lonely_psu="remove")
    assert v[0, 0] == pytest.approx(0.5 * 2)


def test_psu_in_two_strata_needs_nest():
    with pytest.raises(SurveyDesignError, match="nest"):
        DesignStructure.build(strata=["a", "a", "b", "b"], psu=[1, 2, 1, 2])
    s = DesignStructure.build(strata=["a", "a", "b", "b"], psu=[1, 2, 1, 2], nest=True)
    assert s.stages[0].n_units.tolist() == [2.0, 2.0]


def test_fpc_as_fraction_equals_population_size():
    y = np.array([1.0, 4.0, 2.0, 8.0, 5.0, 7.0])
    strata = ["a", "a", "a", "b", "b", "b"]
    v_size = design_covariance(y, strata=strata, fpc1=[10] * 3 + [30] * 3)
    v_frac = design_covariance(y, strata=strata, fpc1=[0.3] * 3 + [0.1] * 3)
    np.testing.assert_allclose(v_size, v_frac, rtol=1e-12)
    with pytest.raises(SurveyDesignError, match="100%"):
        design_covariance(y, strata=strata, fpc1=[2] * 6)


# --------------------------------------------------------------------------- CLI


def test_cli_writes_csv_and_parquet(tmp_path):
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {
            "gem": rng.choice(["GM0001", "GM0002", "GM0003"], 300),
            "w": rng.uniform(1, 5, 300),
            "age": rng.integers(16, 90, 300),
            "victim": rng.integers(0, 2, 300),
        }
    )
    src = tmp_path / "s.parquet"
    df.to_parquet(src)
    for out in (tmp_path / "o.csv", tmp_path / "o.parquet"):
        argv = [
            "estimate",
            str(src),
            "--weights",
            "w",
            "--strata",
            "gem",
            "--mean",
            "age",
            "--proportion",
            "victim",
            "--by",
            "gem",
            "--ci",
            "wilson",
            "--out",
            str(out),
        ]
        assert main(argv) == 0
        got = pd.read_csv(out) if out.suffix == ".csv" else pd.read_parquet(out)
        assert list(got.columns) == [
            "gem",
            "variable",
            "statistic",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "deff",
            "n",
        ]
        assert len(got) == 6
        assert ((got["ci_low"] <= got["estimate"]) & (got["estimate"] <= got["ci_high"])).all()


def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys):
    df = pd.DataFrame({"w": [1.0, 2.0, None, 4.0], "y": [1, 2, 3, 4]})
    src = tmp_path / "bad.csv"
    df.to_csv(src, index=False)
    assert main([str(src), "--weights", "w", "--mean", "y", "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "column 'w'" in err and "row 2" in err and "Traceback" not in err
    assert main([str(src), "--weights", "w", "--out", str(tmp_path / "o.csv")]) == 2
    assert main([str(tmp_path / "missing.csv"), "--weights", "w", "--mean", "y", "--out", "o.csv"]) == 2
    assert main([str(src), "--weights", "w", "--mean", "y", "--out", str(tmp_path / "o.csv"), "--nope"]) == 2


def _exact_variance(df: pd.DataFrame, scores: list[Fraction]) -> Fraction:
    """Stratified one-stage variance of the PSU totals of ``scores``, in exact arithmetic (fpc ``N``)."""
    var = Fraction(0)
    for _, stratum in df.groupby("h"):
        totals: dict[str, Fraction] = {}
        for i, psu in zip(stratum.index, stratum["psu"], strict=True):
            totals[psu] = totals.get(psu, Fraction(0)) + scores[i]
        n, pop = len(totals), int(stratum["N"].iloc[0])
        mean = sum(totals.values(), Fraction(0)) / n
        squares = sum(((t - mean) ** 2 for t in totals.values()), Fraction(0))
        var += Fraction(pop - n, pop) * Fraction(n, n - 1) * squares
    return var


def _offset_example(w: list[float], y: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "h": ["s0", "s0", "s1", "s1"],
            "psu": ["s0p0", "s0p1", "s1p0", "s1p1"],
            "N": [3, 3, 2, 2],
            "w": w,
            "y": y,
            "dom": ["a"] * 4,
        }
    )


@SETTINGS
@given(df=surveys(), offset=st.sampled_from([1e3, 1e6, -1e7]))
# Found on a fresh machine: the mean's offset cy - R was a difference of two numbers ~1e6 ...
@example(df=_offset_example([1.0, 13.969073, 1.0, 1.0], [0.0, 0.0, 0.0, 1.0]), offset=1e6)
# ... and the total's variance cancelled power sums ~1e12 (weights constant within strata).
@example(df=_offset_example([1.0] * 4, [0.0, 13.969073, 0.0, 0.0]), offset=1e6)
def test_precision_with_a_large_offset(df, offset):
    """A variable far from zero (years, incomes) keeps 1e-9 precision: values are centred.

    The reference is exact (rational arithmetic on the binary floats of the data), because a
    float reference loses as much as the engine may: ``y - mean`` of ~1e6-sized numbers keeps
    only ~1e-10 absolutely.
    """
    shifted = df.assign(y=df["y"] + offset)
    w = [Fraction(v) for v in shifted["w"]]
    y = [Fraction(v) for v in shifted["y"]]
    ours = svymean(shifted, DESIGN, "y", by="dom")
    for _, row in ours.iterrows():
        wd = [wi if d == row["dom"] else Fraction(0) for wi, d in zip(w, shifted["dom"], strict=True)]
        total_w = sum(wd, Fraction(0))
        mean = sum((wi * yi for wi, yi in zip(wd, y, strict=True)), Fraction(0)) / total_w
        scores = [wi * (yi - mean) / total_w for wi, yi in zip(wd, y, strict=True)]
        var = float(_exact_variance(shifted, scores))
        assert row["estimate"] == pytest.approx(float(mean), rel=1e-12)
        assert row["se"] ** 2 == pytest.approx(var, rel=1e-9, abs=1e-18)
    total = svytotal(shifted, DESIGN, "y")
    var = float(_exact_variance(shifted, [wi * yi for wi, yi in zip(w, y, strict=True)]))
    assert total["se"].iloc[0] ** 2 == pytest.approx(var, rel=1e-9)
