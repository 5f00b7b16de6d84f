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
