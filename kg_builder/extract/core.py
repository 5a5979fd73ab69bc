"""One function from a parsed article to its :class:`~kg_builder.model.Extraction`."""

from __future__ import annotations

from spacy.tokens import Doc

from ..gazetteer import ActorGazetteer, PlaceGazetteer
from ..model import Article, Extraction
from .entities import EntityExtractor
from .events import EventExtractor
from .relations import extract_relations


class Extractor:
    """Holds the gazetteers and rule tables; call it once per parsed article."""

    def __init__(self, places: PlaceGazetteer, actors: ActorGazetteer):
        self.entities = EntityExtractor(places, actors)
        self.events = EventExtractor()

    def __call__(self, doc: Doc, article: Article) -> Extraction:
        ex = Extraction(article=article)
        if not any(t.is_alpha for t in doc):
            ex.warnings.append("no words to analyse")
            return ex
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
