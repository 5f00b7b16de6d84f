"""The estimation engine against R's survey package, to relative 1e-9."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cyberbeeld.survey import SurveyDesignError
from cyberbeeld.survey.design import Design
from cyberbeeld.survey.estimators import (
    Request,
    domain_difference,
    estimate,
    svymean,
    svyproportion,
    svyratio,
    svytotal,
)
from cyberbeeld.survey.variance import design_covariance

pytestmark = pytest.mark.r
RTOL = 1e-9


def close(ours: object, theirs: np.ndarray, rtol: float = RTOL) -> None:
    np.testing.assert_allclose(np.asarray(ours, dtype=float).ravel(), theirs, rtol=rtol, atol=0)


# --------------------------------------------------------------------------- variance.py


def test_design_covariance_matches_svyrecvar(api, r):
    res = r(
        """
        d <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
        out("strat", vcov(svytotal(~api00+enroll, d)))
        d <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
        out("clus1", vcov(svytotal(~api00+enroll, d)))
        d <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)
        out("clus2", vcov(svytotal(~api00, d)))
        d <- svydesign(id=~dnum+snum, weights=~pw, data=apiclus2)
        out("clus2_uc", vcov(svytotal(~api00, d)))
        d <- svydesign(id=~1, weights=~pw, data=apisrs, fpc=~fpc)
        out("srs", vcov(svymean(~api00+api99, d)))
        """
    )
    a = api["apistrat"]
    z = a[["api00", "enroll"]].to_numpy() * a["pw"].to_numpy()[:, None]
    close(design_covariance(z, strata=a["stype"], fpc1=a["fpc"]).ravel(order="F"), res["strat"])
    c1 = api["apiclus1"]
    z = c1[["api00", "enroll"]].to_numpy() * c1["pw"].to_numpy()[:, None]
    close(design_covariance(z, psu=c1["dnum"], fpc1=c1["fpc"]).ravel(order="F"), res["clus1"])
    c2 = api["apiclus2"]
    z = c2["api00"].to_numpy() * c2["pw"].to_numpy()
    close(
        design_covariance(z, psu=c2["dnum"], ssu=c2["snum"], fpc1=c2["fpc1"], fpc2=c2["fpc2"]), res["clus2"]
    )
    close(design_covariance(z, psu=c2["dnum"], ssu=c2["snum"]), res["clus2_uc"])
    s = api["apisrs"]
    y = s[["api00", "api99"]].to_numpy()
    w = s["pw"].to_numpy()
    scores = (y - (w @ y) / w.sum()) * (w / w.sum())[:, None]
    close(design_covariance(scores, fpc1=s["fpc"]).ravel(order="F"), res["srs"])


# --------------------------------------------------------------------------- whole sample


def _r_stat(r, design_code: str, call: str) -> dict[str, np.ndarray]:
    return r(
        f"""
        d <- {design_code}
        s <- {call}
        out("est", coef(s)); out("se", SE(s)); out("deff", deff(s))
        """
    )


DESIGNS = {
    "srs": (
        "svydesign(id=~1, weights=~pw, data=apisrs, fpc=~fpc)",
        "apisrs",
        Design(weights="pw", fpc="fpc"),
    ),
    "strat": (
        "svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)",
        "apistrat",
        Design(weights="pw", strata="stype", fpc="fpc"),
    ),
    "clus1": (
        "svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)",
        "apiclus1",
        Design(weights="pw", ids="dnum", fpc="fpc"),
    ),
    "clus2": (
        "svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)",
        "apiclus2",
        Design(ids=("dnum", "snum"), fpc=("fpc1", "fpc2")),
    ),
    "clus2_weights_only": (
        "svydesign(id=~dnum+snum, weights=~pw, data=apiclus2)",
        "apiclus2",
        Design(weights="pw", ids=("dnum", "snum")),
    ),
    "strat_nofpc": (
        "svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat)",
        "apistrat",
        Design(weights="pw", strata="stype"),
    ),
}


# apiclus2 has missing enroll: R's na.rm=TRUE is a subset(), tested as a domain below.
@pytest.mark.parametrize("name", [n for n in DESIGNS if not n.startswith("clus2")])
@pytest.mark.parametrize("statistic", ["mean", "total"])
def test_mean_and_total(api, r, name, statistic):
    code, table, design = DESIGNS[name]
    res = _r_stat(r, code, f"svy{statistic}(~api00+enroll, d, deff=TRUE)")
    data = api[table]
    fn = svymean if statistic == "mean" else svytotal
    ours = fn(data, design, ["api00", "enroll"])
    close(ours["estimate"], res["est"])
    close(ours["se"], res["se"])
    close(ours["deff"], res["deff"], rtol=1e-8)


@pytest.mark.parametrize("name", ["clus2", "clus2_weights_only"])
def test_two_stage(api, r, name):
    code, table, design = DESIGNS[name]
    res = r(
        f"""
        d <- {code}
        m <- svymean(~api00+api99, d, deff=TRUE); t <- svytotal(~api00+api99, d, deff=TRUE)
        out("m", coef(m)); out("mse", SE(m)); out("mdeff", deff(m))
        out("t", coef(t)); out("tse", SE(t)); out("tdeff", deff(t))
        """
    )
    ours = estimate(
        api[table],
        design,
        [
            Request("mean", "api00"),
            Request("mean", "api99"),
            Request("total", "api00"),
            Request("total", "api99"),
        ],
    )
    close(ours["estimate"], np.r_[res["m"], res["t"]])
    close(ours["se"], np.r_[res["mse"], res["tse"]])
    close(ours["deff"], np.r_[res["mdeff"], res["tdeff"]], rtol=1e-8)


# --------------------------------------------------------------------------- domains


@pytest.mark.parametrize("name", ["srs", "strat", "clus1", "clus2", "clus2_weights_only"])
@pytest.mark.parametrize("statistic", ["mean", "total"])
def test_domains_svyby(api, r, name, statistic):
    code, table, design = DESIGNS[name]
    res = r(
        f"""
        d <- {code}
        b <- svyby(~api00, ~stype, d, svy{statistic}, deff=TRUE)
        out("est", coef(b)); out("se", SE(b)); out("deff", deff(b))
        b2 <- svyby(~api99, ~stype+awards, d, svy{statistic})
        out("est2", coef(b2)); out("se2", SE(b2))
        """
    )
    fn = svymean if statistic == "mean" else svytotal
    ours = fn(api[table], design, "api00", by="stype")
    assert list(ours["stype"]) == ["E", "H", "M"]
    close(ours["estimate"], res["est"])
    close(ours["se"], res["se"])
    close(ours["deff"], res["deff"], rtol=1e-8)
    # R's svyby orders groups with the first factor varying fastest.
    ours2 = fn(api[table], design, "api99", by=["stype", "awards"]).sort_values(["awards", "stype"])
    close(ours2["estimate"], res["est2"])
    close(ours2["se"], res["se2"])


def test_domain_with_missing_values_is_subset(api, r):
    """Estimating on the non-missing rows equals R's subset(): the variance uses the full design."""
    res = r(
        """
        d <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)
        s <- subset(d, !is.na(enroll))
        m <- svymean(~enroll, s); out("est", coef(m)); out("se", SE(m))
        """
    )
    data = api["apiclus2"].assign(has=lambda x: x["enroll"].notna(), enroll=lambda x: x["enroll"].fillna(0))
    ours = svymean(data, DESIGNS["clus2"][2], "enroll", by="has")
    row = ours[ours["has"]]
    close(row["estimate"], res["est"])
    close(row["se"], res["se"])


# --------------------------------------------------------------------------- proportions and ratios


@pytest.mark.parametrize("method", ["logit", "beta", "wald"])
@pytest.mark.parametrize("name", ["strat", "clus1", "clus2"])
def test_proportion_ci(api, r, name, method):
    code, table, design = DESIGNS[name]
    rmethod = "mean" if method == "wald" else method
    res = r(
        f"""
        d <- {code}
        d <- update(d, yes = as.numeric(sch.wide == "Yes"))
        p <- svyciprop(~yes, d, method="{rmethod}")
        out("est", coef(p)); out("se", SE(p)); out("ci", attr(p, "ci"))
        b <- svyby(~yes, ~stype, d, svyciprop, method="{rmethod}", vartype=c("se", "ci"))
        out("best", coef(b)); out("bse", SE(b)); out("bci", c(b$ci_l, b$ci_u))
        """
    )
    data = api[table].assign(yes=lambda x: (x["sch.wide"] == "Yes").astype(int))
    ours = svyproportion(data, design, "yes", ci=method)
    close(ours["estimate"], res["est"])
    close(ours["se"], res["se"])
    close(ours[["ci_low", "ci_high"]].to_numpy().ravel(), res["ci"], rtol=1e-8)
    byd = svyproportion(data, design, "yes", ci=method, by="stype")
    close(byd["estimate"], res["best"])
    close(byd["se"], res["bse"])
    close(np.r_[byd["ci_low"], byd["ci_high"]], res["bci"], rtol=1e-8)


def test_categorical_proportions(api, r):
    res = r(
        """
        d <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
        m <- svymean(~factor(awards), d, deff=TRUE); out("est", coef(m)); out("se", SE(m))
        """
    )
    ours = svyproportion(api["apistrat"], DESIGNS["strat"][2], "awards")
    assert list(ours["variable"]) == ["awards=No", "awards=Yes"]
    close(ours["estimate"], res["est"])
    close(ours["se"], res["se"])


@pytest.mark.parametrize(
    ("name", "num", "den"),
    [
        ("strat", "api.stu", "enroll"),
        ("clus1", "api.stu", "enroll"),
        ("srs", "api.stu", "enroll"),
        ("clus2", "api00", "api99"),
    ],
)
def test_ratio(api, r, name, num, den):
    code, table, design = DESIGNS[name]
    res = r(
        f"""
        d <- {code}
        s <- svyratio(~{num}, ~{den}, d, deff=TRUE)
        out("est", coef(s)); out("se", SE(s)); out("deff", deff(s))
        b <- svyby(~{num}, ~stype, d, svyratio, denominator=~{den})
        out("best", coef(b)); out("bse", SE(b))
        """
    )
    data = api[table]
    ours = svyratio(data, design, num, den)
    close(ours["estimate"], res["est"])
    close(ours["se"], res["se"])
    close(ours["deff"], res["deff"], rtol=1e-8)
    byd = svyratio(data, design, num, den, by="stype")
    close(byd["estimate"], res["best"])
    close(byd["se"], res["bse"])


def test_domain_difference_matches_svycontrast(api, r):
    res = r(
        """
        d <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
        b <- svyby(~api00, ~stype, d, svymean, covmat=TRUE)
        cc <- svycontrast(b, c(E=1, H=0, M=-1)); out("est", coef(cc)); out("se", SE(cc))
        d2 <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
        b2 <- svyby(~enroll, ~awards, d2, svytotal, covmat=TRUE)
        c2 <- svycontrast(b2, c(No=1, Yes=-1)); out("est2", coef(c2)); out("se2", SE(c2))
        """
    )
    diff = domain_difference(
        api["apiclus1"], DESIGNS["clus1"][2], Request("mean", "api00"), by="stype", first="E", second="M"
    )
    close(diff.estimate, res["est"])
    close(diff.se, res["se"])
    diff2 = domain_difference(
        api["apistrat"],
        DESIGNS["strat"][2],
        Request("total", "enroll"),
        by="awards",
        first="No",
        second="Yes",
    )
    close(diff2.estimate, res["est2"])
    close(diff2.se, res["se2"])
    assert 0 <= diff2.p_value <= 1


# --------------------------------------------------------------------------- lonely PSUs


LONELY_DATA = """
lon <- apiclus1
lon$st <- ifelse(lon$dnum %in% c(61, 135), paste0("lone", lon$dnum), ifelse(lon$dnum < 400, "low", "high"))
"""


def _lonely_frame(api: dict[str, pd.DataFrame]) -> pd.DataFrame:
    lon = api["apiclus1"].copy()
    lon["st"] = np.where(
        lon["dnum"].isin([61, 135]),
        "lone" + lon["dnum"].astype(str),
        np.where(lon["dnum"] < 400, "low", "high"),
    )
    return lon


@pytest.mark.parametrize("rule", ["remove", "adjust", "average", "certainty"])
def test_lonely_psu_options(api, r, rule):
    res = r(
        LONELY_DATA
        + f"""
        options(survey.lonely.psu="{rule}")
        d <- svydesign(id=~dnum, strata=~st, weights=~pw, data=lon)
        m <- svymean(~api00, d); out("m", coef(m)); out("mse", SE(m))
        t <- svytotal(~enroll, d); out("tse", SE(t))
        b <- svyby(~api00, ~stype, d, svymean); out("best", coef(b)); out("bse", SE(b))
        """
    )
    lon = _lonely_frame(api)
    design = Design(weights="pw", ids="dnum", strata="st", lonely_psu=rule)
    ours = estimate(lon, design, [Request("mean", "api00"), Request("total", "enroll")])
    close(ours["estimate"].iloc[0], res["m"])
    close(ours["se"].iloc[0], res["mse"])
    close(ours["se"].iloc[1], res["tse"])
    byd = svymean(lon, design, "api00", by="stype")
    close(byd["estimate"], res["best"])
    close(byd["se"], res["bse"])


def test_lonely_psu_fail(api, r):
    lon = _lonely_frame(api)
    with pytest.raises(SurveyDesignError, match="only one PSU") as info:
        svymean(lon, Design(weights="pw", ids="dnum", strata="st"), "api00")
    assert info.value.column == "st"
    assert info.value.row == int(np.flatnonzero(lon["st"].str.startswith("lone").to_numpy())[0])
    res = r(
        LONELY_DATA
        + """
        d <- svydesign(id=~dnum, strata=~st, weights=~pw, data=lon)
        out("failed", inherits(try(svymean(~api00, d), silent=TRUE), "try-error"))
        """
    )
    assert res["failed"][0] == 1


@pytest.mark.parametrize("name", ["strat", "clus1", "clus2"])
def test_quantiles_woodruff(api, r, name):
    from cyberbeeld.survey.quantiles import svyquantile

    code, table, design = DESIGNS[name]
    res = r(
        f"""
        d <- {code}
        q <- svyquantile(~api00, d, c(0.25, 0.5, 0.9))
        out("q", q$api00[, 1]); out("lo", q$api00[, 2]); out("hi", q$api00[, 3]); out("se", q$api00[, 4])
        b <- svyby(~api00, ~stype, d, svyquantile, quantiles=0.5, ci=TRUE)
        out("bq", coef(b)); out("bse", SE(b))
        """
    )
    ours = svyquantile(api[table], design, "api00", [0.25, 0.5, 0.9])
    close(ours["estimate"], res["q"])
    close(ours["ci_low"], res["lo"])
    close(ours["ci_high"], res["hi"])
    close(ours["se"], res["se"])
    byd = svyquantile(api[table], design, "api00", [0.5], by="stype")
    close(byd["estimate"], res["bq"])
    close(byd["se"], res["bse"])
