"""Tests of the pure form classifier (no Django, no database)."""

from __future__ import annotations

import io
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cyberbeeld.incidents import classify
from cyberbeeld.incidents.classify import (
    DEFAULT_THRESHOLD,
    UNSURE,
    Classifier,
    ClassifierError,
    Example,
    append_examples,
    classify_main,
    evaluate,
    feedback_example,
    load_corpus,
    load_examples,
    load_or_train,
    merge_examples,
    retrain,
    train,
)
from cyberbeeld.incidents.taxonomy import load_taxonomy

CORPUS = classify.CORPUS_PATH


@pytest.fixture(scope="module")
def corpus() -> list[Example]:
    return load_corpus()


@pytest.fixture(scope="module")
def clf(corpus: list[Example]) -> Classifier:
    return train(corpus)


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory, corpus: list[Example]) -> Path:
    """12 texts per form: enough to train quickly in cache tests."""
    per: Counter[str] = Counter()
    keep = []
    for e in corpus:
        if per[e.form] < 12:
            per[e.form] += 1
            keep.append(e)
    path = tmp_path_factory.mktemp("corpus") / "small.jsonl"
    append_examples(path, keep)
    return path


# --------------------------------------------------------------------------- the corpus


def test_corpus_size_labels_and_variety(corpus: list[Example]) -> None:
    tax = load_taxonomy()
    assert len(corpus) >= 680
    counts = Counter(e.form for e in corpus)
    assert set(counts) == set(tax.form_codes)
    assert min(counts.values()) >= 40, counts
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    assert len({r["id"] for r in rows}) == len(rows)
    assert all(r["category"] == tax.category_of(r["form"]) for r in rows)
    assert len({e.text.casefold() for e in corpus}) == len(corpus), "duplicate texts"
    for form in tax.form_codes:  # no one-template texts: openings and lengths vary within each form
        texts = [e for e in corpus if e.form == form]
        openings = Counter(" ".join(e.title.casefold().split()[:2]) for e in texts)
        assert openings.most_common(1)[0][1] <= 0.25 * len(texts), (form, openings.most_common(3))
        lengths = sorted(len(e.text.split()) for e in texts)
        assert lengths[-1] - lengths[0] >= 12 and lengths[0] <= 20, (form, lengths[0], lengths[-1])
    # some registrations are written hastily: lower case only
    assert sum(e.text == e.text.lower() for e in corpus) >= 34


# --------------------------------------------------------------------------- quality (cross-validation)


@pytest.fixture(scope="module")
def evaluation(corpus: list[Example]) -> classify.Evaluation:
    return evaluate(corpus, folds=5, seed=0)


def test_macro_f1_target(evaluation: classify.Evaluation) -> None:
    assert evaluation.n >= 680 and evaluation.folds == 5
    assert evaluation.macro_f1 >= 0.85, evaluation.per_form_f1
    assert min(evaluation.per_form_f1.values()) >= 0.65, evaluation.per_form_f1


def test_calibration_and_threshold(evaluation: classify.Evaluation) -> None:
    assert evaluation.ece <= 0.15
    assert evaluation.brier <= 0.3
    # the documented default: suggestions at or above it are ~95 % right, and most texts get one
    assert evaluation.threshold == DEFAULT_THRESHOLD
    assert evaluation.accuracy_above_threshold >= 0.93
    assert evaluation.coverage >= 0.6
    assert evaluation.top3_accuracy_below_threshold >= 0.85
    assert abs(evaluation.suggested_threshold - DEFAULT_THRESHOLD) <= 0.15
    # reliability: higher confidence bins are more often right
    filled = [b for b in evaluation.reliability if b.n >= 20]
    assert [b.accuracy for b in filled] == sorted(b.accuracy for b in filled) or len(filled) < 2
    assert filled[-1].accuracy >= 0.95


def test_choose_threshold() -> None:
    import numpy as np

    conf = np.repeat([0.3, 0.6, 0.9], 20)
    correct = np.concatenate([np.zeros(20, bool), np.arange(20) > 0, np.ones(20, bool)])  # 0/20, 19/20, 20/20
    assert classify.choose_threshold(conf, correct, 0.95) == pytest.approx(0.35)
    assert classify.choose_threshold(conf, correct, 0.99) == pytest.approx(0.65)
    assert classify.choose_threshold(conf, np.zeros(60, bool)) == 1.0


# --------------------------------------------------------------------------- suggestions


@pytest.mark.parametrize(
    ("title", "description", "form"),
    [
        ("Website gemeente plat", "Sinds vanochtend overspoeld met verkeer, hoster spreekt van een DDoS-aanval.", "ddos"),
        ("hoi mam", "moeder kreeg appje van nieuw nummer van 'dochter', moest spoed een rekening betalen", "vriend-in-nood-fraude"),
        ("Losgeld", "Alle bestanden op de server versleuteld, losgeldbrief op het scherm.", "malware-ransomware"),
        ("Feest viraal", "Openbare uitnodiging voor verjaardagsfeest op Instagram, duizenden aanmeldingen, Project X-risico.", "online-oproep-ordeverstoring"),
        ("Sluis", "Iemand heeft op afstand ingelogd op de PLC van de sluisbesturing.", "aanval-ics"),
    ],
)
def test_suggest_clear_cases(clf: Classifier, title: str, description: str, form: str) -> None:
    s = clf.suggest(title, description)
    top = s.form if not s.unsure else s.alternatives[0].form
    assert top == form, s
    assert s.category in (None, load_taxonomy().category_of(form))


def test_unsure_below_threshold(clf: Classifier) -> None:
    s = clf.suggest("Melding", "Er is iets raars gebeurd met de computer", threshold=1.01)
    assert s.unsure and s.form == UNSURE and s.category is None
    assert 1 <= len(s.alternatives) <= 3
    probs = [c.probability for c in s.alternatives]
    assert probs == sorted(probs, reverse=True) and probs[0] == pytest.approx(s.probability)
    d = s.to_dict()
    assert d["form"] == "onzeker" and d["unsure"] is True and len(d["alternatives"]) == len(s.alternatives)
    sure = clf.suggest("Melding", "Er is iets raars gebeurd met de computer", threshold=0.0)
    assert not sure.unsure and sure.form == s.alternatives[0].form
    assert set(sure.to_dict()) == {"form", "category", "probability"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(max_size=60), description=st.text(max_size=200), threshold=st.floats(0, 1))
def test_suggestion_invariants(clf: Classifier, title: str, description: str, threshold: float) -> None:
    if not classify.join_text(title, description):
        with pytest.raises(ClassifierError):
            clf.suggest(title, description)
        return
    s = clf.suggest(title, description, threshold=threshold)
    assert 0.0 <= s.probability <= 1.0
    assert s.unsure == (s.probability < threshold)
    assert (s.form == UNSURE) == s.unsure
    forms = [c.form for c in s.alternatives]
    assert len(forms) == len(set(forms)) and s.form not in forms
    json.dumps(s.to_dict())


def test_suggest_many_matches_suggest(clf: Classifier, corpus: list[Example]) -> None:
    items = [(e.title, e.description) for e in corpus[::97]]
    assert clf.suggest_many(items) == [clf.suggest(t, d) for t, d in items]


# --------------------------------------------------------------------------- fast inference path (FastProba)

_ODD = [
    " ", "\t", "\n", "\xa0", "\u2028", "\u3000", "\x1c", "℡", "İ", "ı", "ſ", "é", "ß", "ﬁ", "Ǆ", "①", "😀", "€",
    "-", ".", "06-12345678", "NL91ABNA0417164300", "Bank", "phishing", "RANSOMWARE", "hoi mam", "DigiD", "link",
]  # fmt: skip


def test_fast_path_is_used_and_exact_on_corpus(clf: Classifier, corpus: list[Example]) -> None:
    fast = clf.fast_path
    assert fast is not None
    texts = [e.text for e in corpus]
    assert np.array_equal(clf.predict_proba(texts), clf.pipeline.predict_proba(texts))
    diff = fast.features(texts) != clf.pipeline.named_steps["features"].transform(texts)
    assert diff.nnz == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.lists(st.one_of(st.sampled_from(_ODD), st.text(max_size=8)), max_size=12).map("".join),
        min_size=1,
        max_size=6,
    )
)
def test_fast_path_equals_pipeline_on_any_text(clf: Classifier, texts: list[str]) -> None:
    assert np.array_equal(clf.predict_proba(texts), clf.pipeline.predict_proba(texts))
    for t in texts:  # one text at a time, as suggest() does
        assert np.array_equal(clf.predict_proba([t]), clf.pipeline.predict_proba([t]))


def test_single_suggest_probabilities_equal_the_pipeline(clf: Classifier, corpus: list[Example]) -> None:
    for e in corpus[::53]:
        s = clf.suggest(e.title, e.description, threshold=0.0)
        probs = clf.pipeline.predict_proba([e.text])[0]
        assert s.probability == probs.max()
        assert {c.form: c.probability for c in s.alternatives} == {
            f: p for f, p in zip(clf.forms, probs, strict=True) if f in {c.form for c in s.alternatives}
        }


def test_fast_path_falls_back_for_another_model(corpus: list[Example]) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    pipe = Pipeline([("features", classify.TfidfVectorizer()), ("model", LogisticRegression(max_iter=200))])
    pipe.fit([e.text for e in corpus], [e.form for e in corpus])
    other = Classifier(pipeline=pipe, taxonomy=load_taxonomy())
    assert other.fast_path is None
    texts = [e.text for e in corpus[:5]]
    assert np.array_equal(other.predict_proba(texts), pipe.predict_proba(texts))


def test_fast_path_is_dropped_when_it_disagrees(clf: Classifier, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = classify.FastProba.__call__

    def off_by_a_bit(self: classify.FastProba, texts: list[str]) -> np.ndarray:
        return np.nextafter(wrong(self, texts), 2.0)

    monkeypatch.setattr(classify.FastProba, "__call__", off_by_a_bit)
    assert classify.FastProba.build(clf.pipeline) is None


def test_fast_path_is_not_pickled(clf: Classifier, tmp_path: Path) -> None:
    import joblib

    assert clf.fast_path is not None
    joblib.dump(clf, tmp_path / "clf.joblib")
    loaded = joblib.load(tmp_path / "clf.joblib")
    assert loaded._fast is None
    assert loaded.suggest("Phishing", "Nepmail van de bank") == clf.suggest("Phishing", "Nepmail van de bank")
    assert loaded.fast_path is not None


# --------------------------------------------------------------------------- feedback: the user's choice wins


def test_feedback_wins(small_corpus: Path, tmp_path: Path) -> None:
    base = load_examples(small_corpus)
    victim = base[0]
    assert victim.form != "treitervloggers"
    choice = feedback_example(victim.title, victim.description, "treitervloggers")
    merged = merge_examples(base, [choice])
    assert len(merged) == len(base) and choice in merged and victim not in merged
    clf = retrain([choice], tmp_path, corpus_path=small_corpus)
    s = clf.suggest(victim.title.upper(), victim.description)  # same text, other case
    assert (s.form, s.probability, s.source, s.unsure) == ("treitervloggers", 1.0, "feedback", False)
    with pytest.raises(ClassifierError):
        feedback_example("x", "y", "not-a-form")


def test_load_or_train_caches_by_hash(small_corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_or_train(cache, corpus_path=small_corpus)
    files = list(cache.glob("classifier-*.joblib"))
    assert len(files) == 1 and first.fingerprint[:24] in files[0].name
    mtime = files[0].stat().st_mtime_ns
    again = load_or_train(cache, corpus_path=small_corpus)
    assert again.fingerprint == first.fingerprint and files[0].stat().st_mtime_ns == mtime
    assert again.suggest("ddos", "site plat") == first.suggest("ddos", "site plat")
    extra = [Example("Nieuwe melding", "Treitervlogger filmt buren op de galerij", "treitervloggers")]
    third = load_or_train(cache, extra, corpus_path=small_corpus)
    assert third.fingerprint != first.fingerprint
    assert [p.name for p in cache.glob("classifier-*.joblib")] == [f"classifier-{third.fingerprint[:24]}.joblib"]
    # a corrupt cache file is rebuilt, not fatal
    (cache / f"classifier-{third.fingerprint[:24]}.joblib").write_bytes(b"garbage")
    assert load_or_train(cache, extra, corpus_path=small_corpus).fingerprint == third.fingerprint


def test_train_rejects_bad_data() -> None:
    with pytest.raises(ClassifierError):
        train([])
    with pytest.raises(ClassifierError):
        train([Example("a", "b", "ddos"), Example("c", "d", "ddos")])
    with pytest.raises(ClassifierError):
        train([Example("a", "b", "ddos"), Example("c", "d", "nope"), Example("e", "f", "nope")])


# --------------------------------------------------------------------------- command-line core


def _run(clf: Classifier, text: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = classify_main(io.StringIO(text), out, classifier=clf, stderr=err)
    return rc, out.getvalue(), err.getvalue()


def test_classify_main_json_and_text(clf: Classifier) -> None:
    rc, out, err = _run(clf, json.dumps({"title": "DDoS-aanval", "description": "website gemeente onbereikbaar door DDoS"}))
    assert rc == 0 and not err
    data = json.loads(out)
    assert data == {"form": "ddos", "category": "cybercrime", "probability": data["probability"]}
    assert 0 < data["probability"] <= 1
    rc, out, _ = _run(clf, "Geldezel\nJongen leende zijn bankpas uit voor 200 euro, rekening gebruikt voor oplichtingsgeld")
    assert rc == 0 and json.loads(out)["form"] in {"digitaal-witwassen", "onzeker"}


def test_classify_main_unsure_and_bad_input(clf: Classifier) -> None:
    clf_strict = Classifier(clf.pipeline, clf.taxonomy, threshold=1.01, fingerprint=clf.fingerprint)
    rc, out, _ = _run(clf_strict, '{"title": "iets met internet"}')
    data = json.loads(out)
    assert rc == 0 and data["form"] == "onzeker" and data["category"] is None and data["alternatives"]
    for bad in ("", "   \n", "{not json", '{"title": ""}', "[1, 2]"):
        rc, out, err = _run(clf, bad)
        assert rc == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err


def test_pure_core_imports_no_django() -> None:
    for mod in ("cyberbeeld.incidents.classify", "cyberbeeld.incidents.taxonomy"):
        src = Path(sys.modules[mod].__file__ or "").read_text(encoding="utf-8")
        assert "import django" not in src and "from django" not in src
