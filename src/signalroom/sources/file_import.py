"""The file source: posts read from a JSONL or CSV file, once, resumably.

JSONL lines are generic post objects (``docs/post-format.md``) and go on as they are, so a
malformed line becomes a reject holding that very line. A CSV row is turned into a generic
post object through a column mapping (common column names are recognised; ``columns``
overrides them); the object also carries ``"csv": {"line", "row"}``, the row as written,
so a reject shows what was in the file. A row that cannot be read at all (bytes that are
not UTF-8, a broken quote) goes on as its raw bytes and is rejected with them.

The checkpoint after each item is the byte offset and line number after it, with the
file's identity (absolute path, size, modification time). A rerun on the same file resumes
there; a changed file starts over (with a warning), and the pipeline's dedupe on
``(source, native_id)`` keeps that from storing a post twice. Must not normalise posts,
hold more than one line (or one CSV record) in memory, or yield a checkpoint beyond an
item it has not yielded.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import logging
import os
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final, Literal

import msgspec

from signalroom.clock import Clock
from signalroom.errors import ConfigError, SourceError, ValidationError
from signalroom.models import RawItem
from signalroom.sources.base import Source, SourceCheck
from signalroom.sources.deps import SourceDeps

log = logging.getLogger(__name__)

KIND: Final = "file"
FileFormat = Literal["jsonl", "csv"]
FORMATS: Final[tuple[FileFormat, ...]] = ("jsonl", "csv")
EXTENSIONS: Final[Mapping[str, FileFormat]] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
}
MAX_LINE_BYTES: Final = 2_000_001
"""Longer lines are cut here: the normalizer rejects payloads over 2,000,000 bytes anyway."""
DELIMITERS: Final = (",", ";", "\t", "|")
MAX_PROBLEMS: Final = 20

POST_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "id": ("id", "post_id", "native_id", "tweet_id", "status_id", "message_id", "guid", "uuid"),
    "text": ("text", "full_text", "body", "content", "message", "tweet", "post", "comment"),
    "title": ("title", "headline", "subject"),
    "author": (
        "author",
        "handle",
        "author_handle",
        "username",
        "user_name",
        "screen_name",
        "user",
        "account",
    ),
    "author_name": ("author_name", "name", "display_name", "user_display_name", "full_name"),
    "followers": ("followers", "followers_count", "author_followers", "user_followers_count"),
    "created_at": (
        "created_at",
        "date",
        "datetime",
        "timestamp",
        "time",
        "published",
        "published_at",
        "posted_at",
        "created",
    ),
    "url": ("url", "link", "permalink", "post_url"),
    "lang": ("lang", "language"),
    "likes": ("likes", "like_count", "likes_count", "favorite_count", "favorites"),
    "reposts": ("reposts", "repost_count", "retweets", "retweet_count", "shares", "share_count"),
    "replies": ("replies", "reply_count", "comments", "comment_count", "num_comments"),
    "quotes": ("quotes", "quote_count"),
    "reply_to": ("reply_to", "in_reply_to", "in_reply_to_status_id", "parent_id"),
    "quote_of": ("quote_of", "quoted_status_id"),
    "repost_of": ("repost_of", "retweeted_status_id"),
    "media": ("media", "media_urls", "image_url", "images"),
}
"""Each post field a CSV column can fill, with the column names recognised for it (in
order of preference, compared lower-case with spaces and dashes as ``_``)."""
REQUIRED_FIELDS: Final = ("author", "created_at")
_ENGAGEMENT: Final = ("likes", "reposts", "replies", "quotes")
_SIMPLE: Final = ("text", "title", "url", "lang", "reply_to", "quote_of", "repost_of")
_BOM: Final = b"\xef\xbb\xbf"
_THOUSANDS: Final = re.compile(r"\d{1,3}(?:[,_ ]\d{3})+")
_NUMBER: Final = re.compile(r"-?\d+(?:\.\d+)?")
_SEPARATORS: Final = re.compile(r"[\s,]+")


class FileImportSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Settings of a ``file`` source: one file, read once (``signalroom import`` builds them
    from its arguments; a ``[[sources]]`` table may too)."""

    path: str
    """The file to read."""
    format: FileFormat | None = None
    """``jsonl`` or ``csv``; unset means from the extension (.jsonl/.ndjson/.json, .csv/.tsv)."""
    columns: dict[str, str] = msgspec.field(default_factory=dict)
    """CSV only: post field → column name, over the recognised column names."""
    restart: bool = False
    """Ignore the checkpoint and read from the start."""


class FileCheckpoint(msgspec.Struct, frozen=True):
    """Where a rerun resumes: after byte ``offset`` (line ``line``) of this very file."""

    path: str
    size: int
    mtime_ns: int
    offset: int
    line: int


_checkpoint_encoder: Final = msgspec.json.Encoder()
_checkpoint_decoder: Final = msgspec.json.Decoder(FileCheckpoint)
_json: Final = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class FilePlan:
    """What is known of the file before reading it: how to read it and where rows start."""

    path: Path
    format: FileFormat
    size: int
    mtime_ns: int
    body_offset: int
    """Byte offset of the first item (after a BOM, and the CSV header)."""
    body_line: int
    """Lines before the first item (1 for the CSV header)."""
    delimiter: str = ","
    header: tuple[str, ...] = ()
    mapping: Mapping[str, int] = field(default_factory=dict)
    """Post field → column index (CSV)."""

    @property
    def derived_ids(self) -> bool:
        """A CSV without an id column: ids are derived from author, time and text."""
        return self.format == "csv" and "id" not in self.mapping

    def describe_mapping(self) -> str:
        return ", ".join(
            f"{name}←{self.header[self.mapping[name]]}"
            for name in POST_FIELDS
            if name in self.mapping
        )

    def is_same_file(self, checkpoint: FileCheckpoint) -> bool:
        return (checkpoint.path, checkpoint.size, checkpoint.mtime_ns) == (
            str(self.path),
            self.size,
            self.mtime_ns,
        )


@dataclass(frozen=True, slots=True)
class Resume:
    """How the last ``stream`` started: ``from_line`` lines were already imported (0: from
    the start); ``started_over`` when a checkpoint was found for another version of the file."""

    from_line: int
    started_over: bool


def detect_format(path: Path, given: FileFormat | None) -> FileFormat:
    if given is not None:
        return given
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise ValidationError(
            f"cannot tell the format of {path.name} from its extension: give --format jsonl "
            "or --format csv",
            "--format",
        )
    return found


def plan_file(settings: FileImportSettings) -> FilePlan:
    """Look at the file: format, size, identity and (CSV) header and mapping. Raises
    SourceError when it cannot be read, ValidationError when it cannot be used as asked."""
    path = Path(settings.path).expanduser().absolute()
    fmt = detect_format(path, settings.format)
    if settings.columns and fmt != "csv":
        raise ValidationError("a column mapping applies to CSV files only", "--map")
    try:
        with path.open("rb") as handle:
            status = os.fstat(handle.fileno())
            first = handle.readline(MAX_LINE_BYTES)
    except IsADirectoryError as err:
        raise SourceError(f"cannot read {path}: it is a directory") from err
    except OSError as err:
        raise SourceError(f"cannot read {path}: {err.strerror or err}") from err
    bom = len(_BOM) if first.startswith(_BOM) else 0
    plan = FilePlan(
        path=path,
        format=fmt,
        size=status.st_size,
        mtime_ns=status.st_mtime_ns,
        body_offset=bom,
        body_line=0,
    )
    if fmt == "jsonl":
        return plan
    return _plan_csv(plan, first[bom:], settings.columns)


def _plan_csv(plan: FilePlan, first: bytes, columns: Mapping[str, str]) -> FilePlan:
    try:
        line = first.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValidationError(
            f"the first line of {plan.path.name} is not UTF-8 text: is it a CSV file?", "FILE"
        ) from err
    if not line.strip():
        raise ValidationError(f"{plan.path.name} has no CSV header line", "FILE")
    if not line.endswith("\n") and len(first) + plan.body_offset < plan.size:
        raise ValidationError(
            f"the first line of {plan.path.name} is too long for a header", "FILE"
        )
    delimiter = max(DELIMITERS, key=line.count) if any(d in line for d in DELIMITERS) else ","
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
    except csv.Error as err:
        raise ValidationError(
            f"the CSV header of {plan.path.name} is malformed: {err}", "FILE"
        ) from err
    header = tuple(cell.strip() for cell in cells)
    return FilePlan(
        path=plan.path,
        format="csv",
        size=plan.size,
        mtime_ns=plan.mtime_ns,
        body_offset=plan.body_offset + len(first),
        body_line=1,
        delimiter=delimiter,
        header=header,
        mapping=map_columns(header, columns),
    )


def map_columns(header: tuple[str, ...], columns: Mapping[str, str]) -> dict[str, int]:
    """Post field → column index: the given ``columns`` first, then recognised names.
    Raises ValidationError (field ``--map``) naming what is unknown or missing."""
    keys = [_key(name) for name in header]
    shown = ", ".join(header) or "none"
    mapping: dict[str, int] = {}
    for post_field, column in columns.items():
        if post_field not in POST_FIELDS:
            raise ValidationError(
                f"{post_field!r} is not a post field (fields: {', '.join(POST_FIELDS)})", "--map"
            )
        if column in header:
            mapping[post_field] = header.index(column)
        elif _key(column) in keys:
            mapping[post_field] = keys.index(_key(column))
        else:
            raise ValidationError(f"no column {column!r} (columns: {shown})", "--map")
    used = set(mapping.values())
    for post_field, aliases in POST_FIELDS.items():
        if post_field in mapping:
            continue
        for alias in aliases:
            if alias in keys and keys.index(alias) not in used:
                mapping[post_field] = keys.index(alias)
                used.add(mapping[post_field])
                break
    missing = [name for name in REQUIRED_FIELDS if name not in mapping]
    if "text" not in mapping and "title" not in mapping:
        missing.insert(0, "text")
    if missing:
        raise ValidationError(
            f"no column for {', '.join(missing)} (columns: {shown}); map one with "
            f"--map {missing[0]}=COLUMN",
            "--map",
        )
    return mapping


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def validate(name: str, settings: FileImportSettings) -> None:
    """Raise ConfigError naming the first bad setting."""
    for post_field in settings.columns:
        if post_field not in POST_FIELDS:
            raise ConfigError(f"sources.{name}.columns.{post_field}", "not a post field")
    if not settings.path.strip():
        raise ConfigError(f"sources.{name}.path", "must name a file")


def build(name: str, settings: FileImportSettings, deps: SourceDeps) -> Source:
    return FileSource(name, settings, deps.clock)


def default_source_name(path: Path) -> str:
    """The name (and checkpoint key) of a file's import unless one is given."""
    return f"file:{path.expanduser().absolute()}"


class FileSource:
    """Reads one file from its checkpoint to its end. ``offset`` (bytes read so far),
    ``resume`` and ``problems`` (rows that could not be read, first 20) are for progress
    and the summary."""

    def __init__(self, name: str, settings: FileImportSettings, clock: Clock) -> None:
        self._name = name
        self._settings = settings
        self._clock = clock
        self.offset = 0
        self.finished = False
        """The last stream read the file to its end."""
        self.resume: Resume | None = None
        self.problems: list[str] = []
        self.plan: FilePlan | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return KIND

    async def check(self) -> SourceCheck:
        try:
            plan = await asyncio.to_thread(plan_file, self._settings)
        except (SourceError, ValidationError) as err:
            return SourceCheck(ok=False, detail=str(err))
        detail = f"{plan.format}, {plan.size} bytes"
        if plan.format == "csv":
            detail += f"; columns: {plan.describe_mapping()}"
            if plan.derived_ids:
                detail += "; no id column: ids derived from author, time and text"
        return SourceCheck(ok=True, detail=detail)

    async def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        self.finished = False
        plan = self.plan = plan_file(self._settings)
        offset, line = plan.body_offset, plan.body_line
        started_over = False
        if since is not None and not self._settings.restart:
            checkpoint = _decode_checkpoint(since)
            if checkpoint is not None and plan.is_same_file(checkpoint):
                offset, line = max(offset, checkpoint.offset), max(line, checkpoint.line)
            else:
                started_over = True
                log.warning(
                    "%s changed since it was last imported (or another file had this "
                    "source name): reading it from the start; posts already stored are "
                    "counted as duplicates",
                    plan.path,
                )
        self.resume = Resume(from_line=line - plan.body_line, started_over=started_over)
        self.offset = offset
        try:
            handle = plan.path.open("rb")
        except OSError as err:
            raise SourceError(f"cannot read {plan.path}: {err.strerror or err}") from err
        with handle:
            handle.seek(offset)
            reader = _JsonlReader(handle) if plan.format == "jsonl" else _CsvReader(handle, plan)
            self.problems = reader.problems
            for count, (payload, read) in enumerate(reader.items(line), start=1):
                offset, line = read
                self.offset = offset
                checkpoint = FileCheckpoint(str(plan.path), plan.size, plan.mtime_ns, offset, line)
                yield RawItem(
                    source=KIND,
                    payload=payload,
                    received_at=self._clock.now(),
                    checkpoint=_checkpoint_encoder.encode(checkpoint).decode(),
                )
                if count % 256 == 0:
                    # Reading is fast: let the rest of the loop run between stretches.
                    await asyncio.sleep(0)
        self.offset = plan.size
        self.finished = True


def _decode_checkpoint(text: str) -> FileCheckpoint | None:
    try:
        return _checkpoint_decoder.decode(text)
    except msgspec.MsgspecError:
        return None


def _read_line(handle: IO[bytes]) -> bytes:
    """One line, with its end; a line over MAX_LINE_BYTES is cut there and the rest of it
    skipped, so memory stays bounded (the cut payload is rejected as too large)."""
    line = handle.readline(MAX_LINE_BYTES)
    if len(line) == MAX_LINE_BYTES and not line.endswith(b"\n"):
        while (rest := handle.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
            pass
    return line


class _JsonlReader:
    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.problems: list[str] = []

    def items(self, line: int) -> Iterator[tuple[bytes, tuple[int, int]]]:
        handle = self._handle
        while raw := _read_line(handle):
            line += 1
            offset = handle.tell()
            payload = raw.rstrip(b"\r\n")
            if payload.strip():
                yield payload, (offset, line)


class _CsvReader:
    """CSV records as generic post objects; the file's lines are fed to ``csv.reader`` one
    at a time, so the offset after each record is known exactly."""

    def __init__(self, handle: IO[bytes], plan: FilePlan) -> None:
        self._handle = handle
        self._plan = plan
        self._raw: list[bytes] = []
        self._undecodable = False
        self.problems: list[str] = []

    def _lines(self) -> Iterator[str]:
        while raw := _read_line(self._handle):
            self._raw.append(raw)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self._undecodable = True
                yield raw.decode("utf-8", errors="replace")

    def items(self, line: int) -> Iterator[tuple[bytes, tuple[int, int]]]:
        rows = csv.reader(self._lines(), delimiter=self._plan.delimiter)
        while True:
            first_line = line + 1
            row: list[str] | None = None
            problem: str | None = None
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as err:
                problem = f"line {first_line}: {err}"
            if self._undecodable:
                problem = f"line {first_line}: not UTF-8"
            raw = b"".join(self._raw)
            line += len(self._raw)
            offset = self._handle.tell()
            self._raw.clear()
            self._undecodable = False
            if problem is not None:
                if len(self.problems) < MAX_PROBLEMS:
                    self.problems.append(problem)
                # Kept as it was in the file; the pipeline rejects it and keeps the bytes.
                yield raw.rstrip(b"\r\n"), (offset, line)
            elif row is not None and any(cell.strip() for cell in row):
                yield self._post(row, raw, first_line), (offset, line)

    def _post(self, row: list[str], raw: bytes, line: int) -> bytes:
        mapping = self._plan.mapping

        def cell(name: str) -> str:
            index = mapping.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        post: dict[str, Any] = {}
        author: dict[str, Any] = {"handle": cell("author")}
        if name := cell("author_name"):
            author["name"] = name
        if followers := cell("followers"):
            author["followers"] = _number(followers)
        created = cell("created_at")
        post["created_at"] = _number(created) if _NUMBER.fullmatch(created) else created
        for name in _SIMPLE:
            if value := cell(name):
                post[name] = value
        engagement = {name: _number(value) for name in _ENGAGEMENT if (value := cell(name))}
        if engagement:
            post["engagement"] = engagement
        if media := cell("media"):
            post["media"] = [url for url in _SEPARATORS.split(media) if url]
        native_id = cell("id") or _derived_id(author["handle"], created, cell("text"))
        post = {"id": native_id, "author": author, **post}
        post["csv"] = {"line": line, "row": raw.decode("utf-8").rstrip("\r\n")}
        return _json.encode(post)


def _number(text: str) -> int | float | str:
    """A count or epoch time as a number; anything else stays text, for the normalizer to
    reject with the field's name."""
    if _THOUSANDS.fullmatch(text):
        text = re.sub(r"[,_ ]", "", text)
    if _NUMBER.fullmatch(text):
        value = float(text)
        return int(value) if value.is_integer() and abs(value) < 2**63 else value
    return text


def _derived_id(handle: str, created: str, text: str) -> str:
    digest = hashlib.sha256(f"{handle}\x1f{created}\x1f{text}".encode()).hexdigest()
    return f"sha256-{digest[:24]}"
