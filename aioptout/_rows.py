"""Streaming readers and writers of dataset rows for ``aioptout filter``: JSONL, CSV, Parquet, WARC.

Each format yields *items* (a row with what is needed to write it back unchanged) and writes
kept items as they were read: JSONL lines and CSV records byte for byte, Parquet rows into a
file of the same schema, WARC records copied from their offsets.  Rejected items gain the
verdict's fields (WARC: a ``metadata`` record after the record).  Nothing is accumulated beyond
one Parquet batch.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, Protocol

from .filter import FIELD_NAMES, FIELD_PREFIX, RowVerdict

FORMATS: Final = ("jsonl", "csv", "parquet", "warc")
_SUFFIXES: Final = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv",
                    ".parquet": "parquet", ".pq": "parquet", ".warc": "warc", ".warc.gz": "warc"}
PARQUET_BATCH: Final = 8192
PARQUET_MISSING: Final = (
    "Parquet needs the optional pyarrow package: pip install 'aioptout[parquet]'")
WARC_MISSING: Final = "WARC needs the optional warcio package: pip install 'aioptout[warc]'"


class RowsError(Exception):
    """The input cannot be read as the format its name says (exit 3 in the CLI)."""


class MissingExtra(Exception):
    """An optional package a format needs is not installed."""


def format_of(name: str) -> str | None:
    if name == "-":
        return "jsonl"
    low = name.lower()
    if low.endswith(".warc.gz"):
        return "warc"
    return _SUFFIXES.get(Path(low).suffix)


def sha256_file(path: str | Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


class _Hashing(io.RawIOBase):
    """A binary stream that hashes what is read through it (standard input)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.digest.update(data)
        self.size += n
        return n


class Format(Protocol):
    def items(self) -> Iterator[Any]: ...
    def target(self, item: Any) -> object: ...
    def write(self, item: Any, kept: bool, verdict: RowVerdict) -> None: ...
    def close(self) -> None: ...


# --- JSONL -------------------------------------------------------------------------------------

@dataclass(slots=True)
class _Line:
    raw: bytes
    row: Any


class Jsonl:
    def __init__(self, source: str, kept: str, rejected: str | None, url_field: str) -> None:
        self.url_field = url_field
        self.hashing: _Hashing | None = None
        if source == "-":
            self.hashing = _Hashing(sys.stdin.buffer)
            self._in: IO[bytes] = io.BufferedReader(self.hashing, 1 << 16)
        else:
            self._in = _open_in(source)
        self._kept = _open_out(kept)
        self._rejected = None if rejected is None else _open_out(rejected)
        self._fragments: dict[int, tuple[RowVerdict, bytes]] = {}

    def items(self) -> Iterator[_Line]:
        for raw in self._in:
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except ValueError:
                row = None
            yield _Line(raw, row)

    def target(self, item: _Line) -> object:
        row = item.row
        return row.get(self.url_field) if isinstance(row, dict) else None

    def write(self, item: _Line, kept: bool, verdict: RowVerdict) -> None:
        if kept:
            raw = item.raw
            self._kept.write(raw if raw.endswith(b"\n") else raw + b"\n")
            return
        if self._rejected is None:
            return
        row = item.row
        if isinstance(row, dict) and row and not any(k.startswith(FIELD_PREFIX) for k in row):
            # The row's own bytes, its closing brace replaced by the added fields: the row's
            # members stay exactly as written.
            body = item.raw.rstrip()
            if body.endswith(b"}"):
                self._rejected.write(body[:-1].rstrip() + self._fragment(verdict))
                return
        if not isinstance(row, dict):
            row = {"aioptout_row": item.raw.decode("utf-8", "replace").rstrip("\r\n")}
        out = {**row, **verdict.fields()}
        self._rejected.write(json.dumps(out, ensure_ascii=False).encode() + b"\n")

    def _fragment(self, verdict: RowVerdict) -> bytes:
        known = self._fragments.get(id(verdict))
        if known is not None and known[0] is verdict:  # kept alive here, so ids are not reused
            return known[1]
        text = json.dumps(verdict.fields(), ensure_ascii=False)
        fragment = b", " + text[1:].encode() + b"\n"
        if len(self._fragments) < 65536:
            self._fragments[id(verdict)] = (verdict, fragment)
        return fragment

    def close(self) -> None:
        _close(self._in, self._kept, self._rejected)


def _open_in(path: str) -> IO[bytes]:
    try:
        return Path(path).open("rb")
    except OSError as exc:
        raise RowsError(f"{path}: {exc.strerror or exc}") from exc


def _open_out(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdout.buffer
    try:
        return Path(path).open("wb")
    except OSError as exc:
        raise RowsError(f"{path}: {exc.strerror or exc}") from exc


def _close(*handles: IO[bytes] | None) -> None:
    for handle in handles:
        if handle is None:
            continue
        if handle in (sys.stdout.buffer, sys.stdin.buffer):
            handle.flush()
        else:
            handle.close()


# --- CSV ---------------------------------------------------------------------------------------

class _Recording:
    """Hands csv.reader one physical line at a time and keeps them: the raw text of a record."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.lines: list[str] = []

    def __iter__(self) -> _Recording:
        return self

    def __next__(self) -> str:
        line = self.handle.readline()
        if not line:
            raise StopIteration
        self.lines.append(line)
        return line

    def take(self) -> str:
        text = "".join(self.lines)
        self.lines.clear()
        return text


@dataclass(slots=True)
class _Record:
    raw: str
    cells: list[str]


class Csv:
    """Header and kept records written exactly as read (``newline=""``, surrogateescape)."""

    def __init__(self, source: str, kept: str, rejected: str | None, url_field: str) -> None:
        try:
            self._in = Path(source).open(  # noqa: SIM115 - closed by close()
                "r", encoding="utf-8", errors="surrogateescape", newline="")
        except OSError as exc:
            raise RowsError(f"{source}: {exc.strerror or exc}") from exc
        self._lines = _Recording(self._in)
        self._reader = csv.reader(self._lines)
        try:
            header = next(self._reader)
        except StopIteration as exc:
            raise RowsError(f"{source}: empty CSV, no header") from exc
        except csv.Error as exc:
            raise RowsError(f"{source}: not CSV ({exc})") from exc
        raw_header = self._lines.take()
        names = [h.lstrip("\ufeff") for h in header]
        if url_field not in names:
            raise RowsError(f"{source}: no column {url_field!r} (columns: {', '.join(names)})")
        self.index = names.index(url_field)
        ending = "\r\n" if raw_header.endswith("\r\n") else "\n"
        self._kept = _open_text_out(kept)
        self._kept.write(raw_header)
        self._rejected = None
        self._writer: Any = None
        if rejected is not None:
            self._rejected = _open_text_out(rejected)
            self._writer = csv.writer(self._rejected, lineterminator=ending)
            self._writer.writerow([*header, *FIELD_NAMES])

    def items(self) -> Iterator[_Record]:
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise RowsError(f"CSV record ending on line {self._reader.line_num}: {exc}") \
                    from exc
            yield _Record(self._lines.take(), cells)

    def target(self, item: _Record) -> object:
        return item.cells[self.index] if self.index < len(item.cells) else None

    def write(self, item: _Record, kept: bool, verdict: RowVerdict) -> None:
        if kept:
            self._kept.write(item.raw)
        elif self._writer is not None:
            values = ["" if v is None else str(v) for v in verdict.fields().values()]
            self._writer.writerow([*item.cells, *values])

    def close(self) -> None:
        for handle in (self._in, self._kept, self._rejected):
            if handle is not None:
                handle.close()


def _open_text_out(path: str) -> IO[str]:
    try:
        return Path(path).open(
            "w", encoding="utf-8", errors="surrogateescape", newline="")
    except OSError as exc:
        raise RowsError(f"{path}: {exc.strerror or exc}") from exc


# --- Parquet -----------------------------------------------------------------------------------

def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingExtra(PARQUET_MISSING) from exc
    return pa, pq


class Parquet:
    """One batch at a time: its rows are decided, then the kept ones are written as a batch."""

    def __init__(self, source: str, kept: str, rejected: str | None, url_field: str) -> None:
        self.pa, pq = _pyarrow()
        try:
            self._file = pq.ParquetFile(source)
        except (OSError, self.pa.ArrowException) as exc:
            raise RowsError(f"{source}: not a readable Parquet file ({exc})") from exc
        schema = self._file.schema_arrow
        if url_field not in schema.names:
            raise RowsError(f"{source}: no column {url_field!r}")
        self.url_field = url_field
        self._kept = pq.ParquetWriter(kept, schema)
        self._rejected = None
        if rejected is not None:
            extra = [self.pa.field(n, self.pa.int64() if n.endswith("_line")
                                   else self.pa.string()) for n in FIELD_NAMES]
            self._rejected = pq.ParquetWriter(rejected, self.pa.schema([*schema, *extra]))
        self._batch: Any = None
        self._keep: list[bool] = []
        self._why: list[RowVerdict | None] = []

    def items(self) -> Iterator[tuple[Any, int, object]]:
        batches = self._file.iter_batches(batch_size=PARQUET_BATCH)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except (OSError, self.pa.ArrowException) as exc:  # a corrupt page mid-file
                raise RowsError(f"unreadable Parquet data ({exc})"[:200]) from exc
            for i, value in enumerate(batch.column(self.url_field).to_pylist()):
                yield batch, i, value

    def target(self, item: tuple[Any, int, object]) -> object:
        return item[2]

    def write(self, item: tuple[Any, int, object], kept: bool, verdict: RowVerdict) -> None:
        batch = item[0]
        if batch is not self._batch:
            self._flush()
            self._batch = batch
        self._keep.append(kept)
        self._why.append(None if kept else verdict)

    def _flush(self) -> None:
        batch = self._batch
        if batch is None:
            return
        mask = self.pa.array(self._keep, type=self.pa.bool_())
        self._kept.write_batch(batch.filter(mask))
        if self._rejected is not None and not all(self._keep):
            drop = batch.filter(self.pa.compute.invert(mask))
            verdicts = [v for v in self._why if v is not None]
            columns = list(drop.columns)
            for name in FIELD_NAMES:
                values = [v.fields()[name] for v in verdicts]
                kind = self.pa.int64() if name.endswith("_line") else self.pa.string()
                columns.append(self.pa.array(values, type=kind))
            self._rejected.write_batch(self.pa.RecordBatch.from_arrays(
                columns, schema=self._rejected.schema))
        self._batch = None
        self._keep = []
        self._why = []

    def close(self) -> None:
        self._flush()
        self._kept.close()
        if self._rejected is not None:
            self._rejected.close()


# --- WARC --------------------------------------------------------------------------------------

@dataclass(slots=True)
class _WarcItem:
    offset: int
    length: int
    uri: str | None
    record_id: str | None


class Warc:
    """Records copied byte for byte from their offsets (a .warc.gz member stays as it was); a
    rejected record is followed by a ``metadata`` record naming it and carrying the reason.
    Records without a target (``warcinfo``) go to the kept file and are not rows."""

    def __init__(self, source: str, kept: str, rejected: str | None, url_field: str) -> None:
        del url_field
        try:
            from warcio.archiveiterator import ArchiveIterator
            from warcio.warcwriter import WARCWriter
        except ImportError as exc:
            raise MissingExtra(WARC_MISSING) from exc
        self._writer_type = WARCWriter
        self._iterator_type = ArchiveIterator
        self.source = source
        self._in = _open_in(source)
        self._copy = _open_in(source)
        self._kept = _open_out(kept)
        self._rejected = None if rejected is None else _open_out(rejected)
        self._meta: Any = None if self._rejected is None else WARCWriter(
            self._rejected, gzip=rejected is not None and rejected.lower().endswith(".gz"))

    def items(self) -> Iterator[_WarcItem]:
        records = self._iterator_type(self._in)
        try:
            for record in records:
                headers = record.rec_headers
                uri = headers.get_header("WARC-Target-URI")
                record_id = headers.get_header("WARC-Record-ID")
                records.read_to_end(record)
                item = _WarcItem(records.get_record_offset(), records.get_record_length(),
                                 uri, record_id)
                if uri is None:
                    self._raw(item, self._kept)
                    continue
                yield item
        except RowsError:
            raise
        except Exception as exc:  # warcio reports bad input with several unrelated types
            raise RowsError(f"{self.source}: not a readable WARC file "
                            f"({type(exc).__name__}: {exc})"[:200]) from exc

    def _raw(self, item: _WarcItem, out: IO[bytes]) -> None:
        self._copy.seek(item.offset)
        out.write(self._copy.read(item.length))

    def target(self, item: _WarcItem) -> object:
        return item.uri

    def write(self, item: _WarcItem, kept: bool, verdict: RowVerdict) -> None:
        if kept:
            self._raw(item, self._kept)
            return
        if self._rejected is None:
            return
        self._raw(item, self._rejected)
        payload = json.dumps(verdict.fields(), ensure_ascii=False).encode()
        headers = {"WARC-Refers-To": item.record_id or "", "Content-Type": "application/json"}
        record = self._meta.create_warc_record(item.uri or "", "metadata",
                                               payload=io.BytesIO(payload),
                                               warc_headers_dict=headers)
        self._meta.write_record(record)

    def close(self) -> None:
        _close(self._in, self._copy, self._kept, self._rejected)


OPENERS: Final[Mapping[str, Callable[[str, str, str | None, str], Format]]] = {
    "jsonl": Jsonl, "csv": Csv, "parquet": Parquet, "warc": Warc,
}


def open_format(kind: str, source: str, kept: str, rejected: str | None, url_field: str
                ) -> Format:
    return OPENERS[kind](source, kept, rejected, url_field)
