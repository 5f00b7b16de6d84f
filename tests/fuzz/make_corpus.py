"""The fuzz corpus of bad input files (issue 13): ``python tests/fuzz/make_corpus.py`` writes the small
files into ``tests/fuzz/corpus/`` (they are committed); :func:`generate_large` writes the big ones
(deep JSON, a 131,073-character field, a 10^6-column header, a zip bomb) into a temporary directory
at test time, so they are never stored.

Every file must be refused by every importer: the test runs each one through each importer (command
line and web upload) and checks that the answer is a sentence, never a traceback or a 500, and that
no table changed.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"

UTF16_BOM = "\ufeff".encode("utf-16-le")


def _xlsx(cells: list[list[object]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in cells:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _with_entity(xlsx: bytes) -> bytes:
    """The workbook with an XML entity declaration in its shared strings (a 'billion laughs' seed)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                if data.startswith(b"<?xml"):
                    end = data.index(b"?>") + 2
                    data = data[:end] + doctype + data[end:]
                else:
                    data = doctype + data
            dst.writestr(info, data)
    return out.getvalue()


def small_files() -> dict[str, bytes]:
    machinetag = {"namespace": "cyberbeeld-incidents", "description": "x", "version": 99,
                  "predicates": [{"value": "cybercrime"}], "values": "notalist"}
    workbook = _xlsx([["sleutel", "onbekende kolom"], ["1", "a"]])
    return {
        "bad_bytes_0x81.csv": b"sleutel;titel\n1;caf\x81 de hoek\n",
        "utf16_bom_unknown_column.csv": UTF16_BOM + "sleutel;titél;onbekend\n1;a;b\n".encode("utf-16-le"),
        "utf16_no_bom.csv": "sleutel;titel\n1;a\n".encode("utf-16-le"),
        "utf8_bom_unterminated_quote.csv": b'\xef\xbb\xbfsleutel;titel\n1;"begin van een titel\n2;tweede\n3;derde\n',
        "nul_bytes.csv": b"sleutel;titel\n1;a\x00b\n",
        "empty.csv": b"",
        "only_bom.csv": b"\xef\xbb\xbf",
        "formula_cells.csv": b"sleutel;titel;=cmd|' /C calc'!A0\n1;=HYPERLINK(\"http://x\";\"klik\");@SUM(1)\n",
        "formula_cells.xlsx": _xlsx([["sleutel", "=1+1"], ["=SUM(A1:A9)", "=HYPERLINK(\"http://x\")"]]),
        "truncated.xlsx": workbook[: len(workbook) // 2],
        "not_a_zip.xlsx": b"PK\x03\x04 dit is geen zip",
        "xml_entity.xlsx": _with_entity(workbook),
        "truncated.json": b'{"namespace": "cyberbeeld-incidents", "values": [',
        "duplicate_keys.json": b'{"namespace": "x", "description": "d", "version": 3, "version": 4, "predicates": []}',
        "nan_inf.json": b'{"value": [{"RegioS": "GM0935", "Perioden": "2024JJ00", "Waarde": NaN},'
                        b' {"RegioS": "GM1903", "Perioden": "2024JJ00", "Waarde": Infinity}]}',
        "huge_number.json": b'{"value": [{"RegioS": "GM0935", "Perioden": "2024JJ00", "Waarde": 1e999}]}',
        "nan_values.csv": b"indicator;gebied;periode;waarde\nvm-cybercrime-totaal;GM0935;2024;NaN\n",
        "overflow_value.csv": b"indicator;gebied;periode;waarde\nvm-cybercrime-totaal;GM0935;2024;1e30\n",
        "herindeling_cycle.csv": b"code_oud,code_nieuw,datum\nGM0935,GM1903,2027-01-01\nGM1903,GM0935,2027-01-01\n",
        "herindeling_self.csv": b"code_oud,code_nieuw,datum\nGM0935,GM0935,2027-01-01\n",
        "negative_population.csv": b"naam,nummer,bevolking,provincie\nMaastricht,0935,-5,Limburg\n",
        "overflow_population.csv": b"naam,nummer,bevolking,provincie\nMaastricht,0935,99999999999999999999999,Limburg\n",
        "broken.topo.json": json.dumps({"type": "Topology", "arcs": [[[0, 0], [1, 1]]], "objects": {
            "gm_features": {"geometries": [{"type": "Polygon", "arcs": [[99]], "properties": {"code": "GM0935"}}]}},
        }).encode(),
        "topology_without_arcs.json": b'{"type": "Topology", "objects": {"gm_features": {"geometries": 5}}}',
        "taxonomy_values_notalist.json": json.dumps(machinetag).encode(),
        "survey_zero_weights.csv": b"gemeente,w,phishing\n" + b"".join(b"GM0935,0,%d\n" % (i % 2) for i in range(20)),
        "stix_objects_not_a_list_of_objects.json": b'{"type": "bundle", "id": "bundle--1", "objects": [1, 2]}',
        "json_top_level_string.json": b'"just a string"',
    }


def generate_large(dest: Path) -> dict[str, Path]:
    """The big files, written at test time: deep JSON, a huge field, a million columns, a zip bomb."""
    dest.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        files[name] = dest / name
        files[name].write_bytes(data)

    put("deep_50000.json", b"[" * 50_000 + b"]" * 50_000)
    put("huge_field_131073.csv", b"sleutel;titel\n1;" + b"x" * 131_073 + b"\n")
    put("million_columns.csv", ",".join(f"c{i}" for i in range(1_000_000)).encode() + b"\n1\n")
    # a zip bomb: a sheet that unpacks to 261 MB from well under a megabyte
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        base = zipfile.ZipFile(io.BytesIO(_xlsx([["sleutel", "titel"], ["1", "a"]])))
        for info in base.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zf.writestr(info.filename, base.read(info.filename))
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                     b"<sheetData>")
            chunk = b" " * (1 << 20)
            for _ in range(261):
                fh.write(chunk)
            fh.write(b"</sheetData></worksheet>")
    put("zip_bomb.xlsx", bomb.getvalue())
    return files


def main() -> None:
    CORPUS.mkdir(parents=True, exist_ok=True)
    for name, data in small_files().items():
        (CORPUS / name).write_bytes(data)
    print(f"{len(small_files())} files in {CORPUS}")


if __name__ == "__main__":
    main()
