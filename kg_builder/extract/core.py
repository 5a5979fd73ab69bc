"""One function from a parsed article to its :class:`~kg_builder.model.Extraction`."""

from __future__ import annotations

from spacy.tokens import Doc

from ..gazetteer import ActorGazetteer, PlaceGazetteer
from ..model import Article, Extraction
from .entities import OBJECT_CACHES, EntityExtractor, doc_tokens
from .events import EventExtractor
from .relations import extract_relations


class Extractor:
    """Holds the gazetteers and rule tables; call it once per parsed article."""

    def __init__(self, places: PlaceGazetteer, actors: ActorGazetteer):
        self.entities = EntityExtractor(places, actors)
        self.events = EventExtractor()

    def __call__(self, doc: Doc, article: Article) -> Extraction:
        try:
            return self._extract(doc, article)
        finally:
            # the tokens and spans cached while extracting must not stay on a doc that may
            # be serialised (user_data goes through msgpack)
            for key in OBJECT_CACHES:
                doc.user_data.pop(key, None)

    def _extract(self, doc: Doc, article: Article) -> Extraction:
        ex = Extraction(article=article)
        if not any(t.is_alpha for t in doc_tokens(doc)):
            ex.warnings.append("no words to analyse")
            return ex
        ex.warnings.extend(_analysis_warnings(doc))
        idx = self.entities.extract(doc)
        events = self.events.extract(doc, article, idx)
        relations = extract_relations(doc, idx)
        # keep only actors and places that have a mention (pronoun-only actors never exist)
        ex.actors = {k: a for k, a in idx.actors.items() if a.mentions}
        used_places = {e.place for e in events if e.place}
        ex.places = {k: p for k, p in idx.places.items() if p.mentions or k in used_places}
        for p in list(ex.places.values()):  # anchors of relative places are kept
            if p.anchor and p.anchor in idx.places:
                ex.places.setdefault(p.anchor, idx.places[p.anchor])
        ex.events = events
        ex.relations = relations
        return ex


#: Sentences longer than this (tokens) are usually tables, lists or run-on text the parser
#: cannot analyse reliably.
LONG_SENTENCE = 150


def _analysis_warnings(doc: Doc) -> list[str]:
    """Say when the text could not be analysed well: not English, or sentences too long."""
    warnings = []
    words = [t for t in doc_tokens(doc) if t.is_alpha]
    if len(words) >= 20 and sum(t.is_stop for t in words) / len(words) < 0.15:
        warnings.append("text does not look like English; little or nothing may be extracted")
    for sent in doc.sents:
        if len(sent) > LONG_SENTENCE:
            warnings.append(f"a sentence of {len(sent)} tokens at character {sent.start_char} "
                            "(a table or list?) may be analysed poorly")
            break
    return warnings
