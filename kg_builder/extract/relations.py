"""Relations between actors read off the parse.

- leaderOf: a person in apposition with "the leader/head/chief of X" ("the leader of Mali's
  ruling junta, Colonel Assimi Goita"), or "X leader Y";
- affiliatedWith: "X-linked Y", "Y linked/affiliated/tied/loyal to X", "Y, an affiliate of X";
- alliedWith: "cooperation/alliance with X", "Y backed/supported by X", "alongside X": the clause's
  subject actor and X;
- memberOf: "Y, a member of X".
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from ..model import Relation
from ..model import Span as TextSpan
from . import lexicon
from .entities import EntityIndex, doc_text, doc_tokens

_AFFIL_VERBS = {"link", "affiliate", "tie", "loyal", "connect", "align", "associate"}
_ALLY_VERBS = {"back", "support", "arm", "fund", "train", "assist"}
_ALLY_NOUNS = {"cooperation", "alliance", "partnership", "collaboration", "coalition", "pact"}
_ALLY_PREPS = {"alongside"}


def _actors(tok: Token, idx: EntityIndex) -> list[str]:
    out = []
    for t in [tok, *tok.conjuncts]:
        key = idx.actor_of(t)
        if key and key not in out:
            out.append(key)
    return out


def _pobj_actors(prep: Token, idx: EntityIndex) -> list[str]:
    out: list[str] = []
    for p in prep.children:
        if p.dep_ == "pobj":
            out += _actors(p, idx)
    return out


def _span(doc: Doc, a: Token, b: Token) -> TextSpan:
    lo = min(a.left_edge.idx, b.left_edge.idx)
    hi_tok = max(a.right_edge, b.right_edge, key=lambda t: t.i)
    hi = hi_tok.idx + len(hi_tok.text)
    return TextSpan(lo, hi, doc_text(doc)[lo:hi])


def _clause_subject(tok: Token, idx: EntityIndex) -> str | None:
    t = tok
    for _ in range(10):
        for c in t.children:
            if c.dep_ in {"nsubj", "nsubjpass"}:
                for x in [c, *c.subtree]:
                    if idx.actor_of(x):
                        return idx.actor_of(x)
        if t.head == t:
            break
        t = t.head
    return None


def extract_relations(doc: Doc, idx: EntityIndex) -> list[Relation]:
    rels: dict[tuple[str, str, str], Relation] = {}

    def add(s: str | None, p: str, o: str | None, span: TextSpan) -> None:
        if s is None or o is None or s == o:
            return
        if p == "alliedWith" and (o, p, s) in rels:
            s, o = o, s
        rel = rels.setdefault((s, p, o), Relation(s, p, o))
        if span not in rel.mentions:
            rel.mentions.append(span)

    for outer, inner, pred, span in idx.inner_relations:
        add(outer, pred, inner, TextSpan(span.start_char, span.end_char, span.text))

    for tok in doc_tokens(doc):
        lemma = tok.lemma_.lower()
        # leaderOf via apposition or "X leader Y"
        if lemma in lexicon.LEADER_NOUNS and tok.pos_ == "NOUN":
            groups = [
                k
                for c in tok.children
                if c.dep_ == "prep" and c.lower_ == "of"
                for k in _pobj_actors(c, idx)
            ]
            groups += [
                idx.actor_of(c)
                for c in tok.children
                if c.dep_ in {"compound", "poss", "amod"} and idx.actor_of(c)
            ]
            people = []
            if tok.dep_ == "appos" and idx.actor_of(tok.head):
                people.append(tok.head)
            people += [c for c in tok.children if c.dep_ == "appos"]
            # "the leader of Mali's ruling junta, Colonel Assimi Goita": the parser often hangs
            # the name on the group noun rather than on "leader"
            people += [
                a
                for c in tok.children
                if c.dep_ == "prep" and c.lower_ == "of"
                for p in c.children
                if p.dep_ == "pobj"
                for a in p.children
                if a.dep_ == "appos"
            ]
            if tok.dep_ == "compound" and idx.actor_of(tok.head):
                people.append(tok.head)
            for person in people:
                pk = idx.actor_of(person)
                if pk and idx.actors[pk].kind == "Person":
                    for g in groups:
                        if idx.actors[g].kind != "Person":
                            add(pk, "leaderOf", g, _span(doc, tok, person))
        # memberOf: "Y, a member of X"
        if lemma == "member" and tok.dep_ == "appos" and idx.actor_of(tok.head):
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ == "of":
                    for g in _pobj_actors(c, idx):
                        add(idx.actor_of(tok.head), "memberOf", g, _span(doc, tok.head, tok))
        # affiliatedWith: "militants linked to X", "an affiliate of X"
        if (
            lemma in _AFFIL_VERBS
            and tok.pos_ in {"VERB", "ADJ"}
            and tok.dep_ in {"acl", "amod", "relcl"}
        ):
            subj = idx.actor_of(tok.head)
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ in {"to", "with"}:
                    for g in _pobj_actors(c, idx):
                        add(subj, "affiliatedWith", g, _span(doc, tok.head, c))
        if (
            lemma in {"affiliate", "branch", "offshoot", "franchise", "wing"}
            and tok.pos_ == "NOUN"
            and tok.dep_ == "appos"
        ):
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ == "of":
                    for g in _pobj_actors(c, idx):
                        add(idx.actor_of(tok.head), "affiliatedWith", g, _span(doc, tok.head, tok))
        # alliedWith
        if (
            lemma in _ALLY_VERBS
            and tok.pos_ == "VERB"
            and any(c.dep_ == "auxpass" for c in tok.children)
            or (lemma in _ALLY_VERBS and tok.dep_ in {"acl", "amod"})
        ):
            subj = (
                idx.actor_of(tok.head) if tok.dep_ in {"acl", "amod"} else _clause_subject(tok, idx)
            )
            for c in tok.children:
                if c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ == "by"):
                    for g in _pobj_actors(c, idx):
                        add(subj, "alliedWith", g, _span(doc, tok, c))
        if lemma in _ALLY_NOUNS and tok.pos_ == "NOUN":
            subj = _clause_subject(tok, idx)
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ in {"with", "between"}:
                    for g in _pobj_actors(c, idx):
                        add(subj, "alliedWith", g, _span(doc, tok, c))
        if tok.lower_ in _ALLY_PREPS and tok.dep_ == "prep":
            subj = _clause_subject(tok.head, idx)
            for g in _pobj_actors(tok, idx):
                add(subj, "alliedWith", g, _span(doc, tok, tok))
    return list(rels.values())
