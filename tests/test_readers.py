"""Tests for kg_builder.readers: one test per input case of the input contract.

Odd-encoding and binary inputs are written here with tmp_path rather than committed, so the
bytes under test are visible in the test itself.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg_builder import readers
from kg_builder.model import Article
from kg_builder.readers import InputError, InputProblem, read_inputs, read_text_file

FOLDER = Path(__file__).parent / "fixtures" / "readers" / "folder"


def collect(paths, **options) -> tuple[list[Article], list[InputProblem]]:
    problems: list[InputProblem] = []
    articles = list(read_inputs([str(p) for p in paths], on_problem=problems.append, **options))
    return articles, problems


def only(problems: list[InputProblem]) -> InputProblem:
    assert len(problems) == 1, problems
    return problems[0]


def write_jsonl(path: Path, *records: object) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- formats

def test_txt_takes_options_and_keeps_text_exactly(tmp_path):
    text = "Line one of the report.\r\nLine two.\n\n"
    (tmp_path / "kati-report.txt").write_bytes(text.encode("utf-8"))
    articles, problems = collect([tmp_path / "kati-report.txt"], published=dt.date(2022, 7, 22),
                                 title=" Attack report ", url="https://example.org/r/1")
    assert problems == []
    [a] = articles
    assert a.id == "kati-report"
    assert a.text == text  # \r\n and trailing newlines kept: offsets index the stored text
    assert a.published == dt.date(2022, 7, 22) and a.published_datetime is None
    assert a.title == "Attack report"
    assert a.url == "https://example.org/r/1"
    assert a.origin == str(tmp_path / "kati-report.txt")


def test_published_option_may_be_a_datetime(tmp_path):
    (tmp_path / "a.txt").write_text("Some words.", encoding="utf-8")
    stamp = dt.datetime(2022, 7, 22, 9, 30, tzinfo=dt.UTC)
    [a], _ = collect([tmp_path / "a.txt"], published=stamp)
    assert a.published == dt.date(2022, 7, 22) and a.published_datetime == stamp


def test_json_file_one_article(tmp_path):
    record = {"id": "x-1", "url": "https://example.org/news/x", "title": "A title",
              "published": "2021-03-04", "text": "Rain fell on the capital.", "source": "Wire",
              "extra": {"nested": [1, 2]}}
    (tmp_path / "one.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    [a], problems = collect([tmp_path / "one.json"])
    assert problems == []
    assert (a.id, a.url, a.title, a.source, a.text) == (
        "x-1", "https://example.org/news/x", "A title", "Wire", "Rain fell on the capital.")
    assert a.published == dt.date(2021, 3, 4)
    assert a.origin == str(tmp_path / "one.json")


def test_jsonl_file_records_and_blank_lines(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text('{"id": "a", "text": "First one."}\n\n   \n'
                    '{"id": "b", "text": "Second one."}\r\n'
                    '{"id": "c", "text": "Third, no final newline."}', encoding="utf-8")
    articles, problems = collect([path])
    assert problems == []
    assert [a.id for a in articles] == ["a", "b", "c"]
    assert [a.origin for a in articles] == [f"{path}:1", f"{path}:4", f"{path}:5"]
    assert articles[2].text == "Third, no final newline."


def test_line_separator_inside_json_string_does_not_split_the_line(tmp_path):
    text = "Before\u2028after\u0085and\x0cform feed\rreturn."
    path = tmp_path / "sep.jsonl"
    path.write_text(json.dumps({"text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    [a], problems = collect([path])
    assert problems == [] and a.text == text


def test_unknown_fields_are_ignored_and_outlet_is_read_as_source(tmp_path):
    path = write_jsonl(tmp_path / "f.jsonl",
                       {"text": "Words here.", "outlet": "Gazette", "gold": {"events": []},
                        "published_estimated": True, "lang": "en"})
    [a], problems = collect([path])
    assert problems == [] and a.source == "Gazette"


# --------------------------------------------------------------------------- folders

def test_folder_is_read_recursively_sorted_skipping_hidden_and_unknown():
    articles, problems = collect([FOLDER])
    assert problems == []
    assert [a.id for a in articles] == ["a-lake", "council-vote", "wire-1", "wire-2",
                                        "d-river", "deep-1"]
    assert articles[0].text.startswith("Fishermen on the lake")
    assert articles[1].source == "Example News"
    assert articles[2].published_datetime == dt.datetime(2021, 3, 5, 8, 15, tzinfo=dt.UTC)
    assert articles[2].origin == str(FOLDER / "c-wire.jsonl") + ":1"
    assert articles[3].origin == str(FOLDER / "c-wire.jsonl") + ":3"


def test_folder_order_is_by_name_not_creation(tmp_path):
    for name in ["b.txt", "A.txt", "c.txt", "a.txt", "10.txt", "9.txt"]:
        (tmp_path / name).write_text(f"Article {name}", encoding="utf-8")
    articles, _ = collect([tmp_path])
    assert [a.id for a in articles] == ["10", "9", "A", "a", "b", "c"]


def test_folder_suffixes_match_case_insensitively(tmp_path):
    (tmp_path / "LOUD.TXT").write_text("Upper case suffix.", encoding="utf-8")
    [a], problems = collect([tmp_path])
    assert problems == [] and a.id == "LOUD"


def test_explicit_hidden_file_is_read(tmp_path):
    (tmp_path / ".hidden.txt").write_text("Asked for by name.", encoding="utf-8")
    [a], problems = collect([tmp_path / ".hidden.txt"])
    assert problems == [] and a.text == "Asked for by name."


def test_explicit_unknown_suffix_is_rejected(tmp_path):
    (tmp_path / "table.csv").write_text("id,text\n1,Words\n", encoding="utf-8")
    (tmp_path / "noext").write_text("Words", encoding="utf-8")
    articles, problems = collect([tmp_path / "table.csv", tmp_path / "noext"])
    assert articles == []
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'table.csv'}: unknown input type '.csv' (use .txt, .json or .jsonl)",
        f"{tmp_path / 'noext'}: unknown input type (no suffix) (use .txt, .json or .jsonl)",
    ]
    assert all(p.fatal for p in problems)


def test_symlink_loop_in_folder_is_not_followed(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "one.txt").write_text("The only article.", encoding="utf-8")
    os.symlink(root, root / "sub" / "back-to-root")
    articles, problems = collect([root])
    assert [a.id for a in articles] == ["one"]
    p = only(problems)
    assert not p.fatal and p.origin == str(root / "sub" / "back-to-root")
    assert "symbolic link loop" in p.message


def test_self_referencing_symlink_file(tmp_path):
    os.symlink(tmp_path / "loop.txt", tmp_path / "loop.txt")
    (tmp_path / "ok.txt").write_text("Still read.", encoding="utf-8")
    articles, problems = collect([tmp_path])
    assert [a.id for a in articles] == ["ok"]
    assert str(only(problems)) == f"{tmp_path / 'loop.txt'}: symbolic link loop"


def test_broken_symlink(tmp_path):
    os.symlink(tmp_path / "gone.txt", tmp_path / "link.txt")
    _, problems = collect([tmp_path / "link.txt"])
    assert str(only(problems)) == f"{tmp_path / 'link.txt'}: broken symbolic link"


def test_same_file_twice_is_read_once(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", {"id": "one", "text": "Words."})
    os.symlink(path, tmp_path / "alias.jsonl")
    articles, problems = collect([path, tmp_path])
    assert [a.id for a in articles] == ["one"]
    assert all(not p.fatal and "already read" in p.message for p in problems)
    assert len(problems) == 2  # a.jsonl and alias.jsonl inside the folder


def test_unreadable_file_permission_denied(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Hidden words.", encoding="utf-8")
    (tmp_path / "open.txt").write_text("Open words.", encoding="utf-8")
    secret.chmod(0)
    try:
        try:
            secret.read_bytes()
        except PermissionError:
            pass
        else:
            pytest.skip("running with privileges that read a mode-000 file (root)")
        articles, problems = collect([tmp_path])
    finally:
        secret.chmod(0o644)
    assert [a.id for a in articles] == ["open"]
    assert str(only(problems)) == f"{secret}: permission denied"


def test_permission_denied_is_reported_and_reading_continues(tmp_path, monkeypatch):
    """The same case without relying on the user id: open() raises PermissionError."""
    (tmp_path / "a.txt").write_text("First words.", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"text": "Second words."}\n', encoding="utf-8")
    (tmp_path / "c.txt").write_text("Third words.", encoding="utf-8")
    real_open = open

    def guarded(file, *args, **kwargs):
        if str(file).endswith(("a.txt", "b.jsonl")):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded)
    articles, problems = collect([tmp_path])
    assert [a.id for a in articles] == ["c"]
    assert [str(p) for p in problems] == [f"{tmp_path / 'a.txt'}: permission denied",
                                          f"{tmp_path / 'b.jsonl'}: permission denied"]


def test_unreadable_folder_is_reported_and_siblings_still_read(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "x.txt").write_text("Never seen.", encoding="utf-8")
    (tmp_path / "z.txt").write_text("Seen.", encoding="utf-8")
    real_scandir = os.scandir

    def guarded(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(readers.os, "scandir", guarded)
    articles, problems = collect([tmp_path])
    assert [a.id for a in articles] == ["z"]
    assert str(only(problems)) == f"{tmp_path / 'locked'}: permission denied; folder skipped"


# --------------------------------------------------------------------------- file-level cases

def test_missing_file(tmp_path):
    _, problems = collect([tmp_path / "nope.jsonl", tmp_path / "nope-dir"])
    assert [str(p) for p in problems] == [f"{tmp_path / 'nope.jsonl'}: no such file or directory",
                                          f"{tmp_path / 'nope-dir'}: no such file or directory"]


@pytest.mark.parametrize("name", ["e.txt", "e.json", "e.jsonl"])
def test_empty_file(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    articles, problems = collect([tmp_path / name])
    assert articles == []
    p = only(problems)
    assert p.fatal and p.origin == str(tmp_path / name) and p.message == "empty file"


def test_jsonl_of_blank_lines_has_no_records(tmp_path):
    (tmp_path / "b.jsonl").write_text("\n  \n\n", encoding="utf-8")
    _, problems = collect([tmp_path / "b.jsonl"])
    assert only(problems).message == "empty file (no records)"


@pytest.mark.parametrize("name", ["bin.txt", "bin.json", "bin.jsonl"])
def test_binary_file(tmp_path, name):
    (tmp_path / name).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    articles, problems = collect([tmp_path / name])
    assert articles == []
    p = only(problems)
    assert p.fatal and p.message == "binary file, not text"


def test_utf16_without_bom_is_binary_with_a_hint(tmp_path):
    (tmp_path / "w.txt").write_bytes("Plain words saved by an old editor.".encode("utf-16-le"))
    _, problems = collect([tmp_path / "w.txt"])
    assert "looks like UTF-16 without a byte-order mark" in only(problems).message


def test_utf8_bom_is_removed_and_nothing_else(tmp_path):
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfCaf\xc3\xa9 opened.\r\n")
    (tmp_path / "bom.jsonl").write_bytes(b'\xef\xbb\xbf{"text": "Caf\xc3\xa9 closed."}\n')
    articles, problems = collect([tmp_path / "bom.txt", tmp_path / "bom.jsonl"])
    assert problems == []
    assert [a.text for a in articles] == ["Café opened.\r\n", "Café closed."]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("suffix", [".txt", ".json", ".jsonl"])
def test_utf16_and_utf32_with_bom_are_decoded(tmp_path, codec, suffix):
    text = "Ségou: élections reportées — 选举\r\nsecond line"
    if suffix == ".txt":
        body = text
    elif suffix == ".json":
        body = json.dumps({"id": "u", "text": text}, ensure_ascii=False, indent=1)
    else:
        body = "\n".join(json.dumps({"id": f"u{i}", "text": text}, ensure_ascii=False)
                         for i in range(3)) + "\n"
    boms = {"utf-16": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-32": b"\xff\xfe\x00\x00"}
    encoded = boms[codec] + body.encode({"utf-16": "utf-16-le", "utf-16-be": "utf-16-be",
                                         "utf-32": "utf-32-le"}[codec])
    path = tmp_path / f"wide{suffix}"
    path.write_bytes(encoded)
    articles, problems = collect([path])
    assert problems == []
    assert articles and all(a.text == text for a in articles)
    assert len(articles) == (3 if suffix == ".jsonl" else 1)


def test_utf16_jsonl_truncated_at_an_odd_byte(tmp_path):
    good = '{"text": "First record."}\n{"text": "Second record."}\n'.encode("utf-16-le")
    path = tmp_path / "cut.jsonl"
    path.write_bytes(b"\xff\xfe" + good + b"{")  # half a UTF-16 code unit at the end
    articles, problems = collect([path])
    assert [a.text for a in articles] == ["First record.", "Second record."]
    p = only(problems)
    assert p.fatal and p.origin == f"{path}:3"
    assert p.message == (f"not UTF-16LE: truncated data at offset {2 + len(good)}; "
                         "rest of the file skipped")


def test_latin1_text_is_rejected_with_byte_offset_and_line(tmp_path):
    data = "First line.\nLe café est fermé.\n".encode("latin-1")
    (tmp_path / "latin.txt").write_bytes(data)
    articles, problems = collect([tmp_path / "latin.txt"])
    assert articles == []
    offset = data.index(b"\xe9")
    assert str(only(problems)) == (f"{tmp_path / 'latin.txt'}:2: not UTF-8: invalid byte 0xe9 "
                                   f"at offset {offset} (save the file as UTF-8)")


def test_latin1_line_in_jsonl_rejects_only_that_line(tmp_path):
    lines = [b'{"id": "a", "text": "Fine."}\n',
             '{"id": "b", "text": "Caf\u00e9"}\n'.encode("cp1252"),
             b'{"id": "c", "text": "Also fine."}\n']
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join(lines))
    articles, problems = collect([path])
    assert [a.id for a in articles] == ["a", "c"]
    offset = len(lines[0]) + lines[1].index(b"\xe9")
    assert str(only(problems)) == (f"{path}:2: not UTF-8: invalid byte 0xe9 at offset {offset} "
                                   "(save the file as UTF-8)")


def test_truncated_utf8_at_end_of_file(tmp_path):
    (tmp_path / "cut.txt").write_bytes("Words and caf\u00e9".encode()[:-1])
    _, problems = collect([tmp_path / "cut.txt"])
    assert "incomplete character at the end (byte 0xc3" in only(problems).message


def test_nul_byte_late_in_jsonl_rejects_that_line(tmp_path):
    path = tmp_path / "nul.jsonl"
    first = b'{"text": "' + b"x" * 9000 + b'"}\n'  # past the binary sniffing window
    path.write_bytes(first + b'{"text": "a\x00b"}\n{"text": "Last."}\n')
    articles, problems = collect([path])
    assert [a.text for a in articles] == ["x" * 9000, "Last."]
    assert str(only(problems)) == f"{path}:2: binary data (NUL byte) at offset {len(first) + 11}"


# --------------------------------------------------------------------------- record-level cases

def test_malformed_json_line_reports_line_and_column(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "Good."}\n{"text": "Bad" "more"}\n{"text": "x"\n'
                    '{"text": "Good again."}\n', encoding="utf-8")
    articles, problems = collect([path])
    assert [a.text for a in articles] == ["Good.", "Good again."]
    assert [str(p) for p in problems] == [
        f"{path}:2: malformed JSON: Expecting ',' delimiter (column 16)",
        f"{path}:3: malformed JSON: Expecting ',' delimiter (column 13)",
    ]


def test_malformed_json_file_reports_its_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "id": "a",\n  "text": "Words",,\n}\n', encoding="utf-8")
    _, problems = collect([path])
    assert str(only(problems)) == (f"{path}:3: malformed JSON: Expecting property name enclosed "
                                   "in double quotes (column 19)")


def test_json_file_with_several_objects_suggests_jsonl(tmp_path):
    path = tmp_path / "lines.json"
    path.write_text('{"text": "One."}\n{"text": "Two."}\n', encoding="utf-8")
    _, problems = collect([path])
    assert only(problems).message == ("malformed JSON: Extra data (column 1); several JSON "
                                      "values: use .jsonl, one article per line")


@pytest.mark.parametrize("line, kind", [("[1, 2]", "array"), ('"text"', "string"),
                                        ("42", "number"), ("null", "null"), ("true", "boolean")])
def test_json_line_that_is_not_an_object(tmp_path, line, kind):
    path = tmp_path / "v.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    _, problems = collect([path])
    assert str(only(problems)) == f"{path}:1: JSON {kind} is not an article object"


def test_json_file_with_an_array(tmp_path):
    path = tmp_path / "arr.json"
    path.write_text('[{"text": "One."}]', encoding="utf-8")
    _, problems = collect([path])
    assert only(problems).message.startswith("JSON array, not an article object")


@pytest.mark.parametrize("record, message", [
    ({"id": "a"}, "missing 'text'"),
    ({"id": "a", "text": None}, "missing 'text'"),
    ({"id": "a", "text": ""}, "empty 'text'"),
    ({"id": "a", "text": 12}, "'text' is a number, not a string"),
    ({"id": "a", "text": ["Words"]}, "'text' is a array, not a string"),
    ({"id": "a", "text": {"body": "x"}}, "'text' is a object, not a string"),
    ({"id": "a", "text": " .,;!? \n\t— …"}, "no words to analyse"),
    ({"id": "a", "text": "\ud800 broken"}, "text is not valid Unicode (unpaired surrogate at "
                                          "character 0)"),
])
def test_bad_text_rejects_the_record(tmp_path, record, message):
    path = write_jsonl(tmp_path / "t.jsonl", record, {"id": "ok", "text": "Fine words."})
    articles, problems = collect([path])
    assert [a.id for a in articles] == ["ok"]
    p = only(problems)
    assert p.fatal and str(p) == f"{path}:1: {message}"


def test_punctuation_only_txt_has_no_words(tmp_path):
    (tmp_path / "p.txt").write_text("... !!! ---\n", encoding="utf-8")
    _, problems = collect([tmp_path / "p.txt"])
    assert str(only(problems)) == f"{tmp_path / 'p.txt'}: no words to analyse"


def test_very_large_article_is_kept_with_a_warning(tmp_path):
    text = ("Word " * 4_000_000) + "end."  # 20 MB on one JSON line
    path = write_jsonl(tmp_path / "big.jsonl", {"id": "big", "text": text},
                       {"id": "small", "text": "Small."})
    articles, problems = collect([path])
    assert [a.id for a in articles] == ["big", "small"]
    assert articles[0].text == text
    p = only(problems)
    assert not p.fatal and p.origin == f"{path}:1"
    assert p.message.startswith("very long article (20,000,004 characters, over 1,000,000)")
    _, problems = collect([path], large_article_chars=None)
    assert problems == []
    _, problems = collect([path], large_article_chars=5)
    assert len(problems) == 2


@pytest.mark.parametrize("url, why", [
    ("https://example.org/a story", "contains a space"),
    ("https://example.org/<b>", "contains '<'"),
    ('https://example.org/"q"', "contains '\"'"),
    ("https://example.org/a\tb", "contains control character U+0009"),
    ("www.example.org/story", "has no scheme such as https:"),
    ("https://example.org/100%", "has a '%' not followed by two hex digits"),
])
def test_invalid_url_is_dropped_with_a_warning(tmp_path, url, why):
    path = write_jsonl(tmp_path / "u.jsonl", {"id": "a", "url": url, "text": "Words."})
    [a], problems = collect([path])
    assert a.url is None and a.id == "a"
    p = only(problems)
    assert not p.fatal and p.message == f"'url' {url!r} is not a valid IRI ({why}); url dropped"


def test_valid_urls_are_kept_trimmed(tmp_path):
    urls = ["  https://example.org/story?id=3&x=%C3%A9  ", "https://例え.jp/記事/一",
            "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"]
    path = write_jsonl(tmp_path / "u.jsonl", *({"url": u, "text": "Words."} for u in urls))
    articles, problems = collect([path])
    assert problems == []
    assert [a.url for a in articles] == [u.strip() for u in urls]


@pytest.mark.parametrize("key", ["title", "source", "url"])
def test_metadata_that_is_not_a_string_is_dropped_with_a_warning(tmp_path, key):
    path = write_jsonl(tmp_path / "m.jsonl", {"id": "a", key: ["x"], "text": "Words."})
    [a], problems = collect([path])
    assert getattr(a, key) is None
    p = only(problems)
    assert not p.fatal and p.message == f"'{key}' is a array, not a string; {key} dropped"


def test_option_url_that_is_invalid_is_dropped(tmp_path):
    (tmp_path / "a.txt").write_text("Words.", encoding="utf-8")
    [a], problems = collect([tmp_path / "a.txt"], url="not a url")
    assert a.url is None
    assert only(problems).message == ("the url option 'not a url' is not a valid IRI "
                                      "(contains a space); url dropped")


def test_text_options_on_several_text_inputs_warn_once(tmp_path):
    for name in "abc":
        (tmp_path / f"{name}.txt").write_text(f"Article {name}.", encoding="utf-8")
    articles, problems = collect([tmp_path], title="Same title")
    assert [a.title for a in articles] == ["Same title"] * 3
    p = only(problems)
    assert not p.fatal and p.origin == str(tmp_path / "b.txt")


# --------------------------------------------------------------------------- ids

def test_ids_from_id_url_stem_or_hash(tmp_path):
    path = write_jsonl(tmp_path / "ids.jsonl",
                       {"id": 42, "text": "Integer id."},
                       {"id": 1.50, "text": "Decimal id as written."},
                       {"id": "  spaced  ", "text": "Trimmed id."},
                       {"url": "https://news.example.org/africa/mali-attack-2022.html",
                        "text": "Url id."},
                       {"url": "https://news.example.org/", "text": "Host id."},
                       {"text": "Hash id."})
    (tmp_path / "named.json").write_text('{"text": "Stem id."}', encoding="utf-8")
    articles, problems = collect([path, tmp_path / "named.json"])
    assert problems == []
    ids = [a.id for a in articles]
    assert ids[:3] == ["42", "1.5", "spaced"]
    assert ids[3].startswith("mali-attack-2022-") and len(ids[3]) == len("mali-attack-2022-") + 12
    assert ids[4].startswith("news-example-org-")
    assert ids[5] == "h-" + __import__("hashlib").sha1(b"Hash id.").hexdigest()[:16]
    assert ids[6] == "named"
    again, _ = collect([path, tmp_path / "named.json"])
    assert [a.id for a in again] == ids  # stable across runs


def test_url_ids_differ_for_urls_differing_only_in_query():
    a = readers.id_from_url("https://ex.org/story?id=1")
    b = readers.id_from_url("https://ex.org/story?id=2")
    assert a != b and a.startswith("story-") and b.startswith("story-")
    assert readers.id_from_url("https://ex.org/%D8%AE%D8%A8%D8%B1").startswith("u-")


@pytest.mark.parametrize("value, message", [
    (True, "'id' is a boolean, not a string or number"),
    ([1], "'id' is a array, not a string or number"),
    ({"a": 1}, "'id' is a object, not a string or number"),
])
def test_bad_id_type_rejects_the_record(tmp_path, value, message):
    path = write_jsonl(tmp_path / "i.jsonl", {"id": value, "text": "Words."})
    _, problems = collect([path])
    assert str(only(problems)) == f"{path}:1: {message}"


def test_nan_id_is_rejected(tmp_path):
    (tmp_path / "n.jsonl").write_text('{"id": NaN, "text": "Words."}\n', encoding="utf-8")
    _, problems = collect([tmp_path / "n.jsonl"])
    assert only(problems).message == "'id' nan is not a usable number"


def test_empty_id_falls_back_with_a_warning(tmp_path):
    path = write_jsonl(tmp_path / "e.jsonl", {"id": " ", "text": "Words."})
    [a], problems = collect([path])
    assert a.id.startswith("h-") and not only(problems).fatal


def test_duplicate_ids_reject_the_second_naming_both_places(tmp_path):
    first = write_jsonl(tmp_path / "a.jsonl", {"id": "x", "text": "First."},
                        {"id": "y", "text": "Other."})
    second = write_jsonl(tmp_path / "b.jsonl", {"text": "Filler."}, {"id": "x", "text": "Dup."})
    (tmp_path / "y.txt").write_text("Stem clashes with id y.", encoding="utf-8")
    articles, problems = collect([first, second, tmp_path / "y.txt"])
    assert [a.text for a in articles] == ["First.", "Other.", "Filler."]
    assert [str(p) for p in problems] == [
        f"{second}:2: duplicate id 'x' (first at {first}:1); record skipped",
        f"{tmp_path / 'y.txt'}: duplicate id 'y' (first at {first}:2); record skipped",
    ]


def test_same_text_without_ids_is_a_duplicate(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", {"text": "Same."}, {"text": "Same."})
    articles, problems = collect([path])
    assert len(articles) == 1 and "duplicate id 'h-" in only(problems).message


# --------------------------------------------------------------------------- published

@pytest.mark.parametrize("value, day, stamp", [
    ("2022-07-22", dt.date(2022, 7, 22), None),
    (" 2022-07-22 ", dt.date(2022, 7, 22), None),
    ("2022-07-22T10:05:00", dt.date(2022, 7, 22), dt.datetime(2022, 7, 22, 10, 5)),
    ("2022-07-22T10:05:00Z", dt.date(2022, 7, 22),
     dt.datetime(2022, 7, 22, 10, 5, tzinfo=dt.UTC)),
    ("2022-07-22T23:30:00-05:00", dt.date(2022, 7, 22),  # the date as written, not UTC's
     dt.datetime(2022, 7, 22, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))),
    ("2022-07-22 10:05", dt.date(2022, 7, 22), dt.datetime(2022, 7, 22, 10, 5)),
    ("Fri, 22 Jul 2022 10:05:00 GMT", dt.date(2022, 7, 22),
     dt.datetime(2022, 7, 22, 10, 5, tzinfo=dt.UTC)),
])
def test_published_parsing(tmp_path, value, day, stamp):
    path = write_jsonl(tmp_path / "p.jsonl", {"published": value, "text": "Words."})
    [a], problems = collect([path])
    assert problems == []
    assert a.published == day and a.published_datetime == stamp


@pytest.mark.parametrize("value, message", [
    ("22/07/2022", "'published' '22/07/2022' is not an ISO date (YYYY-MM-DD) or date-time"),
    ("yesterday", "'published' 'yesterday' is not an ISO date (YYYY-MM-DD) or date-time"),
    ("2022-02-30", "'published' '2022-02-30' is not a valid date"),
    (20220722, "'published' is a number, not an ISO date string"),
])
def test_bad_published_rejects_the_record(tmp_path, value, message):
    path = write_jsonl(tmp_path / "p.jsonl", {"published": value, "text": "Words."})
    articles, problems = collect([path])
    assert articles == [] and str(only(problems)) == f"{path}:1: {message}"


def test_future_published_is_a_warning(tmp_path):
    path = write_jsonl(tmp_path / "f.jsonl", {"published": "2999-01-01", "text": "Words."})
    [a], problems = collect([path])
    assert a.published == dt.date(2999, 1, 1)
    p = only(problems)
    assert not p.fatal and p.message == "published 2999-01-01 is in the future"


def test_today_is_not_the_future(tmp_path):
    today = dt.datetime.now(dt.UTC).date().isoformat()
    path = write_jsonl(tmp_path / "t.jsonl", {"published": today, "text": "Words."})
    _, problems = collect([path])
    assert problems == []


def test_published_option_is_the_default_for_json_records(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", {"id": "own", "published": "2020-01-02",
                                              "text": "Has one."},
                       {"id": "none", "text": "Has none."},
                       {"id": "empty", "published": "", "text": "Empty one."})
    articles, problems = collect([path], published=dt.date(2022, 7, 22), title="T", url=None)
    assert problems == []
    assert [a.published for a in articles] == [dt.date(2020, 1, 2), dt.date(2022, 7, 22),
                                               dt.date(2022, 7, 22)]
    assert [a.title for a in articles] == [None, None, None]  # title/url options: text only


def test_parse_published_is_public_for_the_cli():
    assert readers.parse_published("2022-07-22") == (dt.date(2022, 7, 22), None)
    with pytest.raises(ValueError, match="not an ISO date"):
        readers.parse_published("July 22")


# --------------------------------------------------------------------------- stdin

def stdin(data: bytes) -> io.BufferedReader:
    return io.BufferedReader(io.BytesIO(data))


def test_stdin_json_lines():
    data = b'{"id": "a", "text": "One."}\n\n{"oops"\n{"id": "b", "text": "Two."}\n'
    articles, problems = collect(["-"], stdin=stdin(data))
    assert [(a.id, a.origin) for a in articles] == [("a", "<stdin>:1"), ("b", "<stdin>:4")]
    assert str(only(problems)) == "<stdin>:3: malformed JSON: Expecting ':' delimiter (column 8)"


def test_stdin_json_lines_with_a_malformed_first_line():
    data = b'{"id": "a" "text": "One."}\n{"id": "b", "text": "Two."}\n'
    articles, problems = collect(["-"], stdin=stdin(data))
    assert [a.id for a in articles] == ["b"]
    assert only(problems).origin == "<stdin>:1"


def test_stdin_plain_text_with_options():
    text = "\n  Soldiers entered the town at dawn.\r\nResidents fled.\n"
    articles, problems = collect(["-"], stdin=stdin(text.encode()), published=dt.date(2022, 7, 22),
                                 url="https://example.org/dawn")
    assert problems == []
    [a] = articles
    assert a.text == text and a.published == dt.date(2022, 7, 22)
    assert a.origin == "<stdin>" and a.id.startswith("dawn-")


def test_stdin_plain_text_without_url_gets_a_content_hash():
    [a], _ = collect(["-"], stdin=stdin(b"Just words."))
    assert a.id == readers.id_from_text("Just words.")


def test_stdin_pretty_printed_json_object():
    data = json.dumps({"id": "p", "text": "Pretty."}, indent=2).encode()
    [a], problems = collect(["-"], stdin=stdin(data))
    assert problems == [] and (a.id, a.text, a.origin) == ("p", "Pretty.", "<stdin>")


def test_stdin_json_array_is_rejected_but_bracketed_text_is_text():
    _, problems = collect(["-"], stdin=stdin(b'[{"text": "x"}]'))
    assert only(problems).message.startswith("JSON array, not an article object")
    [a], problems = collect(["-"], stdin=stdin(b"[Wire] Talks resumed on Monday."))
    assert problems == [] and a.text == "[Wire] Talks resumed on Monday."


def test_stdin_utf16_json_lines_as_written_by_powershell():
    data = b"\xff\xfe" + '{"text": "Réunion à Mopti."}\r\n'.encode("utf-16-le")
    [a], problems = collect(["-"], stdin=stdin(data))
    assert problems == [] and a.text == "Réunion à Mopti."


def test_stdin_empty_binary_and_undecodable():
    _, problems = collect(["-"], stdin=stdin(b""))
    assert str(only(problems)) == "<stdin>: empty input"
    _, problems = collect(["-"], stdin=stdin(b"\x00\x01\x02binary"))
    assert only(problems).message == "binary file, not text"
    _, problems = collect(["-"], stdin=stdin(b"ok line\ncaf\xe9\n"))
    assert str(only(problems)) == ("<stdin>:2: not UTF-8: invalid byte 0xe9 at offset 11 "
                                   "(save the file as UTF-8)")


def test_stdin_given_twice_is_read_once():
    articles, problems = collect(["-", "-"], stdin=stdin(b"Words."))
    assert len(articles) == 1 and not only(problems).fatal


# --------------------------------------------------------------------------- laziness

class EndlessJsonLines(io.RawIOBase):
    """A stream that never ends: reading it whole would hang, so only streaming passes."""

    def __init__(self) -> None:
        self.n = 0
        self.buffer = b""
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while len(self.buffer) < len(b):
            self.n += 1
            self.buffer += json.dumps({"id": f"r{self.n}", "text": f"Record {self.n}."}).encode()
            self.buffer += b"\n"
        size = len(b)
        b[:size] = self.buffer[:size]
        self.buffer = self.buffer[size:]
        self.bytes_read += size
        return size


def test_json_lines_stream_without_reading_ahead():
    source = EndlessJsonLines()
    articles = read_inputs(["-"], on_problem=pytest.fail, stdin=io.BufferedReader(source))
    first = [next(articles) for _ in range(3)]
    assert [a.id for a in first] == ["r1", "r2", "r3"]
    assert source.bytes_read < 1_000_000
    articles.close()


def test_first_article_arrives_before_a_later_problem(tmp_path):
    path = tmp_path / "lazy.jsonl"
    path.write_text('{"id": "1", "text": "One."}\n{"id": "2", "text": "Two."}\n{broken\n'
                    '{"id": "4", "text": "Four."}\n', encoding="utf-8")
    events: list[str] = []
    articles = read_inputs([str(path)], on_problem=lambda p: events.append(f"problem {p.origin}"))
    assert events == []  # nothing happens before the first next()
    for article in articles:
        events.append(f"article {article.id}")
    assert events == ["article 1", "article 2", f"problem {path}:3", "article 4"]


def test_generator_reports_nothing_until_iterated(tmp_path):
    problems: list[InputProblem] = []
    gen = read_inputs([str(tmp_path / "missing.txt")], on_problem=problems.append)
    assert isinstance(gen, Iterator) and problems == []
    assert list(gen) == [] and len(problems) == 1


# --------------------------------------------------------------------------- read_text_file

def test_read_text_file_encodings(tmp_path):
    (tmp_path / "a.rq").write_bytes(b"\xef\xbb\xbfSELECT * {}\r\n")
    (tmp_path / "b.tsv").write_bytes(b"\xfe\xff" + "name\tSégou\n".encode("utf-16-be"))
    (tmp_path / "empty").write_bytes(b"")
    assert read_text_file(tmp_path / "a.rq") == "SELECT * {}\r\n"
    assert read_text_file(str(tmp_path / "b.tsv")) == "name\tSégou\n"
    assert read_text_file(tmp_path / "empty") == ""


@pytest.mark.parametrize("data, origin_suffix, message", [
    (b"ok\nok\nbad \xff here", ":3", "not UTF-8: invalid byte 0xff at offset 10 "
                                     "(save the file as UTF-8)"),
    (b"GIF89a\x00\x01", ":1", "binary file, not text"),
    (b"\xff\xfe" + "ab\ncd".encode("utf-16-le") + b"\x00\xd8", ":2",
     "not UTF-16LE: unexpected end of data at offset 12"),
])
def test_read_text_file_errors(tmp_path, data, origin_suffix, message):
    path = tmp_path / "f.txt"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_text_file(path)
    assert info.value.problem == InputProblem(f"{path}{origin_suffix}", message, True)
    assert str(info.value) == f"{path}{origin_suffix}: {message}"


def test_read_text_file_missing_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file or directory"):
        read_text_file(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="is a folder, not a file"):
        read_text_file(tmp_path)


def test_input_problem_is_one_line():
    p = InputProblem("data/a.jsonl:12", "malformed JSON: Expecting value (column 1)", True)
    assert str(p) == "data/a.jsonl:12: malformed JSON: Expecting value (column 1)"
    with pytest.raises(AttributeError):
        p.fatal = False  # type: ignore[misc]


# --------------------------------------------------------------------------- property

_letters = st.characters(categories=["Lu", "Ll", "Lo"])
_texts = st.tuples(st.text(), _letters, st.text()).map("".join)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)
_records = st.fixed_dictionaries(
    {"text": _texts},
    optional={"id": st.one_of(st.text(min_size=1).filter(str.strip), st.integers()),
              "title": st.text(), "source": st.text(),
              "published": st.dates().map(dt.date.isoformat)},
).flatmap(lambda rec: st.dictionaries(
    st.text(max_size=8).filter(lambda k: k not in readers_fields), _json_values, max_size=3,
).map(lambda extra: {**extra, **rec}))
readers_fields = {"id", "url", "title", "published", "text", "source", "outlet"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=_records, ascii_only=st.booleans())
def test_any_json_object_with_a_text_round_trips(record, ascii_only):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prop.jsonl"
        path.write_text(json.dumps(record, ensure_ascii=ascii_only) + "\n", encoding="utf-8")
        articles, problems = collect([path])
    assert [p for p in problems if p.fatal] == []
    [a] = articles
    assert a.text == record["text"]


# ---------------------------------------------------------------------------------------------
# Read progress (the build's progress bar and ETA)


def test_read_progress_counts_every_byte_of_jsonl_text_and_json_inputs(tmp_path):
    from kg_builder.readers import ReadProgress, input_size

    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    lines = [json.dumps({"id": f"p{i}", "text": f"Article {i} about a meeting in town.",
                         "published": "2024-05-01"}) for i in range(50)]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "sub" / "b.txt").write_text("A plain text article about rain.", encoding="utf-8")
    (folder / "sub" / "c.json").write_text(json.dumps(
        {"id": "c", "text": "A JSON article about a market.", "published": "2024-05-02"}),
        encoding="utf-8")
    (folder / "notes.md").write_text("not an input " * 100, encoding="utf-8")  # not counted
    (folder / ".hidden.txt").write_text("hidden " * 100, encoding="utf-8")     # not counted
    expected = sum(p.stat().st_size for p in (folder / "a.jsonl", folder / "sub" / "b.txt",
                                              folder / "sub" / "c.json"))
    assert input_size([folder]) == expected
    progress = ReadProgress(input_size([folder]))
    seen = []
    for article in read_inputs([folder], published=dt.date(2024, 5, 3),
                               on_problem=lambda p: None, progress=progress):
        seen.append((article.id, progress.fraction))
    assert len(seen) == 52
    assert progress.done_bytes == expected and progress.fraction == 1.0
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and 0 < fractions[0]  # grows as reading goes on


def test_input_size_is_unknown_for_stdin_and_ignores_missing_files(tmp_path):
    from kg_builder.readers import ReadProgress, input_size

    f = tmp_path / "x.txt"
    f.write_text("Some text.", encoding="utf-8")
    assert input_size([f, tmp_path / "missing.txt"]) == f.stat().st_size
    assert input_size([f, "-"]) is None
    assert ReadProgress(None).fraction is None and ReadProgress(0).fraction is None
