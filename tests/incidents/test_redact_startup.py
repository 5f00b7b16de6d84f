"""Issue 15: `cyberbeeld redact` starts fast. deduce loads a lookup cache without the structures that only
disabled annotators use, with the garbage collector paused; the command leaves without tearing down."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

from cyberbeeld.common import redact as R

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_emptied_lookups_are_used_only_by_disabled_annotators():
    from deduce.deduce import _BASE_CONFIG_FILE

    config = json.loads(Path(_BASE_CONFIG_FILE).read_text(encoding="utf-8"))
    users = {name: ann.get("group", name) for name, ann in config["annotators"].items()
             if any(json.dumps(v) == json.dumps(lookup) or (isinstance(v, list) and lookup in v)
                    for v in ann.get("args", {}).values() for lookup in R._UNUSED_LOOKUPS)}
    assert users, "deduce no longer names these lookups: revisit _UNUSED_LOOKUPS"
    assert all(group in R._DEDUCE_DISABLED for group in users.values()), users


def _fake_cache(folder: Path) -> None:
    from docdeid.ds import LookupTrie

    structs = {}
    for name in ("street", "healthcare_institution", "hospital"):
        trie = LookupTrie()
        trie.add_item([name, "1"])
        structs[name] = trie
    (folder / "cache").mkdir(parents=True)
    with open(folder / "cache" / "lookup_structs.pickle", "wb") as fh:
        pickle.dump({"deduce_version": "x", "saved_datetime": "2026-01-01", "lookup_structs": structs}, fh)


def test_trimmed_cache_empties_only_the_unused_structures_and_follows_the_full_one(tmp_path):
    _fake_cache(tmp_path)
    folder = R._trimmed_cache(tmp_path)
    assert folder == tmp_path / R._TRIMMED
    with open(folder / "cache" / "lookup_structs.pickle", "rb") as fh:
        trimmed = pickle.load(fh)
    structs = trimmed["lookup_structs"]
    assert trimmed["deduce_version"] == "x" and set(structs) == {"street", "healthcare_institution", "hospital"}
    assert ["street", "1"] in structs["street"]
    assert structs["hospital"].children == {} and structs["healthcare_institution"].children == {}
    # a newer full cache (deduce rebuilt it) is trimmed again
    stamp = time.time() + 5
    os.utime(tmp_path / "cache" / "lookup_structs.pickle", (stamp, stamp))
    before = (folder / "cache" / "lookup_structs.pickle").stat().st_mtime
    R._trimmed_cache(tmp_path)
    assert (folder / "cache" / "lookup_structs.pickle").stat().st_mtime > before


def test_unwritable_folder_falls_back_to_the_full_cache(tmp_path):
    _fake_cache(tmp_path)
    (tmp_path / R._TRIMMED).write_text("a file where the folder would go")
    assert R._trimmed_cache(tmp_path) is None


def test_redact_command_output_and_immediate_exit():
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.run([sys.executable, "-m", "cyberbeeld.cli", "redact"], input="Mevrouw Jansen belde 0612345678.\n",
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Mevrouw [NAAM] belde [TELEFOON].\n"
