"""Suggest the form (verschijningsvorm) of an incident from its title and description (pure, no Django).

Model: TF-IDF over word uni- and bigrams plus character 2–5-grams (``char_wb``, robust to typos and
Dutch compounds such as *bankhelpdeskfraude*), a linear SVM, and isotonic calibration
(``CalibratedClassifierCV``, 5 internal folds) so that the score is a probability.

Inference does not go through scikit-learn's ``predict_proba`` but through :class:`FastProba`, which computes
the same probabilities (bit for bit; checked when it is built, and by the tests) without the per-call input
validation of 85 calibrators (~9 ms per call) and with the character n-grams looked up once per distinct word
of a call: one :meth:`Classifier.suggest` ≈ 1.3 ms instead of ≈ 10 ms, a batch ≈ 0.35 ms per text instead of
≈ 0.55 (the 146 texts of the redaction corpus in one call).

Training data is the labelled Dutch corpus ``corpus/classification_nl.jsonl`` in the repository (written
by the team, fictitious; see ``corpus/README.md``) plus *feedback*: the form a user chose for an
incident. The user's choice always wins: a feedback example replaces a corpus example with the same
text, and a text that a user has labelled is returned with that label and probability 1.

No model file is downloaded or committed. :func:`load_or_train` trains on first use and caches the
fitted model with joblib under a name derived from a SHA-256 over the training examples (corpus +
feedback) and the model version, so any change to the corpus or the feedback gives a new model.

Unsure threshold. Below :data:`DEFAULT_THRESHOLD` the suggestion is ``"onzeker"`` with the top
candidates, and the user is asked to choose. The default comes from stratified 5-fold cross-validation
on the corpus (see :func:`evaluate` and :func:`choose_threshold`): it is the lowest probability at
which suggestions above it are at least 95 % correct. Measured on the 738-text corpus (three CV
seeds): macro-F1 0.895–0.910, expected calibration error 0.08–0.10; at 0.60, 83–84 % of texts get a
suggestion and 95.3–96.0 % of those are right; for the other 16–17 % the right form is among the three
candidates shown in 95–98 %.
Re-measure with ``benchmarks/incidents_bench.py`` after changing the corpus.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from itertools import chain, repeat
from operator import is_not
from pathlib import Path
from typing import IO, Any, Literal

import joblib
import numpy as np
import sklearn
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline, make_union
from sklearn.preprocessing import LabelEncoder
from sklearn.svm import LinearSVC
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from cyberbeeld.common.errors import Invalid
from cyberbeeld.incidents.taxonomy import Taxonomy, load_taxonomy

UNSURE = "onzeker"
DEFAULT_THRESHOLD = 0.60
TARGET_PRECISION = 0.95
MODEL_VERSION = "tfidf-word12-char25-linearsvc-isotonic-v1"
CORPUS_PATH = Path(__file__).resolve().parent / "corpus" / "classification_nl.jsonl"
N_ALTERNATIVES = 3


class ClassifierError(Invalid):
    """Bad training data or bad input."""

    code = "classifier"


@dataclass(frozen=True)
class Example:
    """A labelled text: what a user wrote and the form it belongs to."""

    title: str
    description: str
    form: str

    @property
    def text(self) -> str:
        return join_text(self.title, self.description)


@dataclass(frozen=True)
class Candidate:
    form: str
    category: str
    probability: float


@dataclass(frozen=True)
class Suggestion:
    """The suggested form, or ``form == "onzeker"`` (``unsure``) with the candidates to choose from."""

    form: str
    category: str | None
    probability: float
    alternatives: tuple[Candidate, ...]
    unsure: bool
    source: str = "model"  # "model" or "feedback" (a user labelled this very text before)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"form": self.form, "category": self.category, "probability": round(self.probability, 4)}
        if self.unsure:
            d["unsure"] = True
            d["alternatives"] = [
                {"form": c.form, "category": c.category, "probability": round(c.probability, 4)} for c in self.alternatives
            ]
        return d


# --------------------------------------------------------------------------- text and data


def join_text(title: str, description: str) -> str:
    title = (title or "").strip()
    description = (description or "").strip()
    if title and description:
        return f"{title}. {description}"
    return title or description


def _norm_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\W+", " ", text).strip()


def load_examples(path: str | Path) -> list[Example]:
    """Read labelled examples from JSON Lines (``title``, ``description``, ``form``)."""
    out: list[Example] = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                out.append(Example(str(row.get("title", "")), str(row.get("description", "")), str(row["form"])))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ClassifierError(f"{path}:{n}: not a labelled example ({exc})") from exc
    return out


def load_corpus(path: str | Path | None = None) -> list[Example]:
    return load_examples(path or CORPUS_PATH)


def feedback_example(title: str, description: str, chosen_form: str, taxonomy: Taxonomy | None = None) -> Example:
    """The example to store when a user chooses (or corrects) the form of an incident."""
    tax = taxonomy or load_taxonomy()
    if chosen_form not in tax.form_codes:
        raise ClassifierError(f"unknown form: {chosen_form}")
    if not join_text(title, description):
        raise ClassifierError("empty text")
    return Example(title, description, chosen_form)


def append_examples(path: str | Path, examples: Iterable[Example]) -> None:
    """Append examples to a JSON Lines file (a simple feedback store outside the database)."""
    with open(path, "a", encoding="utf-8") as fh:
        for e in examples:
            fh.write(json.dumps(asdict(e), ensure_ascii=False) + "\n")


def merge_examples(corpus: Iterable[Example], extra: Iterable[Example]) -> list[Example]:
    """Corpus plus feedback; for the same text (ignoring case and punctuation) the later one wins."""
    merged: dict[str, Example] = {}
    for e in list(corpus) + list(extra):
        key = _norm_key(e.text)
        if key:
            merged.pop(key, None)
            merged[key] = e
    return list(merged.values())


def examples_hash(examples: Iterable[Example]) -> str:
    h = hashlib.sha256()
    h.update(f"{MODEL_VERSION}|sklearn={sklearn.__version__}\n".encode())
    for e in examples:
        h.update(json.dumps([e.title, e.description, e.form], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


# --------------------------------------------------------------------------- model


def build_pipeline(cv: int = 5, seed: int = 0) -> Pipeline:
    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode", lowercase=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, strip_accents="unicode", min_df=2),
    )
    svm = LinearSVC(C=0.5, random_state=seed)
    model = CalibratedClassifierCV(svm, method="isotonic", cv=StratifiedKFold(cv, shuffle=True, random_state=seed))
    return Pipeline([("features", features), ("model", model)])


def _calibration_folds(labels: Sequence[str]) -> int:
    least = min(Counter(labels).values())
    if least < 2:
        raise ClassifierError("every form needs at least 2 training examples")
    return min(5, least)


# --------------------------------------------------------------------------- fast, exact inference

_WHITE_SPACES = re.compile(r"\s\s+")  # as sklearn's _VectorizerMixin._white_spaces
_NOT_NONE = partial(is_not, None)
# Probe texts for the self-check of the fast path (any text will do; these touch many features).
_PROBES = (
    "Phishing-sms namens de bank: klant klikte op de link en gaf zijn inlogcodes.",
    "Ransomware versleutelde de server van een MKB-bedrijf; losgeld gevraagd in bitcoin.",
    "Hoi mam, mijn telefoon is kapot. Kun je even €450 overmaken?",
    "",
)


class FastProba:
    """``pipeline.predict_proba`` of a :func:`build_pipeline` model, computed the same way with less overhead.

    scikit-learn validates the input of every step on every call; with 5 calibration folds × 17 isotonic
    calibrators that is ~9 ms per call, most of a single :meth:`Classifier.suggest`. This computes the same
    numbers with the same operations in the same order: the vectorizers' own analyzers and fitted
    vocabularies/idf, counts → ``log + 1`` → ``× idf`` → l2 norm (``TfidfTransformer``), the two blocks side by
    side (``FeatureUnion``), per fold ``X @ coef.T + intercept`` (``LinearSVC.decision_function``), each
    isotonic calibrator's linear interpolation of the clipped scores over its thresholds (``numpy.interp``,
    to which scipy's ``interp1d`` delegates here), normalisation and the mean over the folds
    (``CalibratedClassifierCV``). Only the counting differs: one ``numpy.unique`` over (row, feature) instead
    of a Python loop over the n-grams (the same counts).

    :meth:`build` returns ``None`` for a pipeline of another shape, and also when the result differs from
    ``pipeline.predict_proba`` on probe texts (e.g. after a scikit-learn upgrade changed the computation); the
    caller then uses the pipeline itself. Tests compare both on the corpus and on random text.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        union, model = pipeline.named_steps["features"], pipeline.named_steps["model"]
        if not isinstance(union, FeatureUnion) or union.transformer_weights is not None:
            raise TypeError("features: expected an unweighted FeatureUnion")
        self.vectorizers: list[TfidfVectorizer] = []
        for _, vec in union.transformer_list:
            if (type(vec) is not TfidfVectorizer or vec.input != "content" or vec.binary or vec.norm != "l2"
                    or not vec.use_idf or not isinstance(vec.analyzer, str)):
                raise TypeError("features: expected TfidfVectorizer(norm='l2', use_idf=True, binary=False)")
            self.vectorizers.append(vec)
        if not isinstance(model, CalibratedClassifierCV) or model.method != "isotonic":
            raise TypeError("model: expected CalibratedClassifierCV(method='isotonic')")
        self.n_classes = int(model.classes_.shape[0])
        if self.n_classes < 3:
            raise TypeError("model: the binary case is not covered")
        # per fold: coef.T, intercept, and per score column (class index, clip range, isotonic thresholds)
        self.folds: list[tuple[Any, Any, list[tuple[int, float, float, np.ndarray, np.ndarray]]]] = []
        for cc in model.calibrated_classifiers_:
            est = cc.estimator
            if type(est) is not LinearSVC or cc.classes.shape[0] != self.n_classes:
                raise TypeError("model: expected LinearSVC folds over all classes")
            columns = LabelEncoder().fit(cc.classes).transform(est.classes_)
            calibrators = []
            for c, cal in zip(columns, cc.calibrators, strict=True):
                if cal.out_of_bounds != "clip":
                    raise TypeError("model: expected isotonic calibrators with out_of_bounds='clip'")
                calibrators.append((int(c), cal.X_min_, cal.X_max_, cal.X_thresholds_, cal.y_thresholds_))
            self.folds.append((est.coef_.T, est.intercept_, calibrators))

    @classmethod
    def build(cls, pipeline: Pipeline) -> FastProba | None:
        try:
            fast = cls(pipeline)
            same = np.array_equal(fast(_PROBES), np.asarray(pipeline.predict_proba(list(_PROBES))))
        except (AttributeError, ImportError, KeyError, TypeError, ValueError):
            return None
        return fast if same else None

    def _feature_ids(self, v: int, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Row and feature index of every known n-gram of every text, for vectorizer ``v``."""
        vec = self.vectorizers[v]
        index = vec.vocabulary_.get
        if vec.analyzer != "char_wb":
            analyze = vec.build_analyzer()
            grams = [analyze(text) for text in texts]
            lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
            found = np.fromiter(
                map(index, chain.from_iterable(grams), repeat(-1)), dtype=np.int64, count=int(lengths.sum())
            )
            rows = np.repeat(np.arange(len(grams), dtype=np.int64), lengths)
            known = found >= 0
            return rows[known], found[known]
        # char_wb n-grams never cross a word boundary: those of a text are those of its words, one after the
        # other (``_char_wb_ngrams`` splits the preprocessed text on white space). So they are looked up once
        # per distinct word of the call (words repeat a lot). The cache lives for this call only: nothing of
        # an incident's text stays in memory afterwards, nor can a later call tell from its speed which
        # words were seen before.
        preprocess = vec.build_preprocessor()
        ngrams = vec._char_wb_ngrams
        cache: dict[str, tuple[int, ...]] = {}
        parts: list[tuple[int, ...]] = []
        per_text = np.zeros(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            n = 0
            for word in _WHITE_SPACES.sub(" ", preprocess(vec.decode(text))).split():
                ids = cache.get(word)
                if ids is None:
                    ids = cache[word] = tuple(filter(_NOT_NONE, map(index, ngrams(word))))
                parts.append(ids)
                n += len(ids)
            per_text[i] = n
        ids_all = np.fromiter(chain.from_iterable(parts), dtype=np.int64, count=int(per_text.sum()))
        return np.repeat(np.arange(len(texts), dtype=np.int64), per_text), ids_all

    def _tfidf(self, v: int, texts: Sequence[str]) -> Any:
        vec = self.vectorizers[v]
        n_features = len(vec.vocabulary_)
        rows, ids = self._feature_ids(v, texts)
        # one sorted pass over (row, feature): the counts, with the indices of each row sorted (as CountVectorizer)
        keys, counts = np.unique(rows * n_features + ids, return_counts=True)
        cols = (keys % n_features).astype(np.int32)
        indptr = np.searchsorted(keys // n_features, np.arange(len(texts) + 1)).astype(np.int32)
        data = counts.astype(np.float64)
        if vec.sublinear_tf:
            np.log(data, data)
            data += 1.0
        data *= vec.idf_[cols]
        x = sparse.csr_matrix((data, cols, indptr), shape=(len(texts), n_features))
        inplace_csr_row_normalize_l2(x)  # what sklearn.preprocessing.normalize does, without input validation
        return x

    def features(self, texts: Sequence[str]) -> Any:
        return sparse.hstack([self._tfidf(v, texts) for v in range(len(self.vectorizers))]).tocsr()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        x = self.features(texts)
        mean = np.zeros((len(texts), self.n_classes))
        for coef_t, intercept, calibrators in self.folds:
            scores = x @ coef_t + intercept
            proba = np.zeros((len(texts), self.n_classes))
            for column, (class_idx, lo, hi, xs, ys) in enumerate(calibrators):
                proba[:, class_idx] = np.interp(np.clip(scores[:, column], lo, hi), xs, ys)
            denominator = np.sum(proba, axis=1)[:, np.newaxis]
            uniform = np.full_like(proba, 1 / self.n_classes)
            proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
            proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
            mean += proba
        mean /= len(self.folds)
        return mean


@dataclass
class Classifier:
    pipeline: Pipeline
    taxonomy: Taxonomy
    threshold: float = DEFAULT_THRESHOLD
    fingerprint: str = ""
    n_examples: int = 0
    remembered: dict[str, str] = field(default_factory=dict)  # normalised feedback text → chosen form
    # FastProba for this pipeline, built on first use and never pickled; False: tried, not usable
    _fast: FastProba | Literal[False] | None = field(default=None, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_fast"] = None
        return state

    @property
    def forms(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.pipeline.classes_)

    @property
    def fast_path(self) -> FastProba | None:
        if self._fast is None:
            self._fast = FastProba.build(self.pipeline) or False
        return self._fast if self._fast is not False else None

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        fast = self.fast_path
        if fast is not None:
            return fast(list(texts))
        return np.asarray(self.pipeline.predict_proba(list(texts)))

    def _candidates(self, probs: np.ndarray) -> list[Candidate]:
        order = np.argsort(-probs, kind="stable")
        forms = self.forms
        return [
            Candidate(forms[i], self.taxonomy.category_of(forms[i]), float(probs[i])) for i in order[: N_ALTERNATIVES + 1]
        ]

    def _suggestion(self, text: str, probs: np.ndarray, threshold: float) -> Suggestion:
        remembered = self.remembered.get(_norm_key(text))
        cands = self._candidates(probs)
        if remembered is not None:  # a user labelled this very text: their choice wins
            others = tuple(c for c in cands if c.form != remembered)[:N_ALTERNATIVES]
            return Suggestion(remembered, self.taxonomy.category_of(remembered), 1.0, others, False, "feedback")
        best = cands[0]
        if best.probability >= threshold:
            return Suggestion(best.form, best.category, best.probability, tuple(cands[1:]), False)
        return Suggestion(UNSURE, None, best.probability, tuple(cands[:N_ALTERNATIVES]), True)

    def suggest(self, title: str, description: str = "", threshold: float | None = None) -> Suggestion:
        text = join_text(title, description)
        if not text:
            raise ClassifierError("empty text: give a title or a description")
        probs = self.predict_proba([text])[0]
        return self._suggestion(text, probs, self.threshold if threshold is None else threshold)

    def suggest_many(self, items: Sequence[tuple[str, str]], threshold: float | None = None) -> list[Suggestion]:
        texts = [join_text(t, d) for t, d in items]
        if any(not t for t in texts):
            raise ClassifierError("empty text")
        probs = self.predict_proba(texts)
        th = self.threshold if threshold is None else threshold
        return [self._suggestion(t, p, th) for t, p in zip(texts, probs, strict=True)]


def train(
    examples: Iterable[Example],
    *,
    taxonomy: Taxonomy | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    remember: Iterable[Example] = (),
    seed: int = 0,
) -> Classifier:
    """Fit a classifier. ``remember``: feedback examples whose exact text is answered from memory."""
    tax = taxonomy or load_taxonomy()
    data = [e for e in examples if e.text]
    if not data:
        raise ClassifierError("no training examples")
    unknown = sorted({e.form for e in data} - set(tax.form_codes))
    if unknown:
        raise ClassifierError(f"unknown forms in training data: {unknown}")
    labels = [e.form for e in data]
    if len(set(labels)) < 2:
        raise ClassifierError("need examples of at least two forms")
    pipe = build_pipeline(cv=_calibration_folds(labels), seed=seed)
    pipe.fit([e.text for e in data], labels)
    return Classifier(
        pipeline=pipe,
        taxonomy=tax,
        threshold=threshold,
        fingerprint=examples_hash(data),
        n_examples=len(data),
        remembered={_norm_key(e.text): e.form for e in remember if e.text},
    )


def default_cache_dir() -> Path:
    env = os.environ.get("CYBERBEELD_CACHE_DIR")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cyberbeeld"
    return base / "classifier"


def _cache_file(cache_dir: Path, fingerprint: str) -> Path:
    return cache_dir / f"classifier-{fingerprint[:24]}.joblib"


def _training_set(extra_examples: Iterable[Example], corpus_path: str | Path | None) -> tuple[list[Example], list[Example]]:
    extra = list(extra_examples)
    return merge_examples(load_corpus(corpus_path), extra), extra


def load_or_train(
    cache_dir: str | Path | None = None,
    extra_examples: Iterable[Example] = (),
    *,
    corpus_path: str | Path | None = None,
    taxonomy: Taxonomy | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Classifier:
    """The classifier for corpus + feedback, from the joblib cache or freshly trained (and cached)."""
    data, extra = _training_set(extra_examples, corpus_path)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = _cache_file(cache, examples_hash(data))
    if path.is_file():
        try:
            clf = joblib.load(path)
            if isinstance(clf, Classifier) and clf.fingerprint == examples_hash(data):
                clf.threshold = threshold
                clf.taxonomy = taxonomy or load_taxonomy()  # names/categories from the current file
                return clf
        except Exception:  # noqa: BLE001 - a broken or incompatible cache file is simply rebuilt
            pass
    return _train_and_store(data, extra, cache, taxonomy, threshold)


def retrain(
    extra_examples: Iterable[Example],
    cache_dir: str | Path | None = None,
    *,
    corpus_path: str | Path | None = None,
    taxonomy: Taxonomy | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Classifier:
    """Train again on corpus + feedback (for ``cyberbeeld retrain-classifier``) and replace the cache."""
    data, extra = _training_set(extra_examples, corpus_path)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return _train_and_store(data, extra, cache, taxonomy, threshold)


def _train_and_store(
    data: list[Example], extra: list[Example], cache: Path, taxonomy: Taxonomy | None, threshold: float
) -> Classifier:
    clf = train(data, taxonomy=taxonomy, threshold=threshold, remember=extra)
    cache.mkdir(parents=True, exist_ok=True)
    target = _cache_file(cache, clf.fingerprint)
    fd, tmp = tempfile.mkstemp(dir=cache, prefix=".tmp-", suffix=".joblib")
    os.close(fd)
    try:
        joblib.dump(clf, tmp)
        os.replace(tmp, target)  # atomic: concurrent readers see the old or the new file, never half
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    for old in cache.glob("classifier-*.joblib"):  # keep only the current model
        if old != target:
            try:
                old.unlink()
            except OSError:
                pass
    return clf


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    n: int
    mean_probability: float
    accuracy: float


@dataclass(frozen=True)
class Evaluation:
    folds: int
    n: int
    macro_f1: float
    accuracy: float
    per_form_f1: dict[str, float]
    ece: float  # expected calibration error of the top probability (10 equal-width bins)
    brier: float  # multi-class Brier score (sum over classes, mean over texts)
    threshold: float
    coverage: float  # share of texts at or above the threshold
    accuracy_above_threshold: float
    top3_accuracy_below_threshold: float
    suggested_threshold: float  # from choose_threshold at TARGET_PRECISION
    reliability: tuple[ReliabilityBin, ...]
    seconds: float


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, target: float = TARGET_PRECISION) -> float:
    """Lowest threshold (on a 0.05 grid) at which the suggestions at or above it are ≥ ``target`` correct."""
    for th in np.round(np.arange(0.05, 1.0001, 0.05), 2):
        m = confidence >= th
        if m.sum() >= max(10, 0.05 * len(confidence)) and correct[m].mean() >= target:
            return float(th)
    return 1.0


def reliability_bins(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> tuple[ReliabilityBin, ...]:
    out = []
    edges = np.linspace(0.0, 1.0, bins + 1)
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (confidence > lo) & (confidence <= hi) if lo > 0 else (confidence >= lo) & (confidence <= hi)
        n = int(m.sum())
        out.append(
            ReliabilityBin(
                float(lo), float(hi), n, float(confidence[m].mean()) if n else 0.0, float(correct[m].mean()) if n else 0.0
            )
        )
    return tuple(out)


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    total = len(confidence)
    return float(sum(b.n / total * abs(b.mean_probability - b.accuracy) for b in reliability_bins(confidence, correct, bins)))


def evaluate(
    examples: Sequence[Example] | None = None, folds: int = 5, seed: int = 0, threshold: float = DEFAULT_THRESHOLD
) -> Evaluation:
    """Stratified k-fold cross-validation: macro-F1, calibration and the unsure threshold."""
    data = list(examples) if examples is not None else load_corpus()
    texts = np.array([e.text for e in data], dtype=object)
    labels = np.array([e.form for e in data])
    classes = np.unique(labels)
    probs = np.zeros((len(data), len(classes)))
    t0 = time.perf_counter()
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, labels):
        pipe = build_pipeline(cv=_calibration_folds(list(labels[tr])), seed=seed)
        pipe.fit(list(texts[tr]), list(labels[tr]))
        cols = np.searchsorted(classes, pipe.classes_)
        probs[np.ix_(te, cols)] = pipe.predict_proba(list(texts[te]))
    seconds = time.perf_counter() - t0
    pred = classes[probs.argmax(axis=1)]
    conf = probs.max(axis=1)
    correct = pred == labels
    onehot = (labels[:, None] == classes[None, :]).astype(float)
    above = conf >= threshold
    top3 = np.argsort(-probs, axis=1)[:, :3]
    in_top3 = np.array([labels[i] in classes[top3[i]] for i in range(len(labels))])
    f1s = f1_score(labels, pred, labels=classes, average=None)
    return Evaluation(
        folds=folds,
        n=len(data),
        macro_f1=float(f1_score(labels, pred, average="macro")),
        accuracy=float(correct.mean()),
        per_form_f1={str(c): float(f) for c, f in zip(classes, f1s, strict=True)},
        ece=expected_calibration_error(conf, correct),
        brier=float(((probs - onehot) ** 2).sum(axis=1).mean()),
        threshold=threshold,
        coverage=float(above.mean()),
        accuracy_above_threshold=float(correct[above].mean()) if above.any() else 1.0,
        top3_accuracy_below_threshold=float(in_top3[~above].mean()) if (~above).any() else 1.0,
        suggested_threshold=choose_threshold(conf, correct),
        reliability=reliability_bins(conf, correct),
        seconds=seconds,
    )


# --------------------------------------------------------------------------- command line core


def _read_input(raw: str) -> tuple[str, str]:
    raw = raw.strip()
    if not raw:
        raise ClassifierError("no input: give JSON {\"title\": ..., \"description\": ...} or text")
    if raw[0] in "{[":
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ClassifierError(f"invalid JSON: {exc.msg}") from exc
        if not isinstance(obj, Mapping):
            raise ClassifierError("JSON input must be an object")
        title, desc = str(obj.get("title") or ""), str(obj.get("description") or "")
        if not (title.strip() or desc.strip()):
            raise ClassifierError("JSON input needs a title or a description")
        return title, desc
    first, _, rest = raw.partition("\n")
    return first, rest


def classify_main(
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    *,
    classifier: Classifier | None = None,
    cache_dir: str | Path | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """``cyberbeeld classify``: read one incident (JSON object, or text: first line the title) from stdin,
    print the suggestion as JSON. Returns 0, or 2 with a one-line reason on stderr for bad input."""
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    stderr = stderr if stderr is not None else sys.stderr
    try:
        title, desc = _read_input(stdin.read())
        clf = classifier or load_or_train(cache_dir)
        suggestion = clf.suggest(title, desc)
    except ClassifierError as exc:
        print(f"classify: {exc}", file=stderr)
        return 2
    json.dump(suggestion.to_dict(), stdout, ensure_ascii=False)
    stdout.write("\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(classify_main(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8")))
