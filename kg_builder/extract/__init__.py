"""Rule-based extractors that turn parsed news text into the plain-Python extraction result.

The normalisers here (``timex`` for dates, ``numbers`` for counts of people) are pure Python and
work on strings, so they can be tested exhaustively without a spaCy model and reused by any
extractor that finds a date or count expression.
"""
