"""Issue 18's correctness bugs, each against R on R's own example data.

The reference values and data sets (R's ``data(fpc)``, ``data(scd)``, ``data(election)``)
are committed under ``tests/survey/data``; ``tests/survey/r/make_references_s3.R`` made them.
These tests run without R; :func:`test_committed_references_are_rs` (marked ``r``)
re-derives the files with Rscript and compares.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pytest

from cyberbeeld.survey import Design, SurveyDesignError, estimate, svymean, svytotal
from cyberbeeld.survey.cli import main
from cyberbeeld.survey.estimators import Request
from cyberbeeld.survey.hadamard import r_hadamard
from cyberbeeld.survey.replicate import ReplicateDesign, as_replicate_design, rep_ratio, rep_total

DATA = Path(__file__).parent / "data"
SCRIPT = Path(__file__).parent / "r" / "make_references_s3.R"
REL = 1e-9


def _read_refs(path: Path) -> dict[str, list[str]]:
    refs: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        name, *values = line.split("\t")
        refs[name] = values
    return refs


REFS = _read_refs(DATA / "references_s3.tsv")


def ref(name: str) -> np.ndarray:
    return np.array([float(v) for v in REFS[name]])


def assert_r(got: object, name: str, rel: float = REL) -> None:
    expected = ref(name)
    np.testing.assert_allclose(np.asarray(got, dtype=float), expected, rtol=rel, atol=0, err_msg=name)


# --------------------------------------------------------------------------- (a) nh and Nh

FPC_DESIGN = Design(weights="weight", ids="psuid", strata="stratid", fpc="Nh", nest=True)


@pytest.mark.parametrize("source", ["frame", "csv", "parquet"])
def test_columns_differing_only_in_case_work(source: str, tmp_path: Path) -> None:
    fpc = pd.read_csv(DATA / "fpc.csv")
    assert {"nh", "Nh"} <= set(fpc.columns)
    data: object = fpc
    if source == "csv":
        data = DATA / "fpc.csv"
    elif source == "parquet":
        data = tmp_path / "fpc.parquet"
        fpc.to_parquet(data)
    out = estimate(
        data,  # type: ignore[arg-type]
        FPC_DESIGN,
        [Request("mean", "x"), Request("total", "x"), Request("total", "nh")],
    )
    assert out["variable"].tolist() == ["x", "x", "nh"]
    assert_r(out["estimate"].iloc[:1], "fpc_mean_x_est")
    assert_r(out["se"].iloc[:1], "fpc_mean_x_se")
    assert_r(out["estimate"].iloc[1:2], "fpc_total_x_est")
    assert_r(out["se"].iloc[1:2], "fpc_total_x_se")
    assert_r(out["estimate"].iloc[2:], "fpc_total_nh_est")


def test_case_clash_by_column_keeps_its_name_and_values() -> None:
    fpc = pd.read_csv(DATA / "fpc.csv")
    out = svymean(DATA / "fpc.csv", FPC_DESIGN, "x", by="nh")
    assert list(out.columns[:1]) == ["nh"]
    assert out["nh"].tolist() == [3, 5]  # not the values of Nh
    assert_r(out["estimate"], "fpc_by_mean_x_est")
    assert_r(out["se"], "fpc_by_mean_x_se")
    # weights from the fpc (no weights column), on the data frame
    out = svymean(fpc, Design(ids="psuid", strata="stratid", fpc="Nh", nest=True), "x")
    assert_r(out["estimate"], "fpc_noweights_mean_x_est")
    assert_r(out["se"], "fpc_noweights_mean_x_se")


def test_case_clash_errors_name_the_users_column(tmp_path: Path) -> None:
    bad = pd.read_csv(DATA / "fpc.csv")
    bad["Nh"] = bad["Nh"].astype(object)
    bad.loc[3, "Nh"] = None
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(SurveyDesignError) as info:
        svymean(path, FPC_DESIGN, "x")
    assert info.value.column == "Nh"
    assert info.value.row == 3


def test_cli_case_clash(tmp_path: Path) -> None:
    out = tmp_path / "est.csv"
    code = main(
        [
            "estimate", str(DATA / "fpc.csv"), "--weights", "weight", "--strata", "stratid",
            "--cluster", "psuid", "--fpc", "Nh", "--nest", "--mean", "x", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    table = pd.read_csv(out)
    assert_r(table["estimate"], "fpc_mean_x_est")
    assert_r(table["se"], "fpc_mean_x_se")


# --------------------------------------------------------------------------- (b) precision


@pytest.mark.parametrize("source", ["frame", "csv"])
def test_total_se_when_weighted_values_are_nearly_constant(source: str) -> None:
    data = DATA / "precision5.csv" if source == "csv" else pd.read_csv(DATA / "precision5.csv")
    out = svytotal(data, Design(weights="w"), "y")
    assert_r(out["estimate"], "precision5_total_y_est")
    assert_r(out["se"], "precision5_total_y_se")
    assert float(out["se"].iloc[0]) == pytest.approx(1069.6261028976435, rel=1e-9)


def test_election_pps_totals_and_means() -> None:
    df = pd.read_csv(DATA / "election_pps.csv")
    df["w"] = 1.0 / df["p"]
    design = Design(weights="w")
    tot = svytotal(df, design, ["Bush", "Kerry", "votes"])
    assert_r(tot["estimate"], "election_pps_total_est")
    se = tot["se"].to_numpy()
    np.testing.assert_allclose(se[:2], ref("election_pps_total_se")[:2], rtol=REL, atol=0)
    # votes is exactly proportional to the selection probability: R's SE is 0 (up to rounding)
    assert se[2] <= 1e-6 * float(tot["estimate"].iloc[2])
    mean = svymean(df, design, ["Bush", "Kerry"])
    assert_r(mean["estimate"], "election_pps_mean_est")
    assert_r(mean["se"], "election_pps_mean_se")


# --------------------------------------------------------------------------- (c) BRR


def _scd_brr(type_: Literal["BRR", "Fay"] = "BRR", rho: float = 0.0) -> tuple[pd.DataFrame, ReplicateDesign]:
    scd = pd.read_csv(DATA / "scd.csv")
    design = as_replicate_design(
        np.ones(len(scd)), type=type_, strata=scd["ESA"], psu=scd["ambulance"], fay_rho=rho
    )
    return scd, design


def test_brr_default_half_samples_are_rs() -> None:
    scd, design = _scd_brr()
    ncol = int(ref("scd_brr_repweights_ncol")[0])
    expected = ref("scd_brr_repweights").reshape(ncol, len(scd)).T
    np.testing.assert_array_equal(design.repweights, expected)


def test_brr_default_ratio_and_total_match_r() -> None:
    scd, design = _scd_brr()
    ratio = rep_ratio(design, scd["alive"], scd["arrests"])
    assert_r(ratio.estimate, "scd_brr_ratio_est")
    assert_r(ratio.se, "scd_brr_ratio_se")
    total = rep_total(design, scd["alive"])
    assert_r(total.se, "scd_brr_total_se")
    scd, fay = _scd_brr("Fay", 0.3)
    assert_r(rep_ratio(fay, scd["alive"], scd["arrests"]).se, "scd_fay_ratio_se")


def test_r_hadamard_is_rs_default() -> None:
    names = [k for k in REFS if k.startswith("hadamard_")]
    assert len(names) > 40
    for name in names:
        n = int(name.split("_")[1])
        expected = np.array([[int(c) for c in row] for row in REFS[name]])
        got = r_hadamard(n)
        assert got.shape == expected.shape, name
        np.testing.assert_array_equal(got, expected, err_msg=name)


# --------------------------------------------------------------------------- (d) message


@pytest.mark.parametrize("by", [None, "h"])
def test_lonely_psu_error_prints_integer_stratum(by: str | None) -> None:
    df = pd.DataFrame(
        {"h": [83, 84, 84, 85, 85], "p": [1, 2, 3, 4, 5], "w": [1.0, 2, 3, 4, 5], "y": [1.0, 2, 3, 4, 6]}
    )
    with pytest.raises(SurveyDesignError) as info:
        svymean(df, Design(weights="w", strata="h", ids="p"), "y", by=by)
    message = str(info.value)
    assert "stratum 83 has only one PSU" in message
    assert "83.0" not in message
    assert info.value.row == 0


# --------------------------------------------------------------------------- R re-derivation


@pytest.mark.r
def test_committed_references_are_rs(r_available: None, tmp_path: Path) -> None:
    proc = subprocess.run(
        ["Rscript", str(SCRIPT), str(tmp_path)], capture_output=True, text=True, cwd=DATA.parent.parent.parent
    )
    assert proc.returncode == 0, proc.stderr
    for name in ("fpc.csv", "scd.csv", "election_pps.csv", "precision5.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / name), pd.read_csv(DATA / name), obj=name)
    fresh = _read_refs(tmp_path / "references_s3.tsv")
    assert fresh.keys() == REFS.keys()
    for name, values in fresh.items():
        if name.startswith("hadamard_"):
            assert values == REFS[name], name
        else:
            np.testing.assert_allclose(
                [float(v) for v in values], [float(v) for v in REFS[name]], rtol=1e-12, atol=0, err_msg=name
            )


def test_case_clash_in_domain_difference_and_quantiles(tmp_path: Path) -> None:
    from cyberbeeld.survey import domain_difference, svyquantile

    fpc = pd.read_csv(DATA / "fpc.csv")
    from_frame = domain_difference(fpc, FPC_DESIGN, Request("mean", "x"), by="nh", first=5, second=3)
    from_csv = domain_difference(
        DATA / "fpc.csv", FPC_DESIGN, Request("mean", "x"), by="nh", first=5, second=3
    )
    by = svymean(fpc, FPC_DESIGN, "x", by="nh")
    assert from_csv.estimate == pytest.approx(from_frame.estimate, rel=1e-12)
    assert from_csv.se == pytest.approx(from_frame.se, rel=1e-12)
    assert from_csv.estimate == pytest.approx(
        float(by["estimate"].iloc[1] - by["estimate"].iloc[0]), rel=1e-12
    )
    q_frame = svyquantile(fpc, FPC_DESIGN, "Nh", (0.5,))
    q_csv = svyquantile(DATA / "fpc.csv", FPC_DESIGN, "Nh", (0.5,))
    pd.testing.assert_frame_equal(q_frame, q_csv)
    assert float(q_csv["estimate"].iloc[0]) in (12.0, 15.0)
