"""Input readers: article files, folders and stdin → :class:`~kg_builder.model.Article`.

Why this module is careful: users feed it what they have — folders scraped over months, JSON
Lines dumps of several gigabytes, files saved by Windows tools in UTF-16, a stray binary. One bad
record must never stop a build, and every complaint must name the file and line so it can be fixed.
So :func:`read_inputs` is a lazy generator (a JSON Lines file is read line by line, never whole)
that yields good articles and reports each problem, fatal or not, through a callback.

Rules (documented for users in the README's input section):

* Inputs: ``.txt`` (one article; metadata from the ``published``/``title``/``url`` options),
  ``.json`` (one article object) and ``.jsonl`` (one object per line; blank lines are skipped).
  Fields: ``id``, ``url``, ``title``, ``published``, ``text``, ``source`` (``outlet`` is read when
  ``source`` is absent); other fields are ignored. Suffixes are matched case-insensitively.
* Folders are read recursively, entries in sorted (code point) order; hidden entries (names that
  start with ``.``) and files with other suffixes are skipped silently. Symbolic links are followed,
  but a folder or file already read is not read again (so link loops end) and a warning says so.
  An explicit file with another suffix is rejected: ``unknown input type '.csv'``.
* ``-`` is stdin. If its first non-blank line starts with ``{`` it is JSON: JSON Lines when that
  line is a complete object, one pretty-printed object when the line is an unfinished object;
  otherwise it is one plain-text article (like a ``.txt``).
* Encodings: UTF-8 (with or without BOM), and UTF-16/UTF-32 when a byte-order mark says so. Other
  bytes are rejected with their offset; NUL bytes mean a binary file. Text is otherwise kept
  exactly as stored — no newline conversion, no stripping, no Unicode normalisation — because
  mention offsets index ``Article.text`` and the RDF records them.
* Ids: the record's ``id`` (string, or integer/decimal number written as in the JSON); else derived
  from a valid ``url`` (readable slug + 12 hex digits of its SHA-1); else, for a ``.json`` or
  ``.txt``, the file name's stem (NFC-normalised); else ``h-`` + 16 hex digits of the text's SHA-1.
  A ``.txt`` always takes its stem. Stdin text takes the ``url`` option's id, else the hash.
  A second record with an id already seen in the batch is rejected, naming both places.
* ``published``: ISO 8601 date or date-time (``Z`` or an offset allowed) or an RFC 2822 date
  (RSS feeds). ``Article.published`` is the calendar date as written (not converted to UTC);
  ``published_datetime`` keeps the time when one was given. Not a date → the record is rejected.
  A date that has not begun anywhere on Earth yet (after today in UTC+14) → warning. The
  ``published`` option applies to text inputs and is the default for JSON records without one.
  The ``title`` and ``url`` options apply to text inputs only.
* Invalid ``url`` (no scheme, spaces, ``<>"{}|\\^```, control characters, bad ``%``,
  bidirectional formatting characters, or anything else RFC 3987 forbids, such as a bad host or
  port or a second ``#``: checked with Oxigraph's IRI parser, as the store would), or ``url``,
  ``title`` or ``source`` that is not a string → warning, the field dropped (not repaired: a
  guessed URL would be wrong data). ``text`` missing, not a string, empty, not valid Unicode or
  with no letters or digits → the record is rejected.
* An article longer than ``large_article_chars`` (default 1,000,000, spaCy's default
  ``max_length``) is kept with a warning: the extractor may process only part of it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email.utils
import errno
import hashlib
import json
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import IO, Any, AnyStr, NamedTuple
from urllib.parse import unquote, urlsplit

from pyoxigraph import NamedNode

from .model import Article

#: Suffixes read from folders (and accepted for explicit files).
SUFFIXES = (".txt", ".json", ".jsonl")
#: The path that means standard input.
STDIN = "-"
#: The origin used in problems and ``Article.origin`` for standard input.
STDIN_ORIGIN = "<stdin>"
#: Above this many characters an article is kept with a warning (spaCy's default max_length).
DEFAULT_LARGE_ARTICLE_CHARS = 1_000_000

_SNIFF_BYTES = 8192
_CHUNK_BYTES = 1 << 16
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"),
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{8}")
_IRI_BAD = re.compile(r"[\x00-\x20\x7f-\x9f<>\"{}|\\^`]")
# RFC 3987 section 4.1: IRIs must not contain bidirectional formatting characters (they make
# a URL display as another one); the isolates of Unicode 6.3 are treated the same way.
_IRI_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_IRI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_WEB_SUFFIX = re.compile(r"\.(?:s?html?|php|aspx?|jsp)$", re.IGNORECASE)


@dataclass(frozen=True)
class InputProblem:
    """Something wrong with an input, located as ``path`` or ``path:line``.

    ``fatal`` means a record or file was rejected (skipped); otherwise it is a warning about
    something odd but usable. ``str()`` is the one-line message users see.
    """

    origin: str
    message: str
    fatal: bool

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


class InputError(Exception):
    """Raised by :func:`read_text_file`; ``problem`` holds the located, one-line message."""

    def __init__(self, problem: InputProblem):
        super().__init__(str(problem))
        self.problem = problem


class _DecodeFailure(Exception):
    """Bytes that cannot be text: ``offset`` is the byte offset in the file."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset


class _Line(NamedTuple):
    """One line of a streamed file: ``text`` or, when it cannot be read, ``error``.

    ``stop`` marks an error after which nothing more of the file can be read.
    """

    number: int
    text: str | None
    error: str | None = None
    stop: bool = False


# --------------------------------------------------------------------------- decoding

def _sniff(head: bytes) -> tuple[str, str, int]:
    """Encoding (codec, label, BOM length) from a byte-order mark; UTF-8 without one."""
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            return codec, label, len(bom)
    return "utf-8", "UTF-8", 0


def _binary_message(sample: bytes) -> str:
    """Say 'binary', with a hint when the NULs look like UTF-16 saved without a BOM."""
    even, odd = sample[0::2], sample[1::2]
    if sample and (odd.count(0) > 0.4 * len(odd) and even.count(0) == 0
                   or even.count(0) > 0.4 * len(even) and odd.count(0) == 0):
        return ("binary file, not text (it looks like UTF-16 without a byte-order mark; "
                "save it as UTF-8)")
    return "binary file, not text"


def _utf8_message(data: bytes, err: UnicodeDecodeError, base: int) -> str:
    offset = base + err.start
    byte = data[err.start]
    if err.reason == "unexpected end of data":
        return f"not UTF-8: incomplete character at the end (byte 0x{byte:02x} at offset {offset})"
    return f"not UTF-8: invalid byte 0x{byte:02x} at offset {offset} (save the file as UTF-8)"


def _decode(data: bytes) -> str:
    """Decode a whole file by the encoding rules; raise :class:`_DecodeFailure` otherwise."""
    codec, label, bom = _sniff(data)
    body = data[bom:]
    if codec == "utf-8":
        nul = body.find(b"\x00")
        if nul >= 0:
            raise _DecodeFailure(_binary_message(body[:_SNIFF_BYTES]), bom + nul)
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _DecodeFailure(_utf8_message(body, e, bom), bom + e.start) from None
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as e:
        raise _DecodeFailure(f"not {label}: {e.reason} at offset {bom + e.start}",
                             bom + e.start) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise _DecodeFailure("binary file, not text", bom + len(text[:nul].encode(codec)))
    return text


def _line_of(data: bytes, offset: int) -> int:
    """1-based line number of a byte offset (UTF-16/32 decoded up to it to count newlines)."""
    codec, _, bom = _sniff(data)
    if codec == "utf-8":
        return data.count(b"\n", 0, offset) + 1
    prefix = data[bom:offset]
    prefix = prefix[: len(prefix) - len(prefix) % (4 if "32" in codec else 2)]
    return prefix.decode(codec, errors="replace").count("\n") + 1


def _os_error_message(err: OSError) -> str:
    if isinstance(err, FileNotFoundError):
        return "no such file or directory"
    if isinstance(err, PermissionError):
        return "permission denied"
    if isinstance(err, IsADirectoryError):
        return "is a folder, not a file"
    if err.errno == errno.ELOOP:
        return "symbolic link loop"
    return (err.strerror or str(err)).lower()


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as e:
        raise InputError(InputProblem(path, _os_error_message(e), True)) from None


def read_text_file(path: str | os.PathLike[str]) -> str:
    """Read a whole text file by the project's encoding rules and return it unaltered.

    UTF-8 with or without BOM, UTF-16/UTF-32 with BOM; the BOM is removed and nothing else is
    changed (newlines are kept as stored). Shared with the command line so that every file the
    project reads (articles, gazetteers, queries) follows the same rules and gives the same
    messages. Raises :class:`InputError` for a missing, unreadable, binary or undecodable file.
    An empty file gives ``""``.
    """
    origin = os.fspath(path)
    data = _read_bytes(origin)
    try:
        return _decode(data)
    except _DecodeFailure as e:
        where = f"{origin}:{_line_of(data, e.offset)}"
        raise InputError(InputProblem(where, e.message, True)) from None


def _read_head(fh: IO[bytes], size: int) -> bytes:
    """Read up to ``size`` bytes even from a pipe that returns short reads."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        chunk = fh.read(size - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _chunks(fh: IO[bytes], first: bytes) -> Iterator[bytes]:
    if first:
        yield first
    while chunk := fh.read(_CHUNK_BYTES):
        yield chunk


def _split(pieces: Iterable[AnyStr], sep: AnyStr) -> Iterator[AnyStr]:
    """Split a stream of chunks into lines that keep their ``sep``; long lines cost linear time."""
    parts: list[Any] = []
    for chunk in pieces:
        start = 0
        while True:
            nl = chunk.find(sep, start)
            if nl < 0:
                if start < len(chunk):
                    parts.append(chunk[start:])
                break
            piece = chunk[start:nl + 1]
            if parts:
                parts.append(piece)
                line = piece[:0].join(parts)
                parts = []
            else:
                line = piece
            yield line
            start = nl + 1
    if parts:
        yield parts[0][:0].join(parts)


def _stream_lines(fh: IO[bytes], head: bytes) -> Iterator[_Line]:
    """Decode a byte stream line by line (``head`` = bytes already read from it).

    UTF-8 lines are decoded one by one, so a bad byte costs only its line; a UTF-16/32 stream is
    decoded incrementally and a decoding error ends it. Only ``\\n`` ends a line (JSON strings may
    hold U+2028 and similar), and the newline stays in the line.
    """
    codec, label, bom = _sniff(head)
    number = 0
    if codec == "utf-8":
        offset = 0
        for raw in _split(_chunks(fh, head), b"\n"):
            number += 1
            start = offset
            offset += len(raw)
            if number == 1 and bom:
                raw = raw[bom:]
                start += bom
            nul = raw.find(b"\x00")
            if nul >= 0:
                yield _Line(number, None, f"binary data (NUL byte) at offset {start + nul}")
                continue
            try:
                yield _Line(number, raw.decode("utf-8"))
            except UnicodeDecodeError as e:
                yield _Line(number, None, _utf8_message(raw, e, start))
        return
    decoder = codecs.getincrementaldecoder(codec)()
    position = bom
    failure: list[str] = []

    def texts() -> Iterator[str]:
        nonlocal position
        for chunk in chain([head[bom:]], _chunks(fh, b"")):
            pending = len(decoder.getstate()[0])
            try:
                yield decoder.decode(chunk)
            except UnicodeDecodeError as e:
                failure.append(f"not {label}: {e.reason} at offset {position - pending + e.start}")
                return
            position += len(chunk)
        pending = len(decoder.getstate()[0])
        try:
            yield decoder.decode(b"", final=True)
        except UnicodeDecodeError as e:
            failure.append(f"not {label}: {e.reason} at offset {position - pending + e.start}")

    for line in _split(texts(), "\n"):
        number += 1
        if "\x00" in line:
            yield _Line(number, None, "binary data (NUL character), not text")
        else:
            yield _Line(number, line)
    if failure:
        yield _Line(number + 1, None, failure[0] + "; rest of the file skipped", stop=True)


# --------------------------------------------------------------------------- field parsing

def parse_published(value: str) -> tuple[dt.date, dt.datetime | None]:
    """Parse a publication date: ISO 8601 date or date-time, or RFC 2822 (as in RSS feeds).

    Returns the calendar date as written (a time zone does not shift it) and the date-time when a
    time was given. Raises ``ValueError`` with a user-facing message otherwise. Public so the
    command line's ``--published`` option is parsed by the same rules.
    """
    s = value.strip()
    if _ISO_DATE.fullmatch(s):
        try:
            return dt.date.fromisoformat(s), None
        except ValueError:
            raise ValueError(f"{value!r} is not a valid date") from None
    if re.match(r"\d{4}", s):
        try:
            stamp = dt.datetime.fromisoformat(s)
        except ValueError:
            pass
        else:
            return stamp.date(), stamp
    elif re.search(r"[A-Za-z]{3},? +\d", s):
        try:
            stamp = email.utils.parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            pass
        else:
            return stamp.date(), stamp
    raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD) or date-time")


def iri_problem(url: str) -> str | None:
    """Why ``url`` is not an absolute IRI usable as ``schema:url``, or None when it is fine."""
    bad = _IRI_BAD.search(url)
    if bad:
        ch = bad.group()
        what = "a space" if ch == " " else (f"{ch!r}" if ch.isprintable() else
                                            f"control character U+{ord(ch):04X}")
        return f"contains {what}"
    if not _IRI_SCHEME.match(url):
        return "has no scheme such as https:"
    if _BAD_PERCENT.search(url):
        return "has a '%' not followed by two hex digits"
    bidi = _IRI_BIDI.search(url)
    if bidi:
        return f"contains bidirectional formatting character U+{ord(bidi.group()):04X}"
    try:  # the rest of RFC 3987: host, port, one '#', no private-use or non-characters...
        NamedNode(url)
    except ValueError as e:  # "Invalid character '[' in host" → "invalid character '[' in host"
        why = (str(e).splitlines() or ["not an IRI"])[0]
        why = "".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in why)
        return why[:1].lower() + why[1:]
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _surrogate_at(s: str) -> int | None:
    """Index of an unpaired surrogate (JSON ``\\ud800`` escapes make them), else None."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as e:
        return e.start
    return None


def _slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_ = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _SLUG_DROP.sub("-", ascii_).strip("-")


def id_from_url(url: str) -> str:
    """A readable, stable article id from a URL: last path segment (or host) + a hash.

    The hash of the whole URL keeps ids distinct for URLs that differ only in query strings.
    """
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s.strip()]
    label = _WEB_SUFFIX.sub("", segments[-1]) if segments else (parts.hostname or "")
    stem = _slug(label)[:60].rstrip("-")
    hashed = hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]
    return f"{stem}-{hashed}" if stem else f"u-{hashed}"


def id_from_text(text: str) -> str:
    """``h-`` + 16 hex digits of the text's SHA-1: for articles with no id, url or file name."""
    return "h-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _has_words(text: str) -> bool:
    return any(c.isalnum() for c in text)


# --------------------------------------------------------------------------- the reader

class _Rejected(Exception):
    """A record is rejected; the message goes into a fatal problem."""


@dataclass
class ReadProgress:
    """How far reading has gone, for a progress bar's ETA.

    ``total_bytes`` is the size of every input file found before reading (None when stdin is
    among the inputs: its size is unknown); ``done_bytes`` counts the bytes read so far. Bytes
    are a fair measure of work because articles are read in order and cost about their size.
    """

    total_bytes: int | None = None
    done_bytes: int = 0

    @property
    def fraction(self) -> float | None:
        """Share of the input read (0–1), or None when the total is unknown."""
        if not self.total_bytes:
            return None
        return min(1.0, self.done_bytes / self.total_bytes)


class _CountingReader:
    """A binary file whose reads are added to a :class:`ReadProgress`."""

    def __init__(self, fh: IO[bytes], progress: ReadProgress):
        self._fh = fh
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self._progress.done_bytes += len(data)
        return data


def input_size(paths: Sequence[str | os.PathLike[str]]) -> int | None:
    """Bytes in the input files that :func:`read_inputs` would read (None with stdin).

    Walks folders the way the reader does (input suffixes only, hidden entries skipped); files
    that cannot be read count as 0 here and are reported by the reader.
    """
    total = 0
    for arg in paths:
        path = os.fspath(arg)
        if path == STDIN:
            return None
        try:
            if os.path.isdir(path):
                for root, dirs, files in os.walk(path, followlinks=True):
                    dirs[:] = [d for d in dirs if not d.startswith(".")]
                    for name in files:
                        if not name.startswith(".") and Path(name).suffix.lower() in SUFFIXES:
                            try:
                                total += os.stat(os.path.join(root, name)).st_size
                            except OSError:
                                pass
            else:
                total += os.stat(path).st_size
        except OSError:
            continue
    return total


class _Reader:
    """State of one batch: options, ids seen (for duplicates), files and folders read."""

    def __init__(self, *, published: dt.date | None, title: str | None, url: str | None,
                 on_problem: Callable[[InputProblem], None], large_article_chars: int | None,
                 stdin: IO[bytes] | None, progress: ReadProgress | None = None):
        self.progress = progress
        self.published = published
        self.title = title
        self.url = url
        self.on_problem = on_problem
        self.large = large_article_chars
        self.stdin = stdin
        self.stdin_read = False
        self.latest_today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()
        # Duplicate detection over millions of records: id → packed (file index, line).
        self.ids: dict[str, int] = {}
        self.files: list[str] = []
        self.seen_files: dict[tuple[int, int], str] = {}
        self.seen_dirs: dict[tuple[int, int], str] = {}
        self.text_with_options = 0

    # -- reporting
    def problem(self, origin: str, message: str, fatal: bool = True) -> None:
        self.on_problem(InputProblem(origin, message, fatal))

    def _where(self, loc: int) -> str:
        path, line = self.files[loc >> 32], loc & 0xFFFFFFFF
        return f"{path}:{line}" if line else path

    # -- dispatch
    def read_path(self, arg: str | os.PathLike[str]) -> Iterator[Article]:
        path = os.fspath(arg)
        if path == STDIN:
            yield from self.read_stdin()
            return
        try:
            st = os.stat(path)
        except OSError as e:
            message = _os_error_message(e)
            if isinstance(e, FileNotFoundError) and os.path.islink(path):
                message = "broken symbolic link"
            self.problem(path, message)
            return
        if stat.S_ISDIR(st.st_mode):
            yield from self.walk(path, st, frozenset())
            return
        suffix = Path(path).suffix.lower()
        if suffix not in SUFFIXES:
            shown = f"'{Path(path).suffix}'" if suffix else "(no suffix)"
            self.problem(path, f"unknown input type {shown} (use .txt, .json or .jsonl)")
            return
        yield from self.read_file(path, st, suffix)

    def walk(self, folder: str, st: os.stat_result,
             ancestors: frozenset[tuple[int, int]]) -> Iterator[Article]:
        key = (st.st_dev, st.st_ino)
        if key in ancestors:
            self.problem(folder, "symbolic link loop; not followed", fatal=False)
            return
        if key in self.seen_dirs:
            self.problem(folder, f"already read (same folder as {self.seen_dirs[key]})",
                         fatal=False)
            return
        self.seen_dirs[key] = folder
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            self.problem(folder, f"{_os_error_message(e)}; folder skipped")
            return
        inside = ancestors | {key}
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            suffix = Path(entry.name).suffix.lower()
            if not is_dir and suffix not in SUFFIXES:
                continue
            try:
                target = os.stat(entry.path)
            except OSError as e:
                message = _os_error_message(e)
                if isinstance(e, FileNotFoundError) and entry.is_symlink():
                    message = "broken symbolic link"
                self.problem(entry.path, message)
                continue
            if is_dir:
                yield from self.walk(entry.path, target, inside)
            else:
                yield from self.read_file(entry.path, target, suffix)

    def read_file(self, path: str, st: os.stat_result, suffix: str) -> Iterator[Article]:
        key = (st.st_dev, st.st_ino)
        if stat.S_ISREG(st.st_mode):
            if key in self.seen_files:
                self.problem(path, f"already read (same file as {self.seen_files[key]})",
                             fatal=False)
                return
            self.seen_files[key] = path
        index = len(self.files)
        self.files.append(path)
        if suffix == ".jsonl":
            try:
                fh = open(path, "rb")
            except OSError as e:
                self.problem(path, _os_error_message(e))
                return
            with fh:
                counted = fh if self.progress is None else _CountingReader(fh, self.progress)
                yield from self.read_jsonl(counted, path, index)  # type: ignore[arg-type]
            return
        try:
            data = _read_bytes(path)
        except InputError as e:
            self.on_problem(e.problem)
            return
        if self.progress is not None:
            self.progress.done_bytes += len(data)
        if not data:
            self.problem(path, "empty file")
            return
        try:
            text = _decode(data)
        except _DecodeFailure as e:
            self.problem(f"{path}:{_line_of(data, e.offset)}", e.message)
            return
        if suffix == ".txt":
            stem = unicodedata.normalize("NFC", Path(path).stem)
            article = self.text_article(text, path, index, stem)
        else:
            article = self.json_document(text, path, index, Path(path).stem)
        if article is not None:
            yield article

    # -- formats
    def json_document(self, text: str, origin: str, index: int,
                      stem: str | None) -> Article | None:
        """A whole ``.json`` file (or a pretty-printed object on stdin): one article object."""
        if not text.strip():
            self.problem(origin, "empty file")
            return None
        try:
            value = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as e:
            hint = ("; several JSON values: use .jsonl, one article per line"
                    if e.msg == "Extra data" else "")
            self.problem(f"{origin}:{e.lineno}",
                         f"malformed JSON: {e.msg} (column {e.colno}){hint}")
            return None
        if isinstance(value, list):
            self.problem(origin, "JSON array, not an article object "
                                 "(for many articles use .jsonl, one object per line)")
            return None
        return self.record(value, origin, index, 0, stem)

    def read_jsonl(self, fh: IO[bytes], origin: str, index: int,
                   lines: Iterator[_Line] | None = None) -> Iterator[Article]:
        if lines is None:
            try:
                head = _read_head(fh, _SNIFF_BYTES)
            except OSError as e:
                self.problem(origin, _os_error_message(e))
                return
            if not head:
                self.problem(origin, "empty file")
                return
            codec, _, bom = _sniff(head)
            if codec == "utf-8" and b"\x00" in head:
                self.problem(origin, _binary_message(head[bom:]))
                return
            lines = _stream_lines(fh, head)
        records = 0
        try:
            for line in lines:
                where = f"{origin}:{line.number}"
                if line.error is not None:
                    self.problem(where, line.error)
                    if line.stop:
                        return
                    records += 1
                    continue
                assert line.text is not None
                if not line.text.strip():
                    continue
                records += 1
                article = self.json_line(line.text.rstrip("\r\n"), where, index, line.number)
                if article is not None:
                    yield article
        except OSError as e:
            self.problem(origin, f"{_os_error_message(e)}; rest of the file skipped")
            return
        if not records:
            self.problem(origin, "empty file (no records)")

    def json_line(self, text: str, where: str, index: int, number: int) -> Article | None:
        try:
            value = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as e:
            self.problem(where, f"malformed JSON: {e.msg} (column {e.colno})")
            return None
        return self.record(value, where, index, number, None)

    def read_stdin(self) -> Iterator[Article]:
        """Standard input: JSON Lines, one JSON object, or plain text (see module rules)."""
        origin = STDIN_ORIGIN
        if self.stdin_read:
            self.problem(origin, "'-' given more than once; standard input is read once",
                         fatal=False)
            return
        self.stdin_read = True
        fh = self.stdin if self.stdin is not None else sys.stdin.buffer
        index = len(self.files)
        self.files.append(origin)
        head = _read_head(fh, _SNIFF_BYTES)
        if not head:
            self.problem(origin, "empty input")
            return
        codec, _, bom = _sniff(head)
        if codec == "utf-8" and b"\x00" in head:
            self.problem(origin, _binary_message(head[bom:]))
            return
        lines = _stream_lines(fh, head)
        seen: list[_Line] = []
        first: str | None = None
        for line in lines:
            seen.append(line)
            if line.text is None or line.text.strip():
                first = line.text
                break
        stripped = (first or "").strip()
        if stripped.startswith("{"):
            mode = "jsonl"
            try:
                json.loads(stripped)
            except json.JSONDecodeError as e:
                if e.pos >= len(stripped):  # an unfinished object: pretty-printed JSON
                    mode = "json"
            if mode == "jsonl":
                yield from self.read_jsonl(fh, origin, index, chain(seen, lines))
                return
        parts: list[str] = []
        for line in chain(seen, lines):
            if line.text is None:
                self.problem(f"{origin}:{line.number}", str(line.error))
                return
            parts.append(line.text)
        text = "".join(parts)
        if stripped.startswith("{"):
            article = self.json_document(text, origin, index, None)
        elif stripped.startswith("[") and self._is_json_array(text):
            self.problem(origin, "JSON array, not an article object "
                                 "(for many articles use JSON Lines, one object per line)")
            return
        else:
            article = self.text_article(text, origin, index, None)
        if article is not None:
            yield article

    @staticmethod
    def _is_json_array(text: str) -> bool:
        try:
            return isinstance(json.loads(text), list)
        except json.JSONDecodeError:
            return False

    # -- building articles
    def text_article(self, text: str, origin: str, index: int,
                     stem: str | None) -> Article | None:
        """A plain-text article; metadata from the options."""
        warnings: list[str] = []
        try:
            self.check_text(text, warnings)
            url = None
            if self.url is not None:
                url = self.clean_url(self.url, warnings, "the url option")
            title = (self.title.strip() or None) if self.title is not None else None
            if stem is not None:
                article_id = stem
            elif url is not None:
                article_id = id_from_url(url)
            else:
                article_id = id_from_text(text)
            day, stamp = self.option_published()
            self.check_future(day, warnings)
            self.claim_id(article_id, index, 0)
        except _Rejected as e:
            self.problem(origin, str(e))
            return None
        if self.title is not None or self.url is not None:
            self.text_with_options += 1
            if self.text_with_options == 2:
                warnings.append("the title/url options apply to every text input; "
                                "this one gets the same title/url as the first")
        for w in warnings:
            self.problem(origin, w, fatal=False)
        return Article(id=article_id, text=text, url=url, title=title, published=day,
                       published_datetime=stamp, origin=origin)

    def record(self, value: Any, origin: str, index: int, line: int,
               stem: str | None) -> Article | None:
        """A JSON article object → Article, or None after reporting why it was rejected."""
        warnings: list[str] = []
        try:
            if not isinstance(value, dict):
                raise _Rejected(f"JSON {_json_type(value)} is not an article object")
            text = value.get("text")
            if text is None:
                raise _Rejected("missing 'text'")
            if not isinstance(text, str):
                raise _Rejected(f"'text' is a {_json_type(text)}, not a string")
            if not text:
                raise _Rejected("empty 'text'")
            self.check_text(text, warnings)
            url = self.optional_string(value, "url", warnings)
            if url is not None:
                url = self.clean_url(url, warnings, "'url'")
            title = self.optional_string(value, "title", warnings)
            source_key = "source" if value.get("source") is not None else "outlet"
            source = self.optional_string(value, source_key, warnings)
            day, stamp = self.record_published(value.get("published"))
            self.check_future(day, warnings)
            article_id = self.record_id(value.get("id"), warnings)
            if article_id is None:
                if url is not None:
                    article_id = id_from_url(url)
                elif stem is not None:
                    article_id = unicodedata.normalize("NFC", stem)
                else:
                    article_id = id_from_text(text)
            self.claim_id(article_id, index, line)
        except _Rejected as e:
            self.problem(origin, str(e))
            return None
        for w in warnings:
            self.problem(origin, w, fatal=False)
        return Article(id=article_id, text=text, url=url, title=title, published=day,
                       published_datetime=stamp, source=source, origin=origin)

    def check_text(self, text: str, warnings: list[str]) -> None:
        bad = _surrogate_at(text)
        if bad is not None:
            raise _Rejected(f"text is not valid Unicode (unpaired surrogate at character {bad})")
        if not _has_words(text):
            raise _Rejected("no words to analyse")
        if self.large and len(text) > self.large:
            warnings.append(f"very long article ({len(text):,} characters, over {self.large:,}); "
                            "the extractor may process only part of it")

    @staticmethod
    def optional_string(value: dict[str, Any], key: str, warnings: list[str]) -> str | None:
        """A metadata string, stripped; a wrong type or bad Unicode is dropped with a warning."""
        field = value.get(key)
        if field is None:
            return None
        if not isinstance(field, str):
            warnings.append(f"'{key}' is a {_json_type(field)}, not a string; {key} dropped")
            return None
        if _surrogate_at(field) is not None:
            warnings.append(f"'{key}' is not valid Unicode; {key} dropped")
            return None
        return field.strip() or None

    @staticmethod
    def clean_url(url: str, warnings: list[str], what: str) -> str | None:
        url = url.strip()
        if not url:
            return None
        why = iri_problem(url)
        if why:
            shown = url if len(url) <= 80 else url[:77] + "..."
            warnings.append(f"{what} {shown!r} is not a valid IRI ({why}); url dropped")
            return None
        return url

    @staticmethod
    def record_id(value: Any, warnings: list[str]) -> str | None:
        if value is None:
            return None
        if isinstance(value, float):  # only NaN and Infinity arrive as float (parse_float=Decimal)
            raise _Rejected(f"'id' {value} is not a usable number")
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise _Rejected(f"'id' is a {_json_type(value)}, not a string or number")
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise _Rejected(f"'id' {value} is not a usable number")
            return str(value)
        if isinstance(value, int):
            return str(value)
        if _surrogate_at(value) is not None:
            raise _Rejected("'id' is not valid Unicode")
        stripped = value.strip()
        if not stripped:
            warnings.append("empty 'id'; an id is derived instead")
            return None
        return stripped

    def record_published(self, value: Any) -> tuple[dt.date | None, dt.datetime | None]:
        if value is None or (isinstance(value, str) and not value.strip()):
            return self.option_published()
        if not isinstance(value, str):
            raise _Rejected(f"'published' is a {_json_type(value)}, not an ISO date string")
        try:
            return parse_published(value)
        except ValueError as e:
            raise _Rejected(f"'published' {e}") from None

    def option_published(self) -> tuple[dt.date | None, dt.datetime | None]:
        if isinstance(self.published, dt.datetime):
            return self.published.date(), self.published
        return self.published, None

    def check_future(self, day: dt.date | None, warnings: list[str]) -> None:
        if day is not None and day > self.latest_today:
            warnings.append(f"published {day.isoformat()} is in the future")

    def claim_id(self, article_id: str, index: int, line: int) -> None:
        """Reject a second article with an id already seen: the first wins, loudly."""
        first = self.ids.get(article_id)
        if first is not None:
            raise _Rejected(f"duplicate id {article_id!r} (first at {self._where(first)}); "
                            "record skipped")
        self.ids[article_id] = (index << 32) | line


def read_inputs(paths: Sequence[str | os.PathLike[str]], *, published: dt.date | None = None,
                title: str | None = None, url: str | None = None,
                on_problem: Callable[[InputProblem], None],
                large_article_chars: int | None = DEFAULT_LARGE_ARTICLE_CHARS,
                stdin: IO[bytes] | None = None,
                progress: ReadProgress | None = None) -> Iterator[Article]:
    """Yield the articles in ``paths`` (files, folders, ``-`` for stdin), lazily, in order.

    Nothing is read until the generator is advanced, and JSON Lines are read line by line, so a
    dump of any size streams. Each problem is passed to ``on_problem`` at the moment it is met
    (between the articles around it); the generator itself raises nothing for bad input.
    ``published`` (a date, or a datetime to keep the time) applies to text inputs and is the
    default for JSON records without one; ``title`` and ``url`` apply to text inputs only.
    ``large_article_chars`` (None to disable) is where the "very long article" warning starts.
    ``stdin`` replaces ``sys.stdin.buffer`` (for tests and embedding). ``progress``, when
    given, counts the bytes read (see :func:`input_size` for its total).
    """
    reader = _Reader(published=published, title=title, url=url, on_problem=on_problem,
                     large_article_chars=large_article_chars, stdin=stdin, progress=progress)
    for path in paths:
        yield from reader.read_path(path)
