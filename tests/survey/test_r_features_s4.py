"""Issue 18, "R's remaining everyday features", against R on R's own example data.

svyciprop methods, postStratify, PPS without replacement (Brewer, Overton, Horvitz-Thompson
with a joint-probability matrix), na.rm and svyglm, each to 1e-9 (estimates and SEs) on R's
api, nhanes and election data sets.  The data and reference values are committed under
``tests/survey/data`` (``*_s4.csv``, ``references_s4.tsv``), made by
``tests/survey/r/make_references_s4.R``; :func:`test_committed_s4_references_are_rs` (marked
``r``) re-derives them with Rscript.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cyberbeeld.survey import PPS, Design, PostStratified, Request, SurveyDesignError, estimate, svyglm

DATA = Path(__file__).parent / "data"
SCRIPT = Path(__file__).parent / "r" / "make_references_s4.R"
REL = 1e-9
FILES = (
    "apistrat_s4.csv",
    "apiclus1_s4.csv",
    "nhanes_s4.csv",
    "election_pps_s4.csv",
    "election_jointprob_s4.csv",
    "apipop_types_s4.csv",
)


def _read_refs(path: Path) -> dict[str, list[str]]:
    refs: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        name, *values = line.split("\t")
        refs[name] = values
    return refs


REFS = _read_refs(DATA / "references_s4.tsv")


def ref(name: str) -> np.ndarray:
    return np.array([float(v) for v in REFS[name]])


def assert_r(got: object, name: str, rel: float = REL) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), ref(name), rtol=rel, atol=0, err_msg=name)


def assert_est_se(out: pd.DataFrame, name: str) -> None:
    assert_r(out["estimate"], f"{name}_est")
    assert_r(out["se"], f"{name}_se")


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    return pd.read_csv(DATA / "apistrat_s4.csv")


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(DATA / "apiclus1_s4.csv")


@pytest.fixture(scope="module")
def nhanes() -> pd.DataFrame:
    return pd.read_csv(DATA / "nhanes_s4.csv")


@pytest.fixture(scope="module")
def election() -> pd.DataFrame:
    df = pd.read_csv(DATA / "election_pps_s4.csv")
    df["nader"] = df["Nader"] > 0  # R: svyby(..., ~I(Nader > 0), ...)
    return df


DSTRAT = Design(weights="pw", strata="stype", fpc="fpc")  # svydesign(id=~1, strata=~stype, ...)
DCLUS1 = Design(weights="pw", ids="dnum", fpc="fpc")  # svydesign(id=~dnum, weights=~pw, fpc=~fpc)
DNHANES = Design(weights="WTMEC2YR", ids="SDMVPSU", strata="SDMVSTRA", nest=True)
POP_TYPES = pd.DataFrame({"stype": ["E", "H", "M"], "Freq": [4421, 755, 1018]})


# --------------------------------------------------------------------------- svyciprop


@pytest.mark.parametrize("method", ["logit", "likelihood", "xlogit", "asin", "beta", "mean"])
def test_svyciprop_methods(method: str, apistrat: pd.DataFrame, apiclus1: pd.DataFrame) -> None:
    for name, data, design in (("dstrat", apistrat, DSTRAT), ("dclus1", apiclus1, DCLUS1)):
        out = estimate(data, design, [Request("proportion", "yes")], ci=method)  # type: ignore[arg-type]
        got = out[["estimate", "se", "ci_low", "ci_high"]].iloc[0]
        assert_r(got, f"ciprop_{name}_{method}")


# "beta": with na.rm R's Korn-Graubard df uses nrow(design), the rows *with* the missing values.
@pytest.mark.parametrize("method", ["logit", "likelihood", "xlogit", "asin", "beta", "mean"])
def test_svyciprop_with_na_rm(method: str, nhanes: pd.DataFrame) -> None:
    out = estimate(nhanes, DNHANES, [Request("proportion", "HI_CHOL")], ci=method, na_rm=True)  # type: ignore[arg-type]
    assert_r(out[["estimate", "se", "ci_low", "ci_high"]].iloc[0], f"ciprop_nhanes_{method}")


def test_asin_differs_from_logit(apistrat: pd.DataFrame) -> None:
    a = estimate(apistrat, DSTRAT, [Request("proportion", "yes")], ci="asin")
    b = estimate(apistrat, DSTRAT, [Request("proportion", "yes")], ci="logit")
    assert abs(float(a["ci_low"].iloc[0]) - float(b["ci_low"].iloc[0])) > 1e-3


# --------------------------------------------------------------------------- postStratify


def test_poststratify_mean_total_ratio(apiclus1: pd.DataFrame) -> None:
    ps = PostStratified(DCLUS1, ("stype",), POP_TYPES)
    assert_est_se(estimate(apiclus1, ps, [Request("mean", "api00")]), "ps_mean_api00")
    assert_est_se(estimate(apiclus1, ps, [Request("total", "enroll")]), "ps_total_enroll")
    assert_est_se(
        estimate(apiclus1, ps, [Request("mean", "api00"), Request("mean", "api99")]), "ps_mean_api00_api99"
    )
    assert_est_se(estimate(apiclus1, ps, [Request("ratio", "api00", "api99")]), "ps_ratio")
    assert_est_se(estimate(apiclus1, ps, [Request("mean", "yes")]), "ps_mean_yes")


def test_poststratify_by_domains(apiclus1: pd.DataFrame) -> None:
    ps = PostStratified(DCLUS1, "stype", POP_TYPES)
    out = estimate(apiclus1, ps, [Request("mean", "api00")], by="yes")
    assert out["yes"].tolist() == [0, 1]
    assert_est_se(out, "ps_by_yes_mean_api00")
    out = estimate(apiclus1, ps, [Request("total", "enroll")], by="stype")
    assert out["stype"].tolist() == ["E", "H", "M"]
    assert_est_se(out, "ps_by_stype_total_enroll")


def test_poststratify_two_columns_and_file_input(apiclus1: pd.DataFrame, tmp_path: Path) -> None:
    pop = pd.read_csv(DATA / "apipop_types_s4.csv")
    ps = PostStratified(DCLUS1, ("stype", "sch.wide"), pop)
    path = tmp_path / "apiclus1.parquet"
    apiclus1.to_parquet(path)
    assert_est_se(estimate(path, ps, [Request("mean", "api00")]), "ps2_mean_api00")
    assert_est_se(estimate(path, ps, [Request("total", "enroll")]), "ps2_total_enroll")
    one = PostStratified(DCLUS1, ("stype",), POP_TYPES)
    assert_est_se(estimate(DATA / "apiclus1_s4.csv", one, [Request("mean", "api00")]), "ps_mean_api00")
    assert_est_se(estimate(apiclus1, ps, [Request("mean", "api00")], by="stype"), "ps2_by_stype_mean_api00")
    # the same population as a mapping from (stype, sch.wide) to count
    mapping = {(r.stype, r._2): float(r.Freq) for r in pop.itertuples()}
    ps_map = PostStratified(DCLUS1, ("stype", "sch.wide"), mapping)
    assert_est_se(estimate(apiclus1, ps_map, [Request("mean", "api00")]), "ps2_mean_api00")


def test_poststratify_stratified_design_with_na_rm(apistrat: pd.DataFrame) -> None:
    pop = pd.read_csv(DATA / "apipop_types_s4.csv")
    pop_e = pop[pop["stype"] == "E"][["sch.wide", "Freq"]]
    ps = PostStratified(DSTRAT, ("sch.wide",), pop_e)
    assert_est_se(estimate(apistrat, ps, [Request("mean", "api00")]), "strat_ps_mean_api00")
    assert_est_se(estimate(apistrat, ps, [Request("mean", "acs.46")], na_rm=True), "strat_ps_mean_acs46")


def test_poststratify_bad_population(apiclus1: pd.DataFrame) -> None:
    short = POP_TYPES[POP_TYPES["stype"] != "H"]
    with pytest.raises(SurveyDesignError) as info:
        estimate(apiclus1, PostStratified(DCLUS1, ("stype",), short), [Request("mean", "api00")])
    assert "stype=H" in str(info.value)
    assert info.value.column == "stype"
    extra = pd.concat([POP_TYPES, pd.DataFrame({"stype": ["X"], "Freq": [10]})])
    with pytest.raises(SurveyDesignError, match="partial=True"):
        estimate(apiclus1, PostStratified(DCLUS1, ("stype",), extra), [Request("mean", "api00")])
    out = estimate(
        apiclus1, PostStratified(DCLUS1, ("stype",), extra, partial=True), [Request("mean", "api00")]
    )
    assert_est_se(out, "ps_mean_api00")


# --------------------------------------------------------------------------- PPS


def _pps_designs() -> list[tuple[str, PPS]]:
    joint = pd.read_csv(DATA / "election_jointprob_s4.csv").to_numpy()
    return [
        ("dbrewer", PPS("p")),
        ("doverton", PPS("p", "overton")),
        ("dppsmat", PPS("p", "ht", joint=joint)),
    ]


@pytest.mark.parametrize("name,design", _pps_designs())
def test_pps_without_replacement(name: str, design: PPS, election: pd.DataFrame) -> None:
    totals = estimate(election, design, [Request("total", "Bush"), Request("total", "Kerry")])
    assert_est_se(totals, f"{name}_total")
    assert_est_se(
        estimate(election, design, [Request("mean", "Bush"), Request("mean", "Kerry")]), f"{name}_mean"
    )
    assert_est_se(estimate(election, design, [Request("ratio", "Bush", "votes")]), f"{name}_ratio")
    by = estimate(election, design, [Request("total", "Kerry")], by="nader")
    assert by["nader"].tolist() == [False, True]
    assert_est_se(by, f"{name}_by_total")
    assert totals["df"].iloc[0] == int(ref(f"{name}_degf")[0])


def test_pps_methods_give_different_total_ses(election: pd.DataFrame) -> None:
    ses = [float(estimate(election, d, [Request("total", "Bush")])["se"].iloc[0]) for _, d in _pps_designs()]
    assert len({round(s) for s in ses}) == 3


def test_pps_bad_input(election: pd.DataFrame) -> None:
    bad = election.copy()
    bad.loc[5, "p"] = 1.5
    with pytest.raises(SurveyDesignError) as info:
        estimate(bad, PPS("p"), [Request("total", "Bush")])
    assert (info.value.column, info.value.row) == ("p", 5)
    with pytest.raises(SurveyDesignError, match="joint"):
        PPS("p", "ht")
    with pytest.raises(SurveyDesignError, match="40 PSUs"):
        estimate(election, PPS("p", "ht", joint=np.eye(3)), [Request("total", "Bush")])


# --------------------------------------------------------------------------- na.rm


def test_na_rm_means_totals_and_domains(nhanes: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "nhanes.parquet"
    nhanes.to_parquet(path)
    csv = tmp_path / "nhanes.csv"  # missing values as empty fields (R writes "NA")
    nhanes.to_csv(csv, index=False)
    for data in (nhanes, path, csv):
        out = estimate(data, DNHANES, [Request("mean", "HI_CHOL"), Request("total", "HI_CHOL")], na_rm=True)
        assert_est_se(out.iloc[:1], "nhanes_mean_hichol")
        assert_est_se(out.iloc[1:], "nhanes_total_hichol")
    by = estimate(
        nhanes, DNHANES, [Request("mean", "HI_CHOL"), Request("total", "HI_CHOL")], by="race", na_rm=True
    )
    assert by["race"].tolist() == [1, 2, 3, 4, 1, 2, 3, 4]
    assert_est_se(by.iloc[:4], "nhanes_by_race_mean_hichol")
    assert_est_se(by.iloc[4:], "nhanes_by_race_total_hichol")


def test_na_rm_without_it_is_an_error(nhanes: pd.DataFrame) -> None:
    with pytest.raises(SurveyDesignError) as info:
        estimate(nhanes, DNHANES, [Request("mean", "HI_CHOL")])
    first = int(np.flatnonzero(nhanes["HI_CHOL"].isna().to_numpy())[0])
    assert (info.value.column, info.value.row) == ("HI_CHOL", first)
    assert "na_rm=True" in str(info.value)


def test_na_rm_per_request_and_ratio(apistrat: pd.DataFrame, apiclus1: pd.DataFrame) -> None:
    out = estimate(
        apistrat,
        DSTRAT,
        [Request("mean", "acs.k3"), Request("total", "acs.46"), Request("ratio", "acs.k3", "acs.46"),
         Request("mean", "api00")],
        na_rm=True,
    )  # fmt: skip
    assert out["variable"].tolist() == ["acs.k3", "acs.46", "acs.k3/acs.46", "api00"]
    assert_est_se(out.iloc[:1], "apistrat_mean_acsk3")
    assert_est_se(out.iloc[1:2], "apistrat_total_acs46")
    assert_r(out["estimate"].iloc[2:3], "apistrat_ratio_k3_46_est")
    assert_r(out["se"].iloc[2:3], "apistrat_ratio_k3_46_se")
    assert int(out["n"].iloc[3]) == len(apistrat)
    assert_est_se(estimate(apiclus1, DCLUS1, [Request("mean", "acs.46")], na_rm=True), "apiclus1_mean_acs46")


def test_na_in_by_column_is_dropped_as_svyby(apistrat: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "apistrat.csv"
    apistrat.to_csv(path, index=False)
    for data in (apistrat, path):
        out = estimate(data, DSTRAT, [Request("mean", "api00")], by="band")
        assert out["band"].tolist() == ["(0,18]", "(18,20]", "(20,Inf]"]
        assert_est_se(out, "apistrat_by_band_mean_api00")
    out = estimate(apistrat, DSTRAT, [Request("mean", "acs.46")], by="band", na_rm=True)
    assert_est_se(out, "apistrat_by_band_mean_acs46")


# --------------------------------------------------------------------------- R re-derivation


@pytest.mark.r
def test_committed_s4_references_are_rs(r_available: None, tmp_path: Path) -> None:
    proc = subprocess.run(
        ["Rscript", str(SCRIPT), str(tmp_path)], capture_output=True, text=True, cwd=DATA.parent.parent.parent
    )
    assert proc.returncode == 0, proc.stderr
    for name in FILES:
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / name), pd.read_csv(DATA / name), obj=name)
    fresh = _read_refs(tmp_path / "references_s4.tsv")
    assert fresh.keys() == REFS.keys()
    for name, values in fresh.items():
        np.testing.assert_allclose(
            [float(v) for v in values], [float(v) for v in REFS[name]], rtol=1e-12, atol=0, err_msg=name
        )


def test_poststratify_docstring_example_runs() -> None:
    import doctest

    import cyberbeeld.survey.poststratify as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------- svyglm


def assert_glm(out: pd.DataFrame, name: str) -> None:
    assert_r(out["estimate"], f"{name}_coef")
    assert_r(out["se"], f"{name}_se")
    assert int(out["df"].iloc[0]) == int(ref(f"{name}_df")[0])


def test_svyglm_linear_and_logistic(apistrat: pd.DataFrame, apiclus1: pd.DataFrame) -> None:
    out = svyglm(apistrat, DSTRAT, "api00", ["ell", "meals"])
    assert out["term"].tolist() == ["(Intercept)", "ell", "meals"]
    assert_glm(out, "glm_strat_lin")
    assert_glm(svyglm(apistrat, DSTRAT, "yes", "ell", family="quasibinomial"), "glm_strat_logit")
    assert_glm(svyglm(apiclus1, DCLUS1, "api00", ["ell", "meals", "mobility"]), "glm_clus1_lin")
    assert_glm(svyglm(apiclus1, DCLUS1, "yes", ["ell", "meals"], family="quasibinomial"), "glm_clus1_logit")


def test_svyglm_missing_values_poststratified_and_pps(
    nhanes: pd.DataFrame, apistrat: pd.DataFrame, apiclus1: pd.DataFrame, election: pd.DataFrame
) -> None:
    out = svyglm(nhanes, DNHANES, "HI_CHOL", ["race", "RIAGENDR"], family="quasibinomial")
    assert_glm(out, "glm_nhanes_logit")
    assert_glm(svyglm(apistrat, DSTRAT, "api00", ["acs.46", "meals"]), "glm_strat_lin_na")
    ps = PostStratified(DCLUS1, ("stype",), POP_TYPES)
    assert_glm(svyglm(apiclus1, ps, "api00", ["ell", "meals"]), "glm_ps_lin")
    assert_glm(svyglm(election, PPS("p"), "Kerry", "Bush"), "glm_brewer_lin")


def test_svyglm_bad_input(apistrat: pd.DataFrame) -> None:
    with pytest.raises(SurveyDesignError, match="between 0 and 1"):
        svyglm(apistrat, DSTRAT, "api00", "ell", family="quasibinomial")
    with pytest.raises(SurveyDesignError) as info:
        svyglm(apistrat, DSTRAT, "stype", "ell")
    assert (info.value.column, info.value.row) == ("stype", 0)


def test_svyciprop_beta_by_domain_with_na_rm(nhanes: pd.DataFrame) -> None:
    out = estimate(nhanes, DNHANES, [Request("proportion", "HI_CHOL")], by="race", ci="beta", na_rm=True)
    got = np.concatenate([out[c].to_numpy() for c in ("estimate", "se", "ci_low", "ci_high")])
    assert_r(got, "ciprop_nhanes_by_race_beta")


@pytest.mark.parametrize("method", ["logit", "beta", "asin"])
def test_svyciprop_on_poststratified_design(method: str, apiclus1: pd.DataFrame) -> None:
    ps = PostStratified(DCLUS1, ("stype",), POP_TYPES)
    out = estimate(apiclus1, ps, [Request("proportion", "yes")], ci=method)  # type: ignore[arg-type]
    assert_r(out[["estimate", "se", "ci_low", "ci_high"]].iloc[0], f"ciprop_ps_{method}")


def test_svyciprop_beta_by_domain_on_poststratified_design(apiclus1: pd.DataFrame) -> None:
    ps = PostStratified(DCLUS1, ("stype",), POP_TYPES)
    out = estimate(apiclus1, ps, [Request("proportion", "yes")], by="stype", ci="beta")
    got = np.concatenate([out[c].to_numpy() for c in ("estimate", "se", "ci_low", "ci_high")])
    assert_r(got, "ciprop_ps_by_stype_beta")


@pytest.mark.parametrize("name,design", _pps_designs())
def test_svyciprop_beta_on_pps_designs(name: str, design: PPS, election: pd.DataFrame) -> None:
    out = estimate(election, design, [Request("proportion", "nader")], ci="beta")
    assert_r(out[["estimate", "se", "ci_low", "ci_high"]].iloc[0], f"ciprop_{name}_beta")


def test_svyciprop_likelihood_by_domains_and_levels(
    nhanes: pd.DataFrame, apistrat: pd.DataFrame, apiclus1: pd.DataFrame
) -> None:
    def flat(out: pd.DataFrame) -> np.ndarray:
        return np.concatenate([out[c].to_numpy() for c in ("estimate", "se", "ci_low", "ci_high")])

    out = estimate(
        nhanes, DNHANES, [Request("proportion", "HI_CHOL")], by="race", ci="likelihood", na_rm=True
    )
    assert_r(flat(out), "ciprop_nhanes_by_race_likelihood")
    out = estimate(apistrat, DSTRAT, [Request("proportion", "yes")], by="stype", ci="likelihood")
    assert_r(flat(out), "ciprop_dstrat_by_stype_likelihood")
    out = estimate(
        apiclus1, DCLUS1, [Request("proportion", "stype"), Request("mean", "api00")], ci="likelihood"
    )
    assert out["variable"].tolist() == ["stype=E", "stype=H", "stype=M", "api00"]
    for i, lev in enumerate("EHM"):
        assert_r(out[["estimate", "se", "ci_low", "ci_high"]].iloc[i], f"ciprop_dclus1_stype{lev}_likelihood")
    # the mean keeps its normal interval
    api00 = out.iloc[3]
    assert float(api00["ci_high"] - api00["estimate"]) == pytest.approx(
        1.959963984540054 * float(api00["se"])
    )


def test_svyciprop_likelihood_from_a_file_and_not_for_calibrated_designs(
    apistrat: pd.DataFrame, apiclus1: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "apistrat.parquet"
    apistrat.to_parquet(path)
    out = estimate(path, DSTRAT, [Request("proportion", "yes")], ci="likelihood")
    assert_r(out[["estimate", "se", "ci_low", "ci_high"]].iloc[0], "ciprop_dstrat_likelihood")
    ps = PostStratified(DCLUS1, ("stype",), POP_TYPES)
    with pytest.raises(SurveyDesignError, match="plain designs"):
        estimate(apiclus1, ps, [Request("proportion", "yes")], ci="likelihood")


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize("method", ["likelihood", "asin", "xlogit"])
def test_cli_offers_the_new_interval_methods(method: str, tmp_path: Path) -> None:
    from cyberbeeld.survey.cli import main

    out = tmp_path / "est.csv"
    code = main(
        [
            "estimate", str(DATA / "apistrat_s4.csv"), "--weights", "pw", "--strata", "stype",
            "--fpc", "fpc", "--proportion", "yes", "--ci", method, "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    table = pd.read_csv(out)
    assert_r(table[["estimate", "se", "ci_low", "ci_high"]].iloc[0], f"ciprop_dstrat_{method}")


def test_na_rm_proportions_of_a_categorical_column(apistrat: pd.DataFrame) -> None:
    out = estimate(apistrat, DSTRAT, [Request("proportion", "band")], na_rm=True)
    assert out["variable"].tolist() == ["band=(0,18]", "band=(18,20]", "band=(20,Inf]"]
    assert_est_se(out, "apistrat_mean_band")
    pop = pd.read_csv(DATA / "apipop_types_s4.csv")
    ps = PostStratified(DSTRAT, ("sch.wide",), pop[pop["stype"] == "E"][["sch.wide", "Freq"]])
    assert_est_se(estimate(apistrat, ps, [Request("proportion", "band")], na_rm=True), "strat_ps_mean_band")


@pytest.mark.spark
def test_na_rm_on_spark_equals_r(nhanes: pd.DataFrame, apistrat: pd.DataFrame, tmp_path: Path) -> None:
    from cyberbeeld.survey.engine import spark_available

    if not spark_available():
        pytest.skip("pyspark is not installed")
    path = tmp_path / "nhanes.parquet"
    nhanes.to_parquet(path)
    out = estimate(path, DNHANES, [Request("mean", "HI_CHOL")], by="race", na_rm=True, engine="spark")
    assert_est_se(out, "nhanes_by_race_mean_hichol")
    strat = tmp_path / "apistrat.parquet"
    apistrat.to_parquet(strat)
    out = estimate(strat, DSTRAT, [Request("mean", "api00")], by="band", engine="spark")
    assert_est_se(out, "apistrat_by_band_mean_api00")
    out = estimate(path, DNHANES, [Request("proportion", "HI_CHOL")], ci="beta", na_rm=True, engine="spark")
    assert_r(out[["estimate", "se", "ci_low", "ci_high"]].iloc[0], "ciprop_nhanes_beta")
