"""The same survey expressions on Spark give DuckDB's numbers."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from cyberbeeld.survey.design import Design
from cyberbeeld.survey.engine import spark_available
from cyberbeeld.survey.estimators import Request, domain_difference, estimate

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_ready() -> None:
    if spark_available():
        return
    if os.environ.get("CYBERBEELD_REQUIRE_SPARK") == "1":
        pytest.fail("pyspark is not installed, but CYBERBEELD_REQUIRE_SPARK=1")
    pytest.skip("pyspark is not installed")


@pytest.fixture(scope="module")
def survey_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    rng = np.random.default_rng(11)
    rows = []
    for h in range(6):
        n_psu = int(rng.integers(2, 5))
        for p in range(n_psu):
            for s in range(int(rng.integers(2, 5))):
                for _ in range(int(rng.integers(1, 6))):
                    rows.append(
                        {
                            "stratum": f"GM{h:04d}",
                            "psu": h * 10 + p,
                            "ssu": s,
                            "N1": n_psu + 3,
                            "N2": 5,
                            "w": float(rng.uniform(1, 20)),
                            "y": float(rng.normal(50, 10)),
                            "x": float(rng.uniform(1, 3)),
                            "victim": int(rng.integers(0, 2)),
                            "sex": str(rng.choice(["m", "v"])),
                        }
                    )
    path = tmp_path_factory.mktemp("spark") / "survey.parquet"
    pd.DataFrame(rows).to_parquet(path, index=False)
    return str(path)


def test_spark_equals_duckdb(spark_ready: None, survey_file: str) -> None:
    design = Design(weights="w", strata="stratum", ids=("psu", "ssu"), fpc=("N1", "N2"))
    requests = [
        Request("mean", "y"),
        Request("total", "y"),
        Request("proportion", "victim"),
        Request("ratio", "y", "x"),
    ]
    for by in (None, "sex"):
        duck = estimate(survey_file, design, requests, by=by, ci="beta")
        spark = estimate(survey_file, design, requests, by=by, ci="beta", engine="spark")
        assert len(duck) == len(spark)
        for col in ("estimate", "se", "ci_low", "ci_high", "deff"):
            np.testing.assert_allclose(spark[col], duck[col], rtol=1e-9)
        assert (spark["n"] == duck["n"]).all()
    d1 = domain_difference(survey_file, design, Request("mean", "y"), by="sex", first="m", second="v")
    d2 = domain_difference(
        survey_file, design, Request("mean", "y"), by="sex", first="m", second="v", engine="spark"
    )
    assert d2.estimate == pytest.approx(d1.estimate, rel=1e-9)
    assert d2.se == pytest.approx(d1.se, rel=1e-9)


def test_spark_raked_domain_job_is_byte_identical_to_duckdb(
    spark_ready: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Raking to age and sex, then 20 means by gemeente: the same bytes from both engines."""
    import sys
    from pathlib import Path

    from cyberbeeld.survey.caldomain import Calibration, Margin, calibrated_estimate

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from survey_bench import INDICATORS, make_survey

    df = make_survey(6000)
    path = tmp_path_factory.mktemp("raked") / "survey.parquet"
    df.to_parquet(path, index=False)
    total = float(df["w"].sum())
    cal = Calibration(
        (
            Margin(("leeftijd",), {(str(a),): total / 6 * (1 + 0.02 * a) for a in range(6)}),
            Margin(("geslacht",), {("0",): total * 0.49, ("1",): total * 0.56}),
        )
    )
    design = Design(weights="w", strata="gemeente", fpc="N")
    reqs = [Request("mean", i) for i in INDICATORS]
    duck = calibrated_estimate(str(path), design, reqs, cal, by="gemeente")
    spark = calibrated_estimate(str(path), design, reqs, cal, by="gemeente", engine="spark")
    assert len(duck) == 20 * df["gemeente"].nunique()
    assert duck.to_csv(index=False, float_format="%.17g") == spark.to_csv(index=False, float_format="%.17g")
    pd.testing.assert_frame_equal(duck, spark, check_exact=True)


@pytest.mark.parametrize("clustered", [False, True])
def test_spark_greg_with_a_continuous_total_is_byte_identical_to_duckdb(
    spark_ready: None, survey_file: str, clustered: bool
) -> None:
    """GREG to a margin and the total of a continuous variable: the exact group sums make both engines agree."""
    from cyberbeeld.survey.caldomain import Calibration, Margin, Total, calibrated_estimate

    frame = pd.read_parquet(survey_file)
    total_w = float(frame["w"].sum())
    cal = Calibration(
        (Margin(("sex",), {("m",): total_w * 0.52, ("v",): total_w * 0.5}),),
        method="linear",
        totals=(Total("x", float((frame["w"] * frame["x"]).sum()) * 1.03),),
    )
    design = Design(weights="w", strata="stratum", ids=("psu",) if clustered else ())
    reqs = [Request("mean", "y"), Request("total", "y"), Request("proportion", "victim")]
    duck = calibrated_estimate(survey_file, design, reqs, cal, by="stratum")
    spark = calibrated_estimate(survey_file, design, reqs, cal, by="stratum", engine="spark")
    assert len(duck) == 3 * frame["stratum"].nunique()
    assert duck.to_csv(index=False, float_format="%.17g") == spark.to_csv(index=False, float_format="%.17g")
