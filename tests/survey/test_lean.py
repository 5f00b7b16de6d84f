"""The one-query path of ``cyberbeeld estimate`` (survey/lean.py) gives the general engine's numbers.

The general engine (estimators.estimate) is R-checked in test_against_r.py and test_r_features_s4.py;
here the lean path is checked against it, on R's apistrat and on synthetic data that stress the
centring (values far from zero), 0/1 columns (integer and float), fpc as population sizes and as
fractions, a census stratum and domains that cut across strata -- and it must hand every case it
does not cover back to the general engine (``None``), so that errors keep their wording.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cyberbeeld
from cyberbeeld.survey.cli import main
from cyberbeeld.survey.design import Design
from cyberbeeld.survey.estimators import Request, estimate
from cyberbeeld.survey.lean import lean_estimate

DATA = Path(__file__).parent / "data"
COLUMNS = ["estimate", "se", "ci_low", "ci_high", "deff", "n"]


def _general(path: Path, design: Design, requests: list[tuple[str, str]], by: list[str]) -> pd.DataFrame:
    out = estimate(path, design, [Request(s, v) for s, v in requests], by=by)  # type: ignore[arg-type]
    return out[[*by, "variable", "statistic", *COLUMNS]]


def _lean(path: Path, design: Design, requests: list[tuple[str, str]], by: list[str]) -> pd.DataFrame:
    result = lean_estimate(
        path,
        weights=design.weights,
        strata=design.strata,
        fpc=design.fpc,
        ids=design.ids,
        requests=[(s, v, None) for s, v in requests],
        by=by,
    )
    assert result is not None, "the lean path should cover this case"
    header, rows = result
    return pd.DataFrame(rows, columns=header)


def _same(lean: pd.DataFrame, general: pd.DataFrame, by: list[str]) -> None:
    assert list(lean.columns) == list(general.columns)
    assert len(lean) == len(general)
    for col in [*by, "variable", "statistic", "n"]:
        assert lean[col].tolist() == general[col].tolist(), col
    for col in ("estimate", "se", "ci_low", "ci_high", "deff"):
        np.testing.assert_allclose(lean[col], general[col], rtol=1e-12, atol=0, err_msg=col)


def test_apistrat_domain_means_and_totals_as_the_general_engine() -> None:
    path = DATA / "api_caldomain_strat.csv"
    design = Design(weights="pw", strata="stype", fpc="fpc")
    requests = [("mean", "api00"), ("mean", "meals"), ("total", "ell"), ("total", "api99")]
    for by in ([], ["comp.imp"], ["stype"], ["comp.imp", "sch.wide"]):
        _same(_lean(path, design, requests, by), _general(path, design, requests, by), by)


def _synthetic(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    h = rng.integers(0, 7, n)
    counts = np.bincount(h, minlength=7)
    pop = counts * np.array([1.5, 2.0, 3.0, 10.0, 25.0, 100.0, 1000.0])
    frame = pd.DataFrame(
        {
            "h": h,
            "N": pop[h],
            "w": rng.uniform(1, 50, n),
            "wi": rng.integers(1, 9, n),
            "y": rng.normal(1e6, 3, n),  # far from zero: the centring matters
            "b": rng.integers(0, 2, n).astype(np.int8),
            "bf": rng.integers(0, 2, n).astype(np.float64),  # 0/1 as floats
            "u": rng.uniform(0, 1, n),  # floats in [0, 1] that are not 0/1
            "neg": rng.normal(0, 5, n),
            "dom": rng.choice(["a", "b", "c"], n),
            "k": rng.integers(1, 4, n),
        }
    )
    return frame


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
@pytest.mark.parametrize(
    ("weights", "strata", "fpc"),
    [("w", "h", "N"), ("wi", "h", None), ("w", None, None), ("w", "h", "f")],
)
def test_synthetic_designs_as_the_general_engine(
    tmp_path: Path, suffix: str, weights: str | None, strata: str | None, fpc: str | None
) -> None:
    frame = _synthetic(3000, 7)
    counts = frame.groupby("h")["h"].transform("size")
    frame["f"] = counts / frame["N"]  # sampling fractions
    path = tmp_path / f"d{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    design = Design(weights=weights, strata=strata, fpc=fpc or ())
    requests = [("mean", v) for v in ("y", "b", "bf", "u", "neg")] + [("total", v) for v in ("y", "b", "u")]
    for by in ([], ["dom"], ["dom", "k"], ["h"]):
        _same(_lean(path, design, requests, by), _general(path, design, requests, by), by)


def test_a_census_stratum(tmp_path: Path) -> None:
    frame = _synthetic(400, 3)
    counts = frame.groupby("h")["h"].transform("size")
    frame.loc[frame["h"] == 0, "N"] = counts[frame["h"] == 0]  # every unit of stratum 0 sampled
    frame.loc[frame["h"] != 0, "N"] = counts[frame["h"] != 0] * 10
    path = tmp_path / "d.parquet"
    frame.to_parquet(path, index=False)
    design = Design(weights="w", strata="h", fpc="N")
    requests = [("mean", "y"), ("total", "b")]
    _same(_lean(path, design, requests, ["dom"]), _general(path, design, requests, ["dom"]), ["dom"])


def _none(path: Path, **kwargs: object) -> bool:
    args: dict[str, object] = {
        "weights": "w",
        "strata": "h",
        "fpc": ["N"],
        "ids": [],
        "requests": [("mean", "y", None)],
        "by": ["dom"],
    }
    args.update(kwargs)
    return lean_estimate(path, **args) is None  # type: ignore[arg-type]


def test_what_it_does_not_cover_goes_to_the_general_engine(tmp_path: Path) -> None:
    frame = _synthetic(200, 1)
    ok = tmp_path / "ok.parquet"
    frame.to_parquet(ok, index=False)
    assert not _none(ok)
    assert _none(ok, ids=["k"])  # clusters
    assert _none(ok, requests=[("ratio", "y", "w")])
    assert _none(ok, requests=[("proportion", "b", None)])
    assert _none(ok, weights=None)  # weights from the fpc
    assert _none(ok, by=["nope"])  # a missing column: the general engine words it
    assert _none(tmp_path / "absent.parquet")
    cases = {
        "na_by": frame.assign(dom=frame["dom"].where(frame.index != 5)),
        "na_y": frame.assign(y=frame["y"].where(frame.index != 5)),
        "nan_y": frame.assign(y=frame["y"].where(frame.index != 5, np.nan)).astype({"y": "float64"}),
        "inf_w": frame.assign(w=frame["w"].where(frame.index != 5, np.inf)),
        "zero_w": frame.assign(w=frame["w"].where(frame.index != 5, 0.0)),
        "lonely": frame.assign(h=np.where(frame.index == 5, 99, frame["h"]), N=frame["N"]),
        "fpc_varies": frame.assign(N=frame["N"] + (frame.index == 5)),
        "case_names": frame.assign(Y=frame["y"]),
        "text_y": frame.assign(y=frame["y"].astype(str)),
    }
    for name, bad in cases.items():
        path = tmp_path / f"{name}.parquet"
        bad.to_parquet(path, index=False)
        assert _none(path), name
    # NaN in a float column whose Parquet statistics leave it out is caught by the sums
    nan_csv = tmp_path / "nan.csv"
    cases["nan_y"].to_csv(nan_csv, index=False, na_rep="nan")
    assert _none(nan_csv)


def test_cli_writes_the_general_engines_bytes_without_pandas(tmp_path: Path) -> None:
    frame = _synthetic(500, 11)
    path = tmp_path / "d.parquet"
    frame.to_parquet(path, index=False)
    argv = ["estimate", str(path), "--weights", "w", "--strata", "h", "--fpc", "N"]
    argv += ["--mean", "y,b", "--total", "u", "--by", "dom,k", "--out"]
    src = str(Path(cyberbeeld.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    probe = (
        "import json, sys\nfrom cyberbeeld.cli import main\n"
        f"code = main({[*argv, str(tmp_path / 'lean.csv')]!r})\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'ibis', 'scipy', 'pyarrow'})\n"
        "print(json.dumps({'code': code, 'heavy': heavy}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"code": 0, "heavy": []}
    # the general engine's file (through the API, as the CLI wrote it before)
    requests = [("mean", "y"), ("mean", "b"), ("total", "u")]
    general = _general(path, Design(weights="w", strata="h", fpc="N"), requests, ["dom", "k"])
    general.to_csv(tmp_path / "general.csv", index=False, float_format="%.17g")
    lean = pd.read_csv(tmp_path / "lean.csv")
    theirs = pd.read_csv(tmp_path / "general.csv")
    _same(lean, theirs[lean.columns], ["dom", "k"])
    assert (tmp_path / "lean.csv").read_text().splitlines()[0] == "dom,k,variable,statistic,estimate,se,ci_low,ci_high,deff,n"
    # a case the lean path leaves alone still works through the CLI (and words its error)
    bad = tmp_path / "bad.parquet"
    frame.assign(w=frame["w"].where(frame.index != 3, -1.0)).to_parquet(bad, index=False)
    assert main(["estimate", str(bad), "--weights", "w", "--mean", "y", "--out", str(tmp_path / "x.csv")]) == 2
