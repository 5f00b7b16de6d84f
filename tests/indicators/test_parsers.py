"""Tests of the pure indicator parsers (no Django, no database).

Real files are read from the shared data directory (CYBERBEELD_SHARED_DATA, default
<repo>/../shared/data); nothing is copied into the repository. Synthetic CBS tables are built
in tmp_path, consistent with the real code lists (which are linked, not copied, there).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cyberbeeld.indicators.parsers import (
    Format,
    ParsedObservation,
    ParsedTable,
    ParseError,
    Period,
    normalise_area_code,
    parse,
    parse_decimal,
    parse_period,
    sniff,
)
from cyberbeeld.indicators.parsing.model import Problems
from cyberbeeld.indicators.parsing.readers import read_rows

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("CYBERBEELD_SHARED_DATA", REPO.parent / "shared" / "data"))
POLICE = SHARED / "cbs-police-crime"
CBS83648 = SHARED / "cbs-83648NED"
FIXTURES = Path(__file__).parent / "fixtures"

needs_shared = pytest.mark.skipif(not POLICE.is_dir(), reason="shared data not available")


def _source_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _name_lookup() -> dict[str, str]:
    """Name → code, as the areas app would provide it (here from the CBS population file)."""
    rows = _source_rows(SHARED / "municipalities" / "cbs_population_by_region_2022.csv")
    return {r["Regio"]: r["Key"].strip() for r in rows}


def _values(table: ParsedTable) -> dict[tuple[object, ...], Decimal | None]:
    return {(o.measure_code, o.area, o.period, tuple(sorted(o.dimensions.items()))): o.value for o in table.observations}


# --- cell-level conversions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2012JJ00", Period("year", 2012, 0)),
        ("2012MM03", Period("month", 2012, 3)),
        ("2012KW01", Period("quarter", 2012, 1)),
        ("2012HJ02", Period("halfyear", 2012, 2)),
        ("2012", Period("year", 2012, 0)),
        (2012, Period("year", 2012, 0)),
        (2012.0, Period("year", 2012, 0)),
        ("2012-03", Period("month", 2012, 3)),
        ("2012-03-01", Period("month", 2012, 3)),
        ("2012M03", Period("month", 2012, 3)),
        ("2012-Q4", Period("quarter", 2012, 4)),
        ("Q2 2012", Period("quarter", 2012, 2)),
        ("2012 1e kwartaal", Period("quarter", 2012, 1)),
        ("2012 maart", Period("month", 2012, 3)),
    ],
)
def test_parse_period(text: object, expected: Period) -> None:
    assert parse_period(text)[0] == expected


def test_period_codes_round_trip_and_provisional_marker() -> None:
    assert Period("month", 2012, 3).code == "2012MM03"
    assert parse_period("2023*") == (Period("year", 2023, 0), True)
    for bad in ("2012XX00", "2012KW05", "2012MM13", "abc", "2012-03-15", ""):
        with pytest.raises(ValueError):
            parse_period(bad)


@pytest.mark.parametrize(
    ("cell", "decimal", "expected"),
    [
        ("14.174", ",", Decimal("14174")),
        ("1.234,5", ",", Decimal("1234.5")),
        ("12,5", ",", Decimal("12.5")),
        ("-0,25", ",", Decimal("-0.25")),
        ("14174", ".", Decimal("14174")),
        ("58085.0", ".", Decimal("58085")),
        ("1,234.5", ".", Decimal("1234.5")),
        ("1e-3", ".", Decimal("0.001")),
        ("   4487", ".", Decimal("4487")),
        ("12,5 %", ",", Decimal("12.5")),
        (7, ".", Decimal(7)),
        (0.1, ".", Decimal("0.1")),
        (".", ",", None),
        ("-", ",", None),
        ("x", ".", None),
        ("", ".", None),
    ],
)
def test_parse_decimal(cell: object, decimal: str, expected: Decimal | None) -> None:
    assert parse_decimal(cell, decimal) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("cell", ["abc", "1,2,3", "12.5.1", "Infinity", "1_000"])
def test_parse_decimal_rejects(cell: str) -> None:
    with pytest.raises(ValueError):
        parse_decimal(cell, ".")


def test_area_codes() -> None:
    assert normalise_area_code("GM1680    ") == "GM1680"
    assert normalise_area_code("gm935") == "GM0935"
    assert normalise_area_code("NL00      ") == "NL01"
    assert normalise_area_code("WK168000  ") == "WK168000"
    assert normalise_area_code("PV20  ") == "PV20"
    assert normalise_area_code("RE01") == "RE01"
    assert normalise_area_code("0935") == "GM0935"
    assert normalise_area_code("Maastricht") is None


# --- real police files ------------------------------------------------------------------------


@needs_shared
def test_police_annual_cybercrime_counts_match_source() -> None:
    path = POLICE / "NL_Crime_annual_2012_2023.csv"
    table = parse(path, area="NL01", code_lists={"SoortMisdrijf": POLICE / "politie_jaarcijfers_SoortMisdrijf.csv"})
    assert sniff(path) is Format.TIDY
    source = _source_rows(path)
    assert len(table) == len(source) == 708
    cyber = {o.period.year: o.value for o in table.observations if o.dimensions["SoortMisdrijf"] == "3.7.4"}
    assert cyber[2012] == 4487
    assert cyber[2021] == 14174
    expected = {int(r["year"]): Decimal(r["incident_count"]) for r in source if r["incident_type_code"] == "3.7.4 Cybercrime"}
    assert cyber == expected
    # sums per year over all types (titles mapped to keys; 'Totaal misdrijven' → '0.0.0') equal the source column
    parsed_sum: dict[int, Decimal] = defaultdict(Decimal)
    source_sum: dict[int, int] = defaultdict(int)
    for o in table.observations:
        assert o.value is not None
        parsed_sum[o.period.year] += o.value
        assert o.area == "NL01" and o.period.kind == "year" and o.measure_code == "incident_count"
    for r in source:
        source_sum[int(r["year"])] += int(r["incident_count"])
    assert parsed_sum == source_sum
    total = {o.period.year: o.value for o in table.observations if o.dimensions["SoortMisdrijf"] == "0.0.0"}
    assert total[2012] == 1127869
    assert all(o.source_row == i + 2 for i, o in enumerate(table.observations))


@needs_shared
def test_police_annual_without_code_list_keeps_titles_and_needs_an_area() -> None:
    path = POLICE / "NL_Crime_annual_2012_2023.csv"
    with pytest.raises(ParseError) as err:
        parse(path)
    assert err.value.first.column == "area"
    assert "area='NL01'" in err.value.first.reason_nl
    table = parse(path, area="NL01")
    assert {o.dimensions["SoortMisdrijf"] for o in table.observations} >= {"3.7.4 Cybercrime", "Totaal misdrijven"}


@needs_shared
def test_police_monthly_sums_per_year_match_source() -> None:
    path = POLICE / "NL_Crime_monthly_2012_2023.csv"
    table = parse(path, area="NL01", code_lists={"SoortMisdrijf": POLICE / "politie_jaarcijfers_SoortMisdrijf.csv"})
    source = _source_rows(path)
    assert len(table) == len(source) == 8496
    assert table.observations[0].period == Period("month", 2012, 1)
    assert table.observations[0].measure_code == "frequency"
    parsed: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for o in table.observations:
        assert o.value is not None
        parsed[(o.dimensions["SoortMisdrijf"], o.period.year)] += o.value
    src: dict[int, int] = defaultdict(int)
    for r in source:
        src[int(r["date"][:4])] += int(r["frequency"])
    assert {y: sum(v for (_, yy), v in parsed.items() if yy == y) for y in src} == src
    # the monthly cybercrime counts add up to the annual file's figure where both files agree on 2021
    cyber_2021 = parsed[("3.7.4", 2021)]
    assert cyber_2021 == sum(int(r["frequency"]) for r in source if r["crime_type_code"] == "3.7.4 Cybercrime"
                             and r["date"].startswith("2021"))


# --- real 83648NED extract -------------------------------------------------------------------


@needs_shared
def test_83648_extract_values_for_named_gemeenten() -> None:
    path = CBS83648 / "83648NED_gemeenten_totaal_2010_2020.csv"
    assert sniff(path) is Format.CBS_EXTRACT
    table = parse(path, area_lookup=_name_lookup())
    assert table.metadata.identifier == "83648NED"
    assert len(table) == 4323 * 6
    values = _values(table)
    totaal = (("SoortMisdrijf", "T001161"),)  # 'Misdrijven, totaal' mapped back to its key by the code list
    assert values[("TotaalGeregistreerdeMisdrijven_1", "GM0518", Period("year", 2010), totaal)] == 58085
    assert values[("TotaalGeregistreerdeMisdrijven_1", "GM0935", Period("year", 2019), totaal)] == 8890
    assert values[("GeregistreerdeMisdrijvenPer1000Inw_3", "GM0935", Period("year", 2020), totaal)] == Decimal("56.3")
    assert values[("TotaalGeregistreerdeMisdrijven_1", "NL01", Period("year", 2010), totaal)] == 1200825
    # every value matches its source cell exactly
    by_row = {(o.source_row, o.measure_code): o.value for o in table.observations}
    for line, r in enumerate(_source_rows(path), start=2):
        assert by_row[(line, "RegistratiesVanVerdachten_6")] == Decimal(r["RegistratiesVanVerdachten_6"])


@needs_shared
def test_83648_extract_without_lookup_names_first_row() -> None:
    path = CBS83648 / "83648NED_gemeenten_totaal_2010_2020.csv"
    with pytest.raises(ParseError) as err:
        parse(path, max_errors=5)
    first = err.value.first
    assert (first.row, first.column) == (2, "RegioS")
    assert "'s-Gravenhage (gemeente)" in first.reason_nl
    assert len(err.value.problems) == 5 and err.value.truncated


@needs_shared
def test_83648_province_extract_maps_group_titles() -> None:
    """'Misdrijven WvSr' (260 in Drenthe 2010, a small group) is the code list's '4 Misdrijven WvSr (overig)'
    (CRI4000) with its qualifier dropped by the extract; the sum of all WvSr crimes would be tens of thousands.
    'Niet in te delen (PV)' is an area of its own (PV99)."""
    path = CBS83648 / "83648NED_provincies_hoofdgroepen_2010_2020.csv"
    lookup = _name_lookup() | {"Niet in te delen (PV)": "PV99"}
    table = parse(path, area_lookup=lookup)
    wvsr = [o for o in table.observations if o.dimensions["SoortMisdrijf"] == "CRI4000"
            and o.measure_code == "TotaalGeregistreerdeMisdrijven_1" and o.area == "PV22" and o.period.year == 2010]
    assert [o.value for o in wvsr] == [Decimal("260")]
    assert any(o.area == "PV99" for o in table.observations)


# --- CBS OData v3 built on the real 47018NED metadata ------------------------------------------

META_47018 = ["TableInfos", "DataProperties", "SoortMisdrijf", "Perioden", "WijkenEnBuurten"]
V3_ROWS = [
    # SoortMisdrijf, WijkenEnBuurten, Perioden, GeregistreerdeMisdrijven_1
    ("0.0.0 ", "NL00      ", "2012JJ00", "1127869"),
    ("3.7.4 ", "NL00      ", "2012JJ00", "4487"),
    ("3.7.4 ", "GM1680    ", "2012JJ00", "3"),
    ("3.7.4 ", "GM1680    ", "2023JJ00", ""),
    ("3.7.4 ", "WK168000  ", "2023JJ00", "1"),
    ("1.1.1 ", "BU16800000", "2022JJ00", "0"),
]


def _v3_dir(tmp_path: Path, rows: list[tuple[str, str, str, str]] = V3_ROWS) -> Path:
    d = tmp_path / "47018NED"
    d.mkdir()
    for name in META_47018:
        (d / f"47018NED_{name}.csv").symlink_to(POLICE / f"47018NED_{name}.csv")
    with (d / "47018NED_TypedDataSet.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(["ID", "SoortMisdrijf", "WijkenEnBuurten", "Perioden", "GeregistreerdeMisdrijven_1",
                    "Gemeentenaam_2", "SoortRegio_3"])
        for i, (sm, area, per, val) in enumerate(rows):
            f.write(f'{i},"{sm}","{area}","{per}",{val},"Aa en Hunze","Gemeente"\n')
    return d


@needs_shared
def test_cbs_v3_directory_with_real_code_lists(tmp_path: Path) -> None:
    d = _v3_dir(tmp_path)
    assert sniff(d) is Format.CBS_ODATA3
    table = parse(d)
    md = table.metadata
    assert md.identifier == "47018NED"
    assert md.title.startswith("Geregistreerde misdrijven; soort misdrijf, wijk, buurt")
    assert md.modified == "2024-08-15T02:00:00"
    assert md.measures["GeregistreerdeMisdrijven_1"].unit == "aantal"
    assert md.measures["GeregistreerdeMisdrijven_1"].title == "Geregistreerde misdrijven"
    assert "Gemeentenaam_2" not in md.measures  # string topics are not observations
    assert md.dimensions["SoortMisdrijf"].codes["3.7.4"].title == "3.7.4 Cybercrime"
    assert md.dimensions["WijkenEnBuurten"].kind == "area"
    assert md.dimensions["Perioden"].codes["2012JJ00"].status == "definitive"
    got = [(o.dimensions["SoortMisdrijf"], o.area, o.period.code, o.value, o.status) for o in table.observations]
    assert got == [
        ("0.0.0", "NL01", "2012JJ00", 1127869, "definitive"),
        ("3.7.4", "NL01", "2012JJ00", 4487, "definitive"),
        ("3.7.4", "GM1680", "2012JJ00", 3, "definitive"),
        ("3.7.4", "WK168000", "2023JJ00", 1, "definitive"),
        ("1.1.1", "BU16800000", "2022JJ00", 0, "definitive"),
    ]
    assert table.missing_cells == 1
    assert [o.source_row for o in table.observations] == [2, 3, 4, 6, 7]
    assert all(o.source_table == "47018NED" for o in table.observations)
    # the data file alone finds its siblings
    assert _values(parse(d / "47018NED_TypedDataSet.csv")) == _values(table)
    # keep_missing returns the empty cell as value None
    assert len(parse(d, keep_missing=True)) == 6


@needs_shared
def test_real_47018_directory_without_data_is_refused() -> None:
    assert sniff(POLICE) is Format.CBS_ODATA3
    assert sniff(POLICE / "47018NED_TableInfos.csv") is Format.CBS_ODATA3
    for target in (POLICE, POLICE / "47018NED_DataProperties.csv"):
        with pytest.raises(ParseError) as err:
            parse(target)
        assert "TypedDataSet" in err.value.first.reason_nl and err.value.first.row is None


@needs_shared
def test_cbs_v3_json_equals_csv(tmp_path: Path) -> None:
    d = _v3_dir(tmp_path)
    j = tmp_path / "json"
    j.mkdir()
    from cyberbeeld.indicators.parsing.common import load_records
    from cyberbeeld.indicators.parsing.model import Problems

    for name in META_47018:
        recs = load_records(d / f"47018NED_{name}.csv", Problems("x"))
        doc = {"odata.metadata": f"https://opendata.cbs.nl/ODataApi/odata/47018NED/$metadata#Cbs.OData.WebAPI.{name}",
               "value": recs}
        (j / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    data = [{"ID": i, "SoortMisdrijf": sm, "WijkenEnBuurten": a, "Perioden": p,
             "GeregistreerdeMisdrijven_1": int(v) if v else None, "Gemeentenaam_2": "Aa en Hunze"}
            for i, (sm, a, p, v) in enumerate(V3_ROWS)]
    # cbsodata (Python) saves plain lists
    (j / "TypedDataSet.json").write_text(json.dumps(data), encoding="utf-8")
    assert sniff(j) is Format.CBS_ODATA3
    assert _values(parse(j)) == _values(parse(d))
    assert parse(j).metadata.identifier == "47018NED"


@needs_shared
def test_cbs_v3_bad_rows_are_all_reported(tmp_path: Path) -> None:
    rows = [*V3_ROWS, ("9.9.9 ", "GM1680    ", "2012JJ00", "1"), ("3.7.4 ", "GM1680    ", "2012XX00", "2"),
            ("3.7.4 ", "GM9999    ", "2012JJ00", "abc"), ("3.7.4 ", "GM1680    ", "2012JJ00", "5")]
    d = _v3_dir(tmp_path, rows)
    with pytest.raises(ParseError) as err:
        parse(d)
    probs = [(p.row, p.column) for p in err.value.problems]
    assert probs == [
        (8, "SoortMisdrijf"),
        (9, "Perioden"),
        (10, "WijkenEnBuurten"),
        (10, "GeregistreerdeMisdrijven_1"),
        (11, "GeregistreerdeMisdrijven_1"),  # duplicate of row 4
    ]
    assert "'9.9.9' staat niet in de codelijst van SoortMisdrijf" in str(err.value)
    assert "rij 4" in err.value.problems[-1].reason_nl


@needs_shared
def test_cbs_v3_police_regions_table(tmp_path: Path) -> None:
    """A 47025NED-like table on the real Politie RegioS and SoortMisdrijf code lists (JSON data)."""
    d = tmp_path / "47025NED"
    d.mkdir()
    (d / "RegioS.csv").symlink_to(POLICE / "politie_jaarcijfers_RegioS.csv")
    (d / "SoortMisdrijf.csv").symlink_to(POLICE / "politie_jaarcijfers_SoortMisdrijf.csv")
    (d / "DataProperties.json").write_text(json.dumps([
        {"Key": "SoortMisdrijf", "Type": "Dimension", "Title": "Soort misdrijf"},
        {"Key": "RegioS", "Type": "GeoDimension", "Title": "Regio's"},
        {"Key": "Perioden", "Type": "TimeDimension", "Title": "Perioden"},
        {"Key": "GeregistreerdeMisdrijven_1", "Type": "Topic", "Datatype": "Long", "Unit": "aantal"}]))
    regions = ["NL01  ", "LD01  ", "PV20  ", "RE01  ", "GM0935"]
    data = [{"ID": i, "SoortMisdrijf": "3.7.4 ", "RegioS": r, "Perioden": "2021MM03", "GeregistreerdeMisdrijven_1": i}
            for i, r in enumerate(regions)]
    (d / "TypedDataSet.json").write_text(json.dumps({"odata.metadata": "x#Cbs.OData.WebAPI.TypedDataSet", "value": data}))
    table = parse(d)
    assert [o.area for o in table.observations] == ["NL01", "LD01", "PV20", "RE01", "GM0935"]
    assert {o.period for o in table.observations} == {Period("month", 2021, 3)}
    assert table.metadata.dimensions["RegioS"].codes["RE01"].title.startswith("Noord-Nederland")


def test_cbs_v3_margins_fold_into_interval(tmp_path: Path) -> None:
    d = tmp_path / "85846NED"
    d.mkdir()
    props = [
        {"odata.type": "Cbs.OData.Dimension", "Key": "Marges", "Type": "Dimension", "Title": "Marges"},
        {"odata.type": "Cbs.OData.GeoDimension", "Key": "RegioS", "Type": "GeoDimension", "Title": "Regio's"},
        {"odata.type": "Cbs.OData.TimeDimension", "Key": "Perioden", "Type": "TimeDimension", "Title": "Perioden"},
        {"Key": "OnlineCriminaliteitTotaal_1", "Type": "Topic", "Title": "Online criminaliteit", "Unit": "%",
         "Datatype": "Double", "Decimals": 1},
    ]
    (d / "DataProperties.json").write_text(json.dumps({"value": props}))
    (d / "Marges.json").write_text(json.dumps([
        {"Key": "MW00000", "Title": "Waarde"}, {"Key": "MOG0095", "Title": "Ondergrens 95%-interval"},
        {"Key": "MBG0095", "Title": "Bovengrens 95%-interval"}]))
    (d / "Perioden.json").write_text(json.dumps([{"Key": "2023JJ00", "Title": "2023", "Status": "Voorlopig"}]))
    data = [
        {"ID": 0, "Marges": "MW00000", "RegioS": "NL01  ", "Perioden": "2023JJ00", "OnlineCriminaliteitTotaal_1": 16.0},
        {"ID": 1, "Marges": "MOG0095", "RegioS": "NL01  ", "Perioden": "2023JJ00", "OnlineCriminaliteitTotaal_1": 15.7},
        {"ID": 2, "Marges": "MBG0095", "RegioS": "NL01  ", "Perioden": "2023JJ00", "OnlineCriminaliteitTotaal_1": 16.3},
    ]
    (d / "TypedDataSet.json").write_text(json.dumps({"odata.metadata": "x#TypedDataSet", "value": data}))
    (obs,) = parse(d).observations
    assert (obs.value, obs.ci_low, obs.ci_high) == (Decimal("16.0"), Decimal("15.7"), Decimal("16.3"))
    assert obs.status == "provisional" and obs.dimensions == {} and obs.area == "NL01"


def _v3_json_periods(d: Path, periods: list[str], measure: list[object]) -> None:
    d.mkdir()
    (d / "DataProperties.json").write_text(json.dumps({"value": [
        {"Key": "RegioS", "Type": "GeoDimension", "Title": "Regio's"},
        {"Key": "Perioden", "Type": "TimeDimension", "Title": "Perioden"},
        {"Key": "Aantal_1", "Type": "Topic", "Title": "Aantal", "Datatype": "Long"}]}))
    (d / "Perioden.json").write_text(json.dumps([{"Key": "2022JJ00", "Title": "2022", "Status": "Definitief"},
                                                 {"Key": "2023JJ00", "Title": "2023", "Status": "Voorlopig"}]))
    data = [{"ID": i, "RegioS": f"GM{i:04d}", "Perioden": p, "Aantal_1": v}
            for i, (p, v) in enumerate(zip(periods, measure, strict=True))]
    (d / "TypedDataSet.json").write_text(json.dumps({"odata.metadata": "x#TypedDataSet", "value": data}))


def test_cbs_v3_period_codes_seen_again_keep_their_status_and_problems(tmp_path: Path) -> None:
    """A period code is parsed once per table: rows repeating it get the same period and status; a code that is
    not in the code list is reported in every row that has it (a refusal is never remembered as a period)."""
    periods = ["2023JJ00", "2022JJ00", "2023JJ00", "2022JJ00", "2023JJ00"]
    _v3_json_periods(tmp_path / "ok", periods, [1, 2, 3, 4, 5])
    table = parse(tmp_path / "ok")
    assert [(o.period, o.status) for o in table.observations] == [
        (Period("year", 2023), "provisional"), (Period("year", 2022), "definitive"), (Period("year", 2023), "provisional"),
        (Period("year", 2022), "definitive"), (Period("year", 2023), "provisional")]
    _v3_json_periods(tmp_path / "bad", ["2023JJ00", "2021JJ00", "2023JJ00", "2021JJ00"], [1, 2, 3, 4])
    with pytest.raises(ParseError) as err:
        parse(tmp_path / "bad")
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "Perioden"), (4, "Perioden")]


# --- CBS OData v4 -----------------------------------------------------------------------------


def _write_v4(d: Path, obs: list[dict[str, object]], as_json: bool) -> None:
    d.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[dict[str, object]]] = {
        "Observations": obs,
        "MeasureCodes": [{"Identifier": "M001", "Title": "Slachtoffers online criminaliteit", "Unit": "%",
                          "Decimals": 1, "DataType": "Double"}],
        "Dimensions": [{"Identifier": "RegioS", "Title": "Regio's", "Kind": "GeoDimension"},
                       {"Identifier": "Perioden", "Title": "Perioden", "Kind": "TimeDimension"}],
        "PeriodenCodes": [{"Identifier": "2021JJ00", "Title": "2021", "Status": "Definitief"},
                          {"Identifier": "2023JJ00", "Title": "2023", "Status": "Voorlopig"}],
        "RegioSCodes": [{"Identifier": "NL01", "Title": "Nederland"}, {"Identifier": "GM0935", "Title": "Maastricht"}],
        "Properties": [{"Identifier": "85846NED", "Title": "Online criminaliteit", "Modified": "2024-03-01"}],
    }
    for name, recs in files.items():
        if as_json:
            doc = {"@odata.context": f"https://odata4.cbs.nl/CBS/85846NED/$metadata#{name}", "value": recs}
            (d / f"{name}.json").write_text(json.dumps(doc))
        else:
            keys = list(dict.fromkeys(k for r in recs for k in r))
            with (d / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
                w = csv.DictWriter(f, keys)
                w.writeheader()
                w.writerows(recs)


V4_OBS: list[dict[str, object]] = [
    {"Id": 0, "Measure": "M001", "ValueAttribute": "None", "Value": 16.9, "RegioS": "NL01", "Perioden": "2021JJ00"},
    {"Id": 1, "Measure": "M001", "ValueAttribute": "None", "Value": 16.0, "RegioS": "NL01", "Perioden": "2023JJ00"},
    {"Id": 2, "Measure": "M001", "ValueAttribute": "Missing", "Value": None, "RegioS": "GM0935", "Perioden": "2023JJ00"},
]


@pytest.mark.parametrize("as_json", [False, True])
def test_cbs_v4(tmp_path: Path, as_json: bool) -> None:
    d = tmp_path / "v4"
    _write_v4(d, V4_OBS, as_json)
    assert sniff(d) is Format.CBS_ODATA4
    table = parse(d)
    assert table.metadata.identifier == "85846NED"
    assert table.metadata.measures["M001"].unit == "%"
    got = [(o.measure_code, o.area, o.period.code, o.value, o.status) for o in table.observations]
    assert got == [("M001", "NL01", "2021JJ00", Decimal("16.9"), "definitive"),
                   ("M001", "NL01", "2023JJ00", Decimal("16.0"), "provisional")]
    assert table.missing_cells == 1


def test_cbs_v4_unknown_measure_and_period(tmp_path: Path) -> None:
    bad = [*V4_OBS, {"Id": 3, "Measure": "M999", "ValueAttribute": "None", "Value": 1, "RegioS": "NL01",
                     "Perioden": "2021JJ00"},
           {"Id": 4, "Measure": "M001", "ValueAttribute": "None", "Value": 1, "RegioS": "NL01", "Perioden": "2022JJ00"}]
    _write_v4(tmp_path / "v4", bad, as_json=False)
    with pytest.raises(ParseError) as err:
        parse(tmp_path / "v4")
    assert [(p.row, p.column) for p in err.value.problems] == [(5, "Measure"), (6, "Perioden")]


# --- wide tables, Dutch quirks, XLSX ----------------------------------------------------------


def test_wide_dutch_csv_cp1252_with_intervals(tmp_path: Path) -> None:
    text = ("Gemeentecode;Gemeente;2019;2019 ondergrens;2019 bovengrens;2021;2021_lo;2021_hi;2021 n\r\n"
            "GM0935;Maastricht;12,5;11,0;14,0;14.174;13.000,5;15.348,0;1.200\r\n"
            "GM1900;Súdwest-Fryslân;.;;;-;;;\r\n"
            "GM0363;Amsterdam;x;x;x;9,75;9,5;10;800\r\n")
    path = tmp_path / "cybercrime_slachtoffers.csv"
    path.write_bytes(text.encode("cp1252"))
    assert sniff(path) is Format.WIDE
    table = parse(path)
    md = table.metadata
    assert (md.encoding, md.delimiter, md.decimal_separator) == ("cp1252", ";", ",")
    got = [(o.area, str(o.period), o.value, o.ci_low, o.ci_high, o.n, o.source_row) for o in table.observations]
    assert got == [
        ("GM0935", "2019", Decimal("12.5"), Decimal("11.0"), Decimal("14.0"), None, 2),
        ("GM0935", "2021", Decimal("14174"), Decimal("13000.5"), Decimal("15348.0"), 1200, 2),
        ("GM0363", "2021", Decimal("9.75"), Decimal("9.5"), Decimal("10"), 800, 4),
    ]
    assert table.missing_cells == 3
    assert {o.measure_code for o in table.observations} == {"cybercrime_slachtoffers"}
    assert any("Gemeente" in n for n in md.notes)


def test_wide_utf8_bom_names_through_lookup_and_measure_option(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_bytes("\ufeffgemeente;2020;2021\r\nMaastricht;1.234;2.345\r\n's-Gravenhage (gemeente);7;8\r\n".encode())
    lookup = {"Maastricht": "GM0935", "'s-Gravenhage": "GM0518"}
    table = parse(path, area_lookup=lookup, measure="aangiften_cybercrime")
    assert table.metadata.encoding == "utf-8-sig"
    assert [(o.measure_code, o.area, o.period.year, o.value) for o in table.observations] == [
        ("aangiften_cybercrime", "GM0935", 2020, 1234), ("aangiften_cybercrime", "GM0935", 2021, 2345),
        ("aangiften_cybercrime", "GM0518", 2020, 7), ("aangiften_cybercrime", "GM0518", 2021, 8)]
    # a callable lookup works the same way
    assert _values(parse(path, area_lookup=lookup.get, measure="aangiften_cybercrime")) == _values(table)


def test_tidy_semicolon_integers_with_thousands_dots(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("indicator;gebied;jaar;aantal\ncybercrime;NL01;2021;14.174\ncybercrime;NL01;2012;4.487\n")
    assert [o.value for o in parse(path).observations] == [14174, 4487]
    assert [o.value for o in parse(path, decimal=".").observations] == [Decimal("14.174"), Decimal("4.487")]


def test_comma_separated_file_with_quoted_decimal_commas(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('gebied,2022,2023\nGM0935,"12,5","1.234,75"\nGM0363,"0,25",3\n')
    assert [o.value for o in parse(path).observations] == [Decimal("12.5"), Decimal("1234.75"), Decimal("0.25"), 3]
    assert parse(path).metadata.decimal_separator == ","


def test_wide_comma_file_with_dot_decimals(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text('area,2019,2019 (ondergrens),2019 (bovengrens),2019_se\nGM0935,12.5,11.0,14.0,0.77\n"GM0363","1,234.5",1,2,\n')
    got = [(o.area, o.value, o.ci_low, o.ci_high, o.se) for o in parse(path).observations]
    assert got == [("GM0935", Decimal("12.5"), Decimal("11.0"), Decimal("14.0"), Decimal("0.77")),
                   ("GM0363", Decimal("1234.5"), Decimal(1), Decimal(2), None)]


def test_wide_xlsx_written_with_openpyxl(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["indicator", "gemeente", 2019, "2019 ondergrens", "2019 bovengrens", "2021"])
    ws.append(["slachtoffer_online", "GM0935", 12.5, 11.25, 13.75, "14,2"])
    ws.append(["slachtoffer_online", 363, None, None, None, 9])
    ws.append(["hacken", "GM0935", 5, 4, 6, "x"])
    path = tmp_path / "vm.xlsx"
    wb.save(path)
    assert sniff(path) is Format.WIDE
    got = [(o.measure_code, o.area, o.period.year, o.value, o.ci_low, o.ci_high, o.source_row)
           for o in parse(path).observations]
    assert got == [
        ("slachtoffer_online", "GM0935", 2019, Decimal("12.5"), Decimal("11.25"), Decimal("13.75"), 2),
        ("slachtoffer_online", "GM0935", 2021, Decimal("14.2"), None, None, 2),
        ("slachtoffer_online", "GM0363", 2021, Decimal(9), None, None, 3),
        ("hacken", "GM0935", 2019, Decimal(5), Decimal(4), Decimal(6), 4),
    ]


def test_xlsx_title_line_above_the_table(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Slachtofferschap online criminaliteit (%), bron: Veiligheidsmonitor"])
    ws.append([])
    ws.append(["Gemeente", "2021", "2023"])
    ws.append(["GM0935", 16.9, 16.0])
    path = tmp_path / "titel.xlsx"
    wb.save(path)
    got = [(o.area, o.period.year, o.value, o.source_row) for o in parse(path).observations]
    assert got == [("GM0935", 2021, Decimal("16.9"), 4), ("GM0935", 2023, Decimal("16.0"), 4)]


def test_odata_json_page_with_next_link_is_refused(tmp_path: Path) -> None:
    d = tmp_path / "t"
    d.mkdir()
    (d / "DataProperties.json").write_text(json.dumps([{"Key": "Perioden", "Type": "TimeDimension"},
                                                       {"Key": "A_1", "Type": "Topic", "Datatype": "Long"}]))
    (d / "TypedDataSet.json").write_text(json.dumps({
        "odata.metadata": "x#TypedDataSet", "odata.nextLink": "https://opendata.cbs.nl/...$skip=10000",
        "value": [{"ID": 0, "Perioden": "2020JJ00", "A_1": 1}]}))
    with pytest.raises(ParseError, match="odata.nextLink"):
        parse(d)


def test_untyped_dataset_strings_and_symbols(tmp_path: Path) -> None:
    d = tmp_path / "t"
    d.mkdir()
    (d / "DataProperties.json").write_text(json.dumps([{"Key": "RegioS", "Type": "GeoDimension"},
                                                       {"Key": "Perioden", "Type": "TimeDimension"},
                                                       {"Key": "A_1", "Type": "Topic", "Datatype": "Long"}]))
    (d / "UntypedDataSet.json").write_text(json.dumps([
        {"ID": 0, "RegioS": "GM0935", "Perioden": "2020JJ00", "A_1": "     4487"},
        {"ID": 1, "RegioS": "GM0935", "Perioden": "2021JJ00", "A_1": "       ."},
        {"ID": 2, "RegioS": "GM0935", "Perioden": "2022KW01", "A_1": "       x"}]))
    table = parse(d)
    assert [(o.period.code, o.value) for o in table.observations] == [("2020JJ00", 4487)]
    assert table.missing_cells == 2 and table.metadata.identifier == "t"


def test_tidy_dimension_and_ignore_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("indicator,area,period,value,leeftijd,bron\nslachtoffer,NL01,2023,16,15-25 jaar,VM\n")
    (o,) = parse(path, dimension_columns={"leeftijd": "Leeftijd"}, ignore_columns=["bron"]).observations
    assert o.dimensions == {"Leeftijd": "15-25 jaar"}
    (o,) = parse(path).observations  # unknown columns become dimensions named after the header (and are noted)
    assert o.dimensions == {"leeftijd": "15-25 jaar", "bron": "VM"}
    with pytest.raises(TypeError):
        parse(path, no_such_option=1)


def test_tidy_xlsx_and_status(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Indicator", "Gebied", "Periode", "Waarde", "Ondergrens", "Bovengrens", "SE", "N", "Status"])
    ws.append(["cyber", "GM0935", "2023", 16.1, 15.0, 17.2, 0.55, 1500, "Voorlopig"])
    ws.append(["cyber", "GM0935", 2021, 17, None, None, None, None, "Definitief"])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    assert sniff(path) is Format.TIDY
    a, b = parse(path).observations
    assert (a.value, a.ci_low, a.ci_high, a.se, a.n, a.status) == (
        Decimal("16.1"), Decimal("15.0"), Decimal("17.2"), Decimal("0.55"), 1500, "provisional")
    assert (b.period, b.value, b.status) == (Period("year", 2021), 17, "definitive")


# --- broken files -----------------------------------------------------------------------------


def test_broken_non_number_names_first_bad_row_and_column() -> None:
    with pytest.raises(ParseError) as err:
        parse(FIXTURES / "wide_non_number.csv")
    e = err.value
    assert (e.first.row, e.first.column) == (3, "2019")
    assert str(e.first) == ("rij 3, kolom '2019': 'abc' is geen getal / row 3, column '2019': 'abc' is not a number")
    assert [(p.row, p.column) for p in e.problems] == [(3, "2019"), (6, "2019")]
    assert str(e).startswith("wide_non_number.csv: rij 3, kolom '2019'")
    assert "1 andere" in str(e)


def test_broken_missing_column() -> None:
    with pytest.raises(ParseError) as err:
        parse(FIXTURES / "tidy_missing_column.csv", format="tidy")
    assert (err.value.first.row, err.value.first.column) == (1, "value")
    assert "kolom 'value' ontbreekt" in err.value.first.reason_nl


def test_broken_duplicate_key() -> None:
    with pytest.raises(ParseError) as err:
        parse(FIXTURES / "tidy_duplicate_key.csv")
    (p,) = err.value.problems
    assert (p.row, p.column) == (4, "value")
    assert "rij 2" in p.reason_nl and "row 2" in p.reason_en


def test_broken_period_codes() -> None:
    with pytest.raises(ParseError) as err:
        parse(FIXTURES / "tidy_bad_period.csv")
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "period"), (4, "period")]
    assert "'2019XX01' is geen geldige periode" in err.value.first.reason_nl


def test_broken_wide_header() -> None:
    with pytest.raises(ParseError) as err:
        parse(FIXTURES / "wide_bad_header.csv")
    assert (err.value.first.row, err.value.first.column) == (1, "2O19")


def test_unknown_layout_and_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("foo,bar\n1,2\n")
    with pytest.raises(ParseError):
        sniff(p)
    p.write_text("")
    with pytest.raises(ParseError, match="leeg"):
        parse(p, format="tidy")
    p.write_text("indicator,area,period,value\n")
    with pytest.raises(ParseError, match="geen gegevensrijen"):
        parse(p)


def test_error_cap() -> None:
    with pytest.raises(ParseError) as err:
        parse(FIXTURES / "wide_non_number.csv", max_errors=1)
    assert len(err.value.problems) == 1 and err.value.truncated


# --- behaviour --------------------------------------------------------------------------------


@needs_shared
def test_idempotent_and_progress() -> None:
    path = POLICE / "NL_Crime_monthly_2012_2023.csv"
    calls: list[tuple[int, int | None]] = []
    a = parse(path, area="NL01", on_progress=lambda done, total: calls.append((done, total)))
    b = parse(path, area="NL01")
    assert a == b
    assert calls[-1] == (8496, 8496)
    assert calls[0][1] is not None and calls[0][1] >= 8496
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_parsers_import_no_django() -> None:
    code = ("import sys, cyberbeeld.indicators.parsers as p; "
            "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_results_and_errors_pickle(tmp_path: Path) -> None:
    import pickle

    with pytest.raises(ParseError) as err:
        parse(FIXTURES / "wide_non_number.csv")
    again = pickle.loads(pickle.dumps(err.value))
    assert again.problems == err.value.problems and str(again) == str(err.value)
    path = tmp_path / "t.csv"
    path.write_text("indicator,area,period,value,status\nx,GM0935,2019,1.5,Voorlopig\n")
    table = parse(path)
    assert pickle.loads(pickle.dumps(table)) == table


def test_observation_is_frozen() -> None:
    o = ParsedObservation("t", "m", "GM0935", Period("year", 2020), {}, Decimal(1))
    with pytest.raises(AttributeError):
        o.value = Decimal(2)  # type: ignore[misc]


# --- round trip (hypothesis) ------------------------------------------------------------------

AREAS = ["GM0935", "GM0363", "GM0518", "NL01", "PV31", "WK093501"]
MEASURES = ["cyber_totaal", "hacken", "online_fraude"]
PERIODS = [Period("year", 2019), Period("year", 2021), Period("year", 2023)]
FORMATS = ["tidy-csv", "tidy-nl-csv", "tidy-xlsx", "tidy-json", "wide-csv", "wide-nl-csv", "wide-xlsx", "v4-csv",
           "v4-json", "v3-json", "v3-csv"]

decimals = st.decimals(min_value=Decimal("-100000"), max_value=Decimal("10000000"), places=2,
                       allow_nan=False, allow_infinity=False)


@st.composite
def tables(draw: st.DrawFn) -> dict[tuple[str, str, Period], tuple[Decimal, Decimal | None, Decimal | None, int | None]]:
    keys = draw(st.sets(st.tuples(st.sampled_from(MEASURES), st.sampled_from(AREAS), st.sampled_from(PERIODS)),
                        min_size=1, max_size=25))
    out = {}
    for k in sorted(keys):
        v = draw(decimals)
        has_ci = draw(st.booleans())
        lo, hi = (v - draw(decimals.filter(lambda x: x >= 0)), v + 1) if has_ci else (None, None)
        n = draw(st.one_of(st.none(), st.integers(0, 10_000_000)))
        out[k] = (v, lo, hi, n)
    return out


def _nl(d: Decimal | int | None) -> str:
    """Dutch notation with thousands dots: 1234567.5 → '1.234.567,5'."""
    if d is None:
        return ""
    sign = "-" if d < 0 else ""
    whole, _, frac = f"{abs(Decimal(d)):f}".partition(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return sign + groups + ("," + frac if frac else "")


def _en(d: Decimal | int | None) -> str:
    return "" if d is None else f"{Decimal(d):f}"


def _write(fmt: str, table: dict, tmp: Path) -> tuple[Path, dict[str, object]]:  # type: ignore[type-arg]
    rows = [(m, a, p, *vals) for (m, a, p), vals in table.items()]
    if fmt in ("tidy-csv", "tidy-nl-csv"):
        nl = fmt == "tidy-nl-csv"
        conv, sep = (_nl, ";") if nl else (_en, ",")
        lines = [sep.join(["indicator", "area", "period", "value", "ci_low", "ci_high", "n"])]
        for m, a, p, v, lo, hi, n in rows:
            lines.append(sep.join([m, a, p.code if nl else str(p), conv(v), conv(lo), conv(hi), conv(n)]))
        path = tmp / f"{fmt}.csv"
        path.write_bytes("\r\n".join(lines).encode("utf-8-sig" if nl else "utf-8"))
        return path, {"decimal": ","} if nl else {}
    if fmt == "tidy-json":
        recs = [{"indicator": m, "area": a, "period": p.code, "value": str(v), "ci_low": _en(lo), "ci_high": _en(hi),
                 "n": n} for m, a, p, v, lo, hi, n in rows]
        path = tmp / "tidy.json"
        path.write_text(json.dumps(recs))
        return path, {}
    if fmt == "tidy-xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["indicator", "area", "period", "value", "ci_low", "ci_high", "n"])
        for m, a, p, v, lo, hi, n in rows:
            ws.append([m, a, p.year, float(v), None if lo is None else float(lo), None if hi is None else float(hi), n])
        path = tmp / "tidy.xlsx"
        wb.save(path)
        return path, {}
    if fmt.startswith("wide"):
        by_row: dict[tuple[str, str], dict[Period, tuple]] = defaultdict(dict)  # type: ignore[type-arg]
        for m, a, p, *vals in rows:
            by_row[(m, a)][p] = tuple(vals)
        header = ["indicator", "gebied"]
        for p in PERIODS:
            header += [str(p), f"{p} ondergrens", f"{p} bovengrens", f"{p}_n"]
        body = []
        for (m, a), per in by_row.items():
            line: list[object] = [m, a]
            for p in PERIODS:
                line += list(per.get(p, (None, None, None, None)))
            body.append(line)
        if fmt == "wide-xlsx":
            import openpyxl

            wb = openpyxl.Workbook()
            ws = wb.active
            ws.append(header)
            for line in body:
                ws.append([float(c) if isinstance(c, Decimal) else c for c in line])
            path = tmp / "wide.xlsx"
            wb.save(path)
            return path, {}
        nl = fmt == "wide-nl-csv"
        conv, sep = (_nl, ";") if nl else (_en, ",")
        out = [sep.join(header)] + [sep.join(c if isinstance(c, str) else conv(c) for c in line) for line in body]  # type: ignore[arg-type]
        path = tmp / f"{fmt}.csv"
        path.write_bytes("\n".join(out).encode("cp1252" if nl else "utf-8"))
        return path, {"decimal": ","} if nl else {}
    if fmt == "v4-csv":
        d = tmp / "v4"
        d.mkdir()
        with (d / "Observations.csv").open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["Id", "Measure", "ValueAttribute", "Value", "RegioS", "Perioden"])
            for i, (m, a, p, v, *_rest) in enumerate(rows):
                w.writerow([i, m, "None", _en(v), a, p.code])
        (d / "Dimensions.csv").write_text("Identifier,Title,Kind\nRegioS,Regio's,GeoDimension\nPerioden,Perioden,TimeDimension\n")
        return d, {}
    if fmt == "v4-json":
        d = tmp / "v4j"
        d.mkdir()
        obs = [{"Id": i, "Measure": m, "ValueAttribute": "None", "Value": float(v), "StringValue": None, "RegioS": a,
                "Perioden": p.code} for i, (m, a, p, v, *_rest) in enumerate(rows)]
        (d / "Observations.json").write_text(json.dumps({"@odata.context": "x#Observations", "value": obs}))
        return d / "Observations.json", {}
    if fmt == "v3-json":
        d = tmp / "v3"
        d.mkdir()
        props = [{"Key": "RegioS", "Type": "GeoDimension"}, {"Key": "Perioden", "Type": "TimeDimension"}]
        props += [{"Key": m, "Type": "Topic", "Datatype": "Double"} for m in MEASURES]
        (d / "DataProperties.json").write_text(json.dumps(props))
        cells: dict[tuple[str, Period], dict[str, str]] = defaultdict(dict)
        for m, a, p, v, *_rest in rows:
            cells[(a, p)][m] = str(v)
        data = [{"ID": i, "RegioS": a, "Perioden": p.code, **{m: vals.get(m) for m in MEASURES}}
                for i, ((a, p), vals) in enumerate(cells.items())]
        (d / "TypedDataSet.json").write_text(json.dumps(data))
        return d, {}
    if fmt == "v3-csv":  # as cbsodataR writes it: DataProperties.csv + data.csv, NA as empty
        d = tmp / "v3csv"
        d.mkdir()
        lines = ['"Key","Type","Datatype"', '"RegioS","GeoDimension",""', '"Perioden","TimeDimension",""']
        lines += [f'"{m}","Topic","Double"' for m in MEASURES]
        (d / "DataProperties.csv").write_text("\n".join(lines) + "\n")
        grid: dict[tuple[str, Period], dict[str, Decimal]] = defaultdict(dict)
        for m, a, p, v, *_rest in rows:
            grid[(a, p)][m] = v
        with (d / "data.csv").open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["ID", "RegioS", "Perioden", *MEASURES])
            for i, ((a, p), vals) in enumerate(grid.items()):
                w.writerow([i, f"{a:<10}", p.code, *(_en(vals.get(m)) for m in MEASURES)])
        return d, {}
    raise AssertionError(fmt)


@given(d=decimals)
def test_dutch_and_english_number_text_round_trip(d: Decimal) -> None:
    assert parse_decimal(_nl(d), ",") == d
    assert parse_decimal(_en(d), ".") == d


@given(kind=st.sampled_from(["year", "halfyear", "quarter", "month"]), year=st.integers(1900, 2100),
       number=st.integers(1, 12))
def test_period_code_round_trip(kind: str, year: int, number: int) -> None:
    limit = {"year": 0, "halfyear": 2, "quarter": 4, "month": 12}[kind]
    p = Period(kind, year, 0 if kind == "year" else min(number, limit))  # type: ignore[arg-type]
    assert parse_period(p.code) == (p, False)
    assert parse_period(str(p)) == (p, False)


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables())
def test_round_trip(tmp_path_factory: pytest.TempPathFactory, table: dict, fmt: str) -> None:  # type: ignore[type-arg]
    tmp = tmp_path_factory.mktemp(fmt)
    path, opts = _write(fmt, table, tmp)
    parsed = parse(path, **opts)
    with_ci = not fmt.startswith(("v4", "v3"))
    got = {}
    for o in parsed.observations:
        got[(o.measure_code, o.area, o.period)] = (o.value, o.ci_low, o.ci_high, o.n) if with_ci else o.value
    want = {k: (v if with_ci else v[0]) for k, v in table.items()}
    assert got == want
    assert parse(path, **opts) == parsed


def test_json_rows_give_empty_text_for_null_beside_decimals(tmp_path: Path) -> None:
    """JSON null becomes '' in a row (as an empty CSV cell); decoded Decimals beside it stay as they are."""
    p = tmp_path / "TypedDataSet.json"
    p.write_text('{"value": [{"ID": 0, "A": 1.5, "B": null}, {"ID": 1, "A": 2.5, "B": 3}]}')
    rows = read_rows(p, Problems("x"))
    assert rows.header == ["ID", "A", "B"]
    assert list(rows.rows) == [(1, [0, Decimal("1.5"), ""]), (2, [1, Decimal("2.5"), 3])]
