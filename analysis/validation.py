"""The validation engine: read a text table, check it against a schema, fail in one line.

A :class:`Schema` lists a file's columns (:class:`Column`: kind, required, bounds, choices),
its key and its row rules; :func:`read_table` reads the file as UTF-8 text and returns a
typed :class:`pandas.DataFrame`, or raises :class:`DataError` naming the file, the row,
the column and the rule. It knows nothing of the report's files: :mod:`analysis.data`
holds their schemas.

Rules checked on every load
---------------------------
* the header is exactly the schema's columns, in order;
* every value parses as its column's type (``str``, ``int``, ``float``,
  ``date`` as YYYY-MM-DD, ``source_ids`` as ``;``-separated ids);
* required cells are not empty;
* numeric values respect the column's bounds (``min=0`` where physical);
* numeric column names carry a unit suffix (:data:`UNIT_SUFFIXES`);
* every source id exists in ``data/sources.csv``;
* no two rows share a key;
* file-specific row rules (for example ``gpu_hours = gpus x wall_clock_hours``).
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import paths as _paths

#: Suffixes that name a unit. Every numeric column of every schema ends with one
#: of them (``tests/test_data.py`` checks it), so a reader never has to guess.
UNIT_SUFFIXES = (
    "_usd",
    "_cny",
    "_per_server",
    "_usd_per_gpu_hour",
    "_gpu_hours",
    "_hours",
    "_days",
    "_gpus",
    "_tflops",
    "_gb",
    "_tb_per_s",
    "_gb_per_s",
    "_w",
    "_fraction",
    "_ratio",
    "_count",
    "_b_params",
    "_t_tokens",
    "_usd_per_m_tokens",
    "_tokens",
    # counts and sizes whose name is their unit
    "layers",
    "heads",
    "_dim",
    "_rank",
)

SOURCE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9\-]*$")
#: Dates are written YYYY-MM-DD and nothing else (``date.fromisoformat`` also takes ``20250228``).
DATE_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

#: Byte-order marks, longest first (a UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


class DataError(ValueError):
    """A data file broke a validation rule. The message is one line."""

    def _render_traceback_(self) -> list[str]:  # IPython: show one line, not a traceback
        return [f"DataError: {self}"]


def parse_date(text) -> _dt.date:
    """A date written ``YYYY-MM-DD``; anything else (``20250228``, ``2025-2-28``, a week date) is refused.

    >>> parse_date("2025-02-28")
    datetime.date(2025, 2, 28)
    >>> parse_date("20250228")
    Traceback (most recent call last):
    ...
    ValueError: must be a date written YYYY-MM-DD, got '20250228'
    """
    try:
        if isinstance(text, str) and DATE_PATTERN.match(text):
            return _dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(f"must be a date written YYYY-MM-DD, got {text!r}")


def decode_text(raw: bytes, label: str) -> str:
    r"""The text of a file that must be UTF-8 without a byte-order mark, or a one-line DataError.

    ``label`` names the file in the message; the message gives the byte offset of the first
    bad byte, so the reader can find it (``cmp``, a hex editor, or ``head -c OFFSET``).

    >>> decode_text("a,b\n".encode(), "data/x.csv")
    'a,b\n'
    >>> decode_text(b"a,\xe9\n", "data/x.csv")
    Traceback (most recent call last):
    ...
    analysis.validation.DataError: data/x.csv: byte 0xe9 at offset 2 (line 1) is not UTF-8; save the file as UTF-8
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            raise DataError(
                f"{label}: starts with a {encoding} byte-order mark (bytes 0 to {len(bom) - 1}); "
                "save the file as UTF-8 without a BOM"
            )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise DataError(
            f"{label}: byte 0x{raw[err.start]:02x} at offset {err.start} (line {line}) is not UTF-8; "
            "save the file as UTF-8"
        ) from None
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise DataError(f"{label}: a NUL byte at offset {nul} (line {line}); a text file in UTF-8 is expected")
    return text


def read_bytes(path: Path, label: str, limit: int | None = None) -> bytes:
    """A file's bytes, or a one-line DataError (not found, not a regular file, unreadable, too large)."""
    try:
        size = path.stat().st_size
    except OSError:
        raise DataError(f"{label}: not found") from None
    if not path.is_file():
        raise DataError(f"{label}: not a regular file")
    if limit is not None and size > limit:
        raise DataError(f"{label}: {size:,} bytes; a scenario file must be at most {limit:,} bytes")
    try:
        return path.read_bytes()
    except OSError as err:
        raise DataError(f"{label}: cannot be read ({err.strerror or err})") from None


@dataclass(frozen=True)
class Column:
    """One column of a data file.

    Parameters
    ----------
    name : str
        Column name; numeric columns end with a unit suffix.
    kind : {"str", "int", "float", "date", "source_ids", "bool"}
        How the text is parsed.
    required : bool
        Whether an empty cell is an error.
    min, max : float, optional
        Inclusive bounds for numeric kinds.
    choices : tuple of str, optional
        Allowed values for a ``str`` column.
    """

    name: str
    kind: str = "str"
    required: bool = True
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float")


RowRule = Callable[[dict], "str | None"]


@dataclass(frozen=True)
class Schema:
    """The columns, key and row rules of one data file (relative to ``data/``)."""

    file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    row_rules: tuple[RowRule, ...] = field(default=())
    #: Rows the file must have below its header (every file the report reads needs at least one).
    min_rows: int = 1

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def fail(file: str, message: str, row: int | None = None, column: str | None = None) -> DataError:
    where = f"data/{file}"
    if row is not None:
        where += f", row {row} (line {row + 1})"
    if column is not None:
        where += f", column {column}"
    return DataError(f"{where}: {message}")


def _parse_cell(text: str, col: Column):
    """Parse one cell; raise ValueError with the rule broken."""
    if col.kind == "str":
        if col.choices is not None and text not in col.choices:
            raise ValueError(f"must be one of {', '.join(col.choices)}; got {text!r}")
        return text
    if col.kind == "int":
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise ValueError(f"must be a whole number, got {text!r}") from None
    elif col.kind == "float":
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"must be a number, got {text!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number, got {text!r}")
    elif col.kind == "date":
        return parse_date(text)
    elif col.kind == "bool":
        if text not in ("true", "false"):
            raise ValueError(f"must be true or false, got {text!r}")
        return text == "true"
    elif col.kind == "source_ids":
        ids = [s.strip() for s in text.split(";")]
        bad = [s for s in ids if not SOURCE_ID_PATTERN.match(s)]
        if bad:
            raise ValueError(f"source ids are lower-case words joined by '-' and separated by ';', got {text!r}")
        return tuple(ids)
    else:  # pragma: no cover - schema error
        raise AssertionError(f"unknown column kind {col.kind}")
    if col.min is not None and value < col.min:
        raise ValueError(f"must be >= {col.min:g}, got {text}")
    if col.max is not None and value > col.max:
        raise ValueError(f"must be <= {col.max:g}, got {text}")
    return value


def read_table(
    schema: Schema, data_dir: Path | str | None = None, known_sources: Iterable[str] | None = None
) -> pd.DataFrame:
    """Read ``data_dir / schema.file`` and validate it against ``schema``.

    Parameters
    ----------
    schema : Schema
        What the file must look like.
    data_dir : path, optional
        Folder holding the data files; default the repository's ``data/``.
    known_sources : iterable of str, optional
        Valid source ids; required when the schema has a ``source_ids`` column.

    Returns
    -------
    pandas.DataFrame
        One row per data row, typed columns; ``source_ids`` cells are tuples.

    Raises
    ------
    DataError
        On the first broken rule, naming file, row, column and rule.
    """
    data_dir = Path(data_dir) if data_dir is not None else _paths.DATA_DIR
    path = data_dir / schema.file
    if not path.is_file():
        raise fail(schema.file, "file not found")
    text = decode_text(read_bytes(path, f"data/{schema.file}"), f"data/{schema.file}")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as err:
        raise fail(schema.file, f"line {reader.line_num}: not valid CSV ({err})") from None
    if not rows:
        raise fail(schema.file, "file is empty; expected a header row")
    header = rows[0]
    if header != schema.names:
        missing = [c for c in schema.names if c not in header]
        extra = [c for c in header if c not in schema.names]
        detail = []
        if missing:
            detail.append(f"missing {', '.join(missing)}")
        if extra:
            detail.append(f"unexpected {', '.join(extra)}")
        if not detail:
            detail.append("columns out of order")
        raise fail(schema.file, f"header must be {','.join(schema.names)} ({'; '.join(detail)})")
    if known_sources is None and any(c.kind == "source_ids" for c in schema.columns):
        raise ValueError(f"{schema.file} cites sources: pass known_sources (analysis.data.read_table does)")
    known = set(known_sources or ())
    records: list[dict] = []
    seen: dict[tuple, int] = {}
    for i, raw in enumerate(rows[1:], start=1):
        if not any(cell.strip() for cell in raw):
            continue  # blank line
        if len(raw) != len(schema.columns):
            raise fail(schema.file, f"has {len(raw)} cells, expected {len(schema.columns)}", row=i)
        record = {}
        for col, cell in zip(schema.columns, raw, strict=True):
            text = cell.strip()
            if text == "":
                if col.required:
                    raise fail(schema.file, "must not be empty", row=i, column=col.name)
                record[col.name] = None
                continue
            try:
                value = _parse_cell(text, col)
            except ValueError as err:
                raise fail(schema.file, str(err), row=i, column=col.name) from None
            if col.kind == "source_ids":
                unknown = [s for s in value if s not in known]
                if unknown:
                    raise fail(
                        schema.file,
                        f"unknown source id {unknown[0]!r} (not in data/sources.csv)",
                        row=i,
                        column=col.name,
                    )
            record[col.name] = value
        key = tuple(record[k] for k in schema.key)
        if key in seen:
            raise fail(
                schema.file,
                f"duplicate key {'/'.join(map(str, key))} (first on row {seen[key]})",
                row=i,
                column=schema.key[0],
            )
        seen[key] = i
        for rule in schema.row_rules:
            problem = rule(record)
            if problem:
                column, message = problem
                raise fail(schema.file, message, row=i, column=column)
        records.append(record)
    if len(records) < schema.min_rows:
        raise fail(schema.file, "has a header but no data rows; at least one row is required")
    columns = {}
    for col in schema.columns:
        values = [r[col.name] for r in records]
        if col.kind == "float":
            columns[col.name] = pd.Series(values, dtype="float64")
        elif col.kind == "int":
            columns[col.name] = pd.Series(values, dtype="int64" if col.required else "Int64")
        elif col.kind == "bool":
            columns[col.name] = pd.Series(values, dtype="bool")
        else:  # text, dates and id tuples stay Python objects; an empty cell stays None
            columns[col.name] = pd.Series(values, dtype=object)
    return pd.DataFrame(columns, columns=schema.names)
