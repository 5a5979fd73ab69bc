"""The fast attribute ruler finds exactly the matches spaCy's ruler finds, and so sets exactly
the same attributes: on the trained model, and on hand-written patterns of every kind. The fast
lemmatizer gives the stock lemmatizer's lemmas."""

from __future__ import annotations

import pytest
import spacy
from spacy.attrs import DEP, LEMMA, MORPH, POS, TAG
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc

from kg_builder.nlp import load_pipeline
from kg_builder.nlp.attribute_rules import FastAttributeRuler, speed_up_attribute_ruler
from kg_builder.nlp.lemmas import FastEnglishLemmatizer, speed_up_lemmatizer
from kg_builder.nlp.pipeline import resolve_model

# Texts that reach the model's exceptions: contractions, colloquial spellings, pronoun
# objects, auxiliaries, existential "there", whitespace tokens, determiners, subordinators.
TEXTS = [
    "Gunmen killed 12 villagers on Friday near Kati, 15 km from Bamako, officials said.",
    "We're gonna stay, y'all. It ain't over, and there's nothin' they can do. Let's go!",
    "C'mon, I'd've told you: he doesn't know whether it's true, but she had seen it.",
    "They gave it to me and I gave it back to them; you saw him do it.\n\nThat was that.",
    "  Soldiers   were deployed.\tThe junta, which took power in 2020, has got ta answer.",
    "Isn't it odd? No, it isn't. Aren't they here? I'm not sure. You've been warned.",
    "Because the convoy was attacked, although nobody claimed it, the army withdrew.",
    "",
    "\n",
]


def _attrs(doc: Doc) -> list:
    return [doc.to_array([POS, TAG, MORPH, LEMMA, DEP]).tolist(), [str(t.morph) for t in doc]]


@pytest.fixture(scope="module")
def stock():
    return spacy.load(resolve_model())


def _sped_up(speed_up) -> spacy.Language:
    nlp = spacy.load(resolve_model())
    assert speed_up(nlp)
    return nlp


@pytest.fixture(scope="module")
def model_pair(stock):
    return stock, _sped_up(speed_up_attribute_ruler)


def test_model_ruler_is_replaced_in_place(model_pair):
    stock, fast = model_pair
    assert fast.pipe_names == stock.pipe_names
    ruler = fast.get_pipe("attribute_ruler")
    assert isinstance(ruler, FastAttributeRuler)
    assert ruler.patterns == stock.get_pipe("attribute_ruler").patterns
    # the pipeline kg-builder runs has it
    assert isinstance(load_pipeline().get_pipe("attribute_ruler"), FastAttributeRuler)
    # and nothing is left to spaCy's Matcher for the English model: all its patterns are
    # looked up
    ruler.match(stock.make_doc("x"))
    assert ruler._fallback is None


def test_model_matches_and_annotations_identical(model_pair):
    stock, fast = model_pair
    before = ["attribute_ruler", "lemmatizer", "ner"]
    for text in TEXTS:
        doc = stock(text, disable=before)
        assert (fast.get_pipe("attribute_ruler").match(doc)
                == stock.get_pipe("attribute_ruler").match(doc)), text
        assert _attrs(fast(text)) == _attrs(stock(text)), text


def test_not_replaced_without_spacy_ruler():
    nlp = spacy.blank("en")
    assert not speed_up_attribute_ruler(nlp)
    nlp.add_pipe("kg_attribute_ruler", name="attribute_ruler")
    assert not speed_up_attribute_ruler(nlp)  # already fast: left alone


# Hand-written patterns: (patterns, attrs, index) of every kind the fast path handles, and
# some it leaves to the Matcher (operators, other attributes, empty token).
PATTERNS = [
    ([[{"TAG": "NN"}]], {"POS": "NOUN"}, 0),
    ([[{"TAG": "NN", "LOWER": "attack"}]], {"LEMMA": "attack!"}, 0),
    ([[{"LOWER": {"IN": ["killed", "slew"]}}]], {"LEMMA": "kill"}, 0),
    ([[{"TAG": {"NOT_IN": ["NN", ""]}, "DEP": {"IN": ["nsubj"]}}]], {"MORPH": "Case=Nom"}, 0),
    ([[{"DEP": {"NOT_IN": ["punct"]}, "TAG": {"IN": ["DT"]}}]], {"POS": "DET"}, 0),
    ([[{"LOWER": {"REGEX": "^gun"}}]], {"LEMMA": "gunman"}, 0),
    ([[{"LOWER": {"REGEX": "lage"}}]], {"MORPH": "Found=Inside"}, 0),  # searched, not matched
    ([[{"TEXT": "Kati"}], [{"ORTH": "Bamako"}]], {"POS": "PROPN"}, 0),
    ([[{"LOWER": "near"}, {"TAG": "NNP"}]], {"LEMMA": "place"}, 1),
    ([[{"LOWER": "near"}, {"TAG": "NNP"}]], {"MORPH": "Loc=Yes"}, -2),
    ([[{"IS_SPACE": True}]], {"TAG": "_SP", "POS": "SPACE"}, 0),
    ([[{"tag": "NN"}]], {"MORPH": "Number=Sing"}, 0),  # lower-case key
    ([[{"LOWER": "the", "OP": "+"}]], {"LEMMA": "THE"}, 0),  # operator: Matcher
    ([[{"LENGTH": 4}]], {"MORPH": "Len=4"}, 0),  # other attribute: Matcher
    ([[{"ORTH": "Kati", "TEXT": "kati"}]], {"LEMMA": "never"}, 0),  # contradiction: Matcher
    ([[{"TAG": "NN"}]], {"POS": "PROPN"}, 0),  # a later rule wins over the first one
]


def _tagged(vocab) -> Doc:
    words = ["Gunmen", "killed", "the", "villagers", "near", "Kati", "and", " ", "the",
             "attack", "near", "Bamako", "."]
    tags = ["NNS", "VBD", "DT", "NNS", "IN", "NNP", "CC", "_SP", "DT", "NN", "IN", "NNP", "."]
    deps = ["nsubj", "ROOT", "det", "dobj", "prep", "pobj", "cc", "dep", "det", "conj",
            "prep", "pobj", "punct"]
    heads = [1, 1, 3, 1, 1, 4, 1, 6, 9, 1, 9, 10, 1]
    return Doc(vocab, words=words, spaces=[True] * 6 + [False] * 7, tags=tags, deps=deps,
               heads=heads)


@pytest.mark.parametrize("upto", range(1, len(PATTERNS) + 1))
def test_hand_written_patterns_identical(upto):
    nlp = spacy.blank("en")
    stock = AttributeRuler(nlp.vocab)
    fast = FastAttributeRuler(nlp.vocab)
    for patterns, attrs, index in PATTERNS[:upto]:
        stock.add(patterns, attrs, index)
        fast.add(patterns, attrs, index)
    a, b = _tagged(nlp.vocab), _tagged(nlp.vocab)
    assert fast.match(b) == stock.match(a)
    assert _attrs(fast(b)) == _attrs(stock(a))


def test_patterns_added_later_are_used():
    nlp = spacy.blank("en")
    fast = FastAttributeRuler(nlp.vocab)
    fast.add([[{"TAG": "NN"}]], {"POS": "NOUN"})
    doc = _tagged(nlp.vocab)
    assert len(fast.match(doc)) == 1
    fast.add([[{"LOWER": "near"}]], {"POS": "ADP"})
    assert len(fast.match(doc)) == 3
    fast.clear()
    assert fast.match(doc) == []


def test_each_kind_of_test_matters():
    """The fast path really tests what the patterns say (not a match-everything)."""
    nlp = spacy.blank("en")
    fast = FastAttributeRuler(nlp.vocab)
    fast.add([[{"LOWER": {"REGEX": "^gun"}}]], {"LEMMA": "x"})
    fast.add([[{"TAG": {"NOT_IN": ["NN", "NNS", "NNP", "DT", "IN", "_SP", "."]}}]], {"LEMMA": "y"})
    fast.add([[{"LOWER": "near"}, {"TAG": "NNP"}]], {"LEMMA": "z"}, 1)
    doc = _tagged(nlp.vocab)
    spans = {(rule, start, end) for rule, _, start, end in fast.match(doc)}
    assert spans == {(0, 0, 1), (1, 1, 2), (1, 6, 7), (2, 4, 6), (2, 10, 12)}


# --- the lemmatizer (kg_builder.nlp.lemmas) -------------------------------------------------


@pytest.fixture(scope="module")
def lemma_pair(stock):
    return stock, _sped_up(speed_up_lemmatizer)


def test_lemmatizer_replaced_in_place(lemma_pair):
    stock, fast = lemma_pair
    assert fast.pipe_names == stock.pipe_names
    new, old = fast.get_pipe("lemmatizer"), stock.get_pipe("lemmatizer")
    assert isinstance(new, FastEnglishLemmatizer)
    assert (new.mode, new.overwrite) == (old.mode, old.overwrite)
    assert isinstance(load_pipeline().get_pipe("lemmatizer"), FastEnglishLemmatizer)
    assert not speed_up_lemmatizer(fast)  # already fast: left alone
    assert not speed_up_lemmatizer(spacy.blank("en"))


def test_lemmas_identical(lemma_pair):
    stock, fast = lemma_pair
    # twice: the second time every lemma comes from what the first one remembered
    for _ in range(2):
        for text in TEXTS:
            a, b = stock(text), fast(text)
            assert [t.lemma_ for t in b] == [t.lemma_ for t in a], text
            assert _attrs(b) == _attrs(a), text


def test_lemmatizer_keeps_lemmas_already_set_and_follows_pos(lemma_pair):
    stock, fast = lemma_pair
    text = "The soldiers were attacking the camps."
    docs = [nlp(text, disable=["lemmatizer"]) for nlp in (stock, fast)]
    for nlp, doc in zip((stock, fast), docs, strict=True):
        doc[1].lemma_ = "trooper"
        nlp.get_pipe("lemmatizer")(doc)
    assert [t.lemma_ for t in docs[1]] == ["the", "trooper", "be", "attack", "the", "camp", "."]
    assert [t.lemma_ for t in docs[1]] == [t.lemma_ for t in docs[0]]
    # the same word with another POS gets the other lemma, even once one is remembered
    text = "The meeting ended. They are meeting again."
    lemmas = [t.lemma_ for t in fast(text) if t.lower_ == "meeting"]
    assert lemmas == ["meeting", "meet"]
    assert lemmas == [t.lemma_ for t in stock(text) if t.lower_ == "meeting"]


def test_lemma_depends_on_word_pos_and_morphology(lemma_pair):
    """Tokens that differ only in POS, or only in morphology, keep different lemmas after the
    first one is remembered (hand-set annotations: no tagger involved)."""
    stock, fast = lemma_pair
    words = ["Attack", "Attack", "found", "found", "Attack", "found"]
    pos = ["NOUN", "PROPN", "VERB", "VERB", "NOUN", "VERB"]
    morphs = ["Number=Sing", "Number=Sing", "Tense=Past|VerbForm=Fin", "VerbForm=Inf",
              "Number=Sing", "VerbForm=Inf"]
    lemmas = []
    for nlp in (stock, fast):
        doc = Doc(nlp.vocab, words=words, pos=pos, morphs=morphs)
        nlp.get_pipe("lemmatizer")(doc)
        lemmas.append([t.lemma_ for t in doc])
    assert lemmas[1] == ["attack", "Attack", "find", "found", "attack", "found"]
    assert lemmas[1] == lemmas[0]
