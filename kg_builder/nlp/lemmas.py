"""The English model's rule lemmatizer, remembering each lemma per (word, POS, morphology).

Why: spaCy's rule lemmatizer visits every token in Python, building a ``Token`` and reading its
text, POS and morphology before its own cache lookup: 2.6–2.9 ms an article of news text, for
answers that depend on those three values alone (its cache key is the same). This subclass reads
the three values and the current lemma of all tokens at once with :meth:`Doc.to_array`, asks the
stock :meth:`rule_lemmatize` only for a combination it has not seen, and writes all lemmas back
with one :meth:`Doc.from_array`. Tokens that already have a lemma (from the attribute ruler's
exceptions) keep it, as in spaCy. Tests compare the lemmas with the stock lemmatizer's.

:func:`speed_up_lemmatizer` swaps it in for a loaded English pipeline's lemmatizer (rule mode
only); the component keeps its name, place and lookup tables.
"""

from __future__ import annotations

import numpy
from spacy.attrs import LEMMA, MORPH, ORTH, POS
from spacy.errors import Errors
from spacy.lang.en.lemmatizer import EnglishLemmatizer
from spacy.language import Language
from spacy.tokens import Doc

__all__ = ["FastEnglishLemmatizer", "speed_up_lemmatizer"]


class FastEnglishLemmatizer(EnglishLemmatizer):
    """spaCy's English rule lemmatizer with one array read and write per document."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: (ORTH, POS, MORPH) -> LEMMA hash, for tokens whose POS is set
        self._lemma_ids: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if self.mode != "rule":
            return super().__call__(doc)
        if not self._validated:
            self._validate_tables(Errors.E1004)
        if not len(doc):
            return doc
        error_handler = self.get_error_handler()
        try:
            known, strings, overwrite = self._lemma_ids, doc.vocab.strings, self.overwrite
            lemmas = []
            for i, (orth, pos, morph, lemma) in enumerate(
                    doc.to_array([ORTH, POS, MORPH, LEMMA]).tolist()):
                if lemma and not overwrite:
                    lemmas.append(lemma)
                    continue
                key = (orth, pos, morph)
                found = known.get(key)
                if found is None:
                    found = strings.add(self.lemmatize(doc[i])[0])
                    if pos:  # (without a POS spaCy warns each time: ask it each time)
                        known[key] = found
                lemmas.append(found)
            doc.from_array([LEMMA], numpy.array(lemmas, dtype="uint64").reshape(-1, 1))
            return doc
        except Exception as exc:  # noqa: BLE001 - spaCy's own error handling, as in the stock one
            return error_handler(self.name, self, [doc], exc)


@Language.factory("kg_lemmatizer", default_config={"mode": "rule", "overwrite": False})
def make_fast_lemmatizer(nlp: Language, name: str, mode: str, overwrite: bool
                         ) -> FastEnglishLemmatizer:
    """spaCy factory (config over code): a lemmatizer without tables, given the model's by
    :func:`speed_up_lemmatizer`."""
    return FastEnglishLemmatizer(nlp.vocab, None, name, mode=mode, overwrite=overwrite)


def speed_up_lemmatizer(nlp: Language, name: str = "lemmatizer") -> bool:
    """Replace the pipeline's English rule lemmatizer by a :class:`FastEnglishLemmatizer` with
    the same tables, in the same place under the same name. Returns whether it was replaced
    (not when there is no such component, it is another class or not in rule mode)."""
    if name not in nlp.pipe_names:
        return False
    old = nlp.get_pipe(name)
    if type(old) is not EnglishLemmatizer or old.mode != "rule":
        return False
    new = nlp.replace_pipe(name, "kg_lemmatizer",
                           config={"mode": old.mode, "overwrite": old.overwrite})
    new.lookups = old.lookups
    new.scorer = old.scorer
    return True
