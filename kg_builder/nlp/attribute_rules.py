"""A faster drop-in for spaCy's ``attribute_ruler``: same patterns, same matches, same result.

Why: in the small English model the attribute ruler (tag map, morphology rules and lemma
exceptions: 179 patterns) runs spaCy's general token :class:`~spacy.matcher.Matcher`, which
tries every pattern at every token. On news text that costs 8–12 ms an article, about as much
as the parser, yet every one of those patterns is a fixed run of tokens (mostly one) whose
attributes must equal a value, be in or out of a set, or match a regular expression
(``{"TAG": "NNS"}``, ``{"LOWER": {"IN": ["is", "'s"]}, "TAG": "VBZ"}``).

:class:`FastAttributeRuler` is an :class:`~spacy.pipeline.AttributeRuler` (same patterns,
serialisation and :meth:`set_annotations`) whose :meth:`match` reads the tested attributes of
all tokens at once with :meth:`Doc.to_array` and finds such patterns by a dictionary lookup per
token and attribute; any other pattern (operators such as ``"OP": "+"``, other attributes or
predicates) is left to a Matcher of its own. The matches are the ones spaCy's ruler finds, as
the same ``(attr_id, match_id, start, end)`` tuples in the same order, so the annotations are
identical: tests compare both rulers match for match on the model and on hand-written patterns,
and a 300-article build writes the same quads. Matching then costs 1.2–1.8 ms an article.

:func:`speed_up_attribute_ruler` swaps it in for a loaded pipeline's ruler; the component keeps
its name and place.
"""

from __future__ import annotations

import re
from collections import Counter

from spacy.attrs import DEP, IS_SPACE, LOWER, ORTH, TAG
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc

__all__ = ["FastAttributeRuler", "speed_up_attribute_ruler"]

#: Token attributes a pattern may test and still be looked up: their values are string hashes
#: in ``Doc.to_array`` (IS_SPACE is 0 or 1).
_LOOKUP_ATTRS = {"TAG": TAG, "LOWER": LOWER, "ORTH": ORTH, "TEXT": ORTH, "DEP": DEP,
                 "IS_SPACE": IS_SPACE}
_STRING_ATTRS = {"TAG", "LOWER", "ORTH", "TEXT", "DEP"}

_EQ, _IN, _NOT_IN, _REGEX = 0, 1, 2, 3
#: (token offset in the pattern, column in the token array, operator, wanted value, frozenset
#: of values or compiled regular expression)
_Tests = tuple[tuple[int, int, int, object], ...]


class FastAttributeRuler(AttributeRuler):
    """spaCy's attribute ruler, its patterns found by dictionary lookups per token."""

    def __init__(self, vocab, name: str = "attribute_ruler", *, validate: bool = False) -> None:
        super().__init__(vocab, name, validate=validate)
        self._compiled_for = -1

    def clear(self) -> None:
        super().clear()
        self._compiled_for = -1

    def match(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        """The matches spaCy's ruler finds, sorted the same way (later rules win)."""
        if self._compiled_for != len(self.attrs):
            self._compile()
        found: set[tuple[int, int, int, int]] = set()
        if self._columns and len(doc):
            # (one row per token, also for a single column, which to_array gives flat)
            rows = doc.to_array(self._columns).reshape(len(doc), -1).tolist()
            n = len(rows)
            keyed, anywhere, strings = self._keyed, self._anywhere, doc.vocab.strings
            for start, row in enumerate(rows):
                for col, by_value in keyed:
                    for attr_id, match_id, end, tests in by_value.get(row[col], ()):
                        end += start
                        if end <= n and (not tests or _passes(rows, start, tests, strings)):
                            found.add((attr_id, match_id, start, end))
                for attr_id, match_id, end, tests in anywhere:
                    end += start
                    if end <= n and _passes(rows, start, tests, strings):
                        found.add((attr_id, match_id, start, end))
        if self._fallback is not None:
            strings = self.vocab.strings
            found.update((int(strings[m_id]), m_id, s, e)
                         for m_id, s, e in self._fallback(doc, allow_missing=True,
                                                          as_spans=False))
        return sorted(found)

    def _compile(self) -> None:
        """Split the patterns into looked-up ones and the rest (kept in a Matcher)."""
        simple: list[tuple[int, int, list[dict[int, tuple[int, object]]]]] = []
        rest: dict[int, list] = {}
        for attr_id in range(len(self.attrs)):
            match_id = self.vocab.strings[str(attr_id)]
            for pattern in self.matcher.get(str(attr_id))[1]:
                tokens = [self._token_tests(t) for t in pattern] if pattern else [None]
                if None in tokens:
                    rest.setdefault(match_id, []).append(pattern)
                else:
                    simple.append((attr_id, match_id, tokens))  # type: ignore[arg-type]
        # A pattern is filed under each value its first token's first equality or IN test
        # accepts, the columns taken most-tested first (TAG in the English models): a token
        # then costs one dictionary lookup per column. Patterns whose first token has NOT_IN
        # or REGEX tests only are tried at every token.
        count = Counter(a for _, _, tokens in simple for t in tokens for a in t)
        used = sorted(count, key=lambda a: (-count[a], a))
        column = {attr: i for i, attr in enumerate(used)}
        keyed: dict[int, dict[int, list[tuple[int, int, int, _Tests]]]] = {}
        anywhere: list[tuple[int, int, int, _Tests]] = []
        for attr_id, match_id, tokens in simple:
            checks = sorted((offset, column[a], op, v)
                            for offset, t in enumerate(tokens) for a, (op, v) in t.items())
            key = next((c for c in checks if c[0] == 0 and c[2] in (_EQ, _IN)), None)
            if key is None:
                anywhere.append((attr_id, match_id, len(tokens), tuple(checks)))
                continue
            others = tuple(c for c in checks if c is not key)
            by_value = keyed.setdefault(key[1], {})
            for value in ([key[3]] if key[2] == _EQ else key[3]):
                by_value.setdefault(value, []).append((attr_id, match_id, len(tokens), others))
        self._columns = used
        self._keyed = sorted(keyed.items())
        self._anywhere = anywhere
        self._fallback = None
        if rest:
            self._fallback = Matcher(self.vocab, validate=False)
            for match_id, patterns in rest.items():
                self._fallback.add(match_id, patterns)
        self._compiled_for = len(self.attrs)

    def _token_tests(self, token: object) -> dict[int, tuple[int, object]] | None:
        """``{attribute id: (operator, wanted)}`` for one token of a pattern when it has only
        equality, IN, NOT_IN and REGEX tests on the attributes in ``_LOOKUP_ATTRS``; else None
        (the Matcher handles the pattern: operators, other attributes and predicates)."""
        if not isinstance(token, dict) or not token:
            return None
        tests: dict[int, tuple[int, object]] = {}
        for key, value in token.items():
            name = key.upper() if isinstance(key, str) else None
            if name not in _LOOKUP_ATTRS or _LOOKUP_ATTRS[name] in tests:
                return None  # (ORTH and TEXT both given: left to the Matcher)
            if not isinstance(value, dict):
                want = self._value(name, value)
                if want is None:
                    return None
                tests[_LOOKUP_ATTRS[name]] = (_EQ, want)
                continue
            if len(value) != 1:
                return None
            op_name, arg = next(iter(value.items()))
            if op_name == "REGEX" and name in _STRING_ATTRS and isinstance(arg, str):
                tests[_LOOKUP_ATTRS[name]] = (_REGEX, re.compile(arg))
                continue
            op = {"IN": _IN, "NOT_IN": _NOT_IN}.get(op_name)
            if op is None or not isinstance(arg, list):
                return None
            wanted = [self._value(name, v) for v in arg]
            if None in wanted:
                return None
            tests[_LOOKUP_ATTRS[name]] = (op, frozenset(wanted))
        return tests

    def _value(self, name: str, value: object) -> int | None:
        """The value ``Doc.to_array`` gives for ``value`` of attribute ``name``, if plain."""
        if name in _STRING_ATTRS:
            return self.vocab.strings.add(value) if isinstance(value, str) else None
        return int(value) if isinstance(value, bool) else None


def _passes(rows: list[list[int]], start: int, tests: _Tests, strings) -> bool:
    """Whether the tokens from ``start`` pass ``tests`` (the Matcher's semantics: a regular
    expression is searched in the attribute's string)."""
    for offset, col, op, want in tests:
        value = rows[start + offset][col]
        if op == _EQ:
            if value != want:
                return False
        elif op == _REGEX:
            if want.search(strings[value]) is None:  # type: ignore[union-attr]
                return False
        elif (value in want) != (op == _IN):  # type: ignore[operator]
            return False
    return True


@Language.factory("kg_attribute_ruler", default_config={"validate": False})
def make_fast_attribute_ruler(nlp: Language, name: str, validate: bool) -> FastAttributeRuler:
    """spaCy factory (config over code): an empty ruler, filled by
    :func:`speed_up_attribute_ruler` from the model's own."""
    return FastAttributeRuler(nlp.vocab, name, validate=validate)


def speed_up_attribute_ruler(nlp: Language, name: str = "attribute_ruler") -> bool:
    """Replace the pipeline's spaCy attribute ruler by a :class:`FastAttributeRuler` with the
    same patterns, in the same place under the same name. Returns whether it was replaced
    (False when there is no such component or it is not spaCy's ruler)."""
    if name not in nlp.pipe_names:
        return False
    old = nlp.get_pipe(name)
    if type(old) is not AttributeRuler:
        return False
    patterns = old.patterns
    new = nlp.replace_pipe(name, "kg_attribute_ruler")
    new.add_patterns(patterns)
    return True
