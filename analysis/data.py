"""Load and validate the report's input files (the only module that reads ``data/``).

Every CSV in ``data/`` has a :class:`Schema` here. A loader reads the file as
text, checks it against its schema and returns a :class:`pandas.DataFrame` with
typed columns, or raises :class:`DataError` naming the file, the row, the column
and the rule that was broken, e.g.::

    data/training_runs.csv, row 2 (line 3), column gpu_hours: must be >= 0, got -5

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
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The data folder; the runner points kernels at another one with ``DSTC_DATA_DIR``.
DATA_DIR = Path(os.environ.get("DSTC_DATA_DIR") or REPO_ROOT / "data")
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"

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
_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF8, "UTF-8"),
         (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


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
    analysis.data.DataError: data/x.csv: byte 0xe9 at offset 2 (line 1) is not UTF-8; save the file as UTF-8
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            raise DataError(f"{label}: starts with a {encoding} byte-order mark (bytes 0 to {len(bom) - 1}); "
                            "save the file as UTF-8 without a BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise DataError(f"{label}: byte 0x{raw[err.start]:02x} at offset {err.start} (line {line}) is not UTF-8; "
                        "save the file as UTF-8") from None
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise DataError(f"{label}: a NUL byte at offset {nul} (line {line}); a text file in UTF-8 is expected")
    return text


def _read_bytes(path: Path, label: str, limit: int | None = None) -> bytes:
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


def _fail(file: str, message: str, row: int | None = None, column: str | None = None) -> DataError:
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


def read_table(schema: Schema, data_dir: Path | str | None = None, known_sources: Iterable[str] | None = None) -> pd.DataFrame:
    """Read ``data_dir / schema.file`` and validate it against ``schema``.

    Parameters
    ----------
    schema : Schema
        What the file must look like.
    data_dir : path, optional
        Folder holding the data files; default the repository's ``data/``.
    known_sources : iterable of str, optional
        Valid source ids; default the ids in ``data_dir/sources.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per data row, typed columns; ``source_ids`` cells are tuples.

    Raises
    ------
    DataError
        On the first broken rule, naming file, row, column and rule.
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    path = data_dir / schema.file
    if not path.is_file():
        raise _fail(schema.file, "file not found")
    text = decode_text(_read_bytes(path, f"data/{schema.file}"), f"data/{schema.file}")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as err:
        raise _fail(schema.file, f"line {reader.line_num}: not valid CSV ({err})") from None
    if not rows:
        raise _fail(schema.file, "file is empty; expected a header row")
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
        raise _fail(schema.file, f"header must be {','.join(schema.names)} ({'; '.join(detail)})")
    if known_sources is None and any(c.kind == "source_ids" for c in schema.columns):
        known_sources = source_ids(data_dir)
    known = set(known_sources or ())
    records: list[dict] = []
    seen: dict[tuple, int] = {}
    for i, raw in enumerate(rows[1:], start=1):
        if not any(cell.strip() for cell in raw):
            continue  # blank line
        if len(raw) != len(schema.columns):
            raise _fail(schema.file, f"has {len(raw)} cells, expected {len(schema.columns)}", row=i)
        record = {}
        for col, cell in zip(schema.columns, raw):
            text = cell.strip()
            if text == "":
                if col.required:
                    raise _fail(schema.file, "must not be empty", row=i, column=col.name)
                record[col.name] = None
                continue
            try:
                value = _parse_cell(text, col)
            except ValueError as err:
                raise _fail(schema.file, str(err), row=i, column=col.name) from None
            if col.kind == "source_ids":
                unknown = [s for s in value if s not in known]
                if unknown:
                    raise _fail(schema.file, f"unknown source id {unknown[0]!r} (not in data/sources.csv)", row=i, column=col.name)
            record[col.name] = value
        key = tuple(record[k] for k in schema.key)
        if key in seen:
            raise _fail(schema.file, f"duplicate key {'/'.join(map(str, key))} (first on row {seen[key]})", row=i, column=schema.key[0])
        seen[key] = i
        for rule in schema.row_rules:
            problem = rule(record)
            if problem:
                column, message = problem
                raise _fail(schema.file, message, row=i, column=column)
        records.append(record)
    if len(records) < schema.min_rows:
        raise _fail(schema.file, "has a header but no data rows; at least one row is required")
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


# --------------------------------------------------------------------------- sources
SOURCES = Schema(
    file="sources.csv",
    columns=(
        Column("id"),
        Column("title"),
        Column("authors_or_publisher"),
        Column("date", "date", required=False),
        Column("url", required=False),
        Column("accessed", "date"),
        Column("licence"),
        Column("notes", required=False),
    ),
    key=("id",),
    row_rules=(
        lambda r: None if SOURCE_ID_PATTERN.match(r["id"]) else ("id", f"ids are lower-case words joined by '-', got {r['id']!r}"),
        lambda r: None if r["url"] or r["id"] == "assumption" else ("url", "must not be empty (only the 'assumption' source has no URL)"),
    ),
)


def load_sources(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The source registry ``data/sources.csv``, one row per source id."""
    return read_table(SOURCES, data_dir, known_sources=())


def source_ids(data_dir: Path | str | None = None) -> frozenset[str]:
    """The set of valid source ids."""
    return _source_ids_cached(str(Path(data_dir).resolve()) if data_dir else str(DATA_DIR))


@lru_cache(maxsize=8)
def _source_ids_cached(data_dir: str) -> frozenset[str]:
    return frozenset(load_sources(data_dir)["id"])


# --------------------------------------------------------------------------- training runs
def _gpu_hours_consistent(r: dict):
    if r["gpus"] is not None and r["wall_clock_hours"] is not None:
        product = r["gpus"] * r["wall_clock_hours"]
        if not math.isclose(product, r["gpu_hours"], rel_tol=1e-9):
            return ("gpu_hours", f"must equal gpus x wall_clock_hours = {product:g}, got {r['gpu_hours']:g}")
    return None


TRAINING_RUNS = Schema(
    file="training_runs.csv",
    columns=(
        Column("run_id"),
        Column("model"),
        Column("stage"),
        Column("gpu_type"),
        Column("gpus", "int", required=False, min=1),
        Column("wall_clock_hours", "float", required=False, min=0),
        Column("gpu_hours", "float", min=0),
        Column("published_cost_usd", "float", required=False, min=0),
        Column("in_v3_table_1", "bool"),
        Column("source_ids", "source_ids"),
        Column("note", required=False),
    ),
    key=("run_id",),
    row_rules=(_gpu_hours_consistent,),
)


def load_training_runs(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Disclosed GPU-hours of DeepSeek's training stages (V3 Table 1; R1 Supp. B.4.4)."""
    return read_table(TRAINING_RUNS, data_dir)


# --------------------------------------------------------------------------- models
MODELS = Schema(
    file="models.csv",
    columns=(
        Column("model"),
        Column("total_b_params", "float", min=0),
        Column("activated_b_params", "float", min=0),
        Column("training_t_tokens", "float", required=False, min=0),
        Column("training_gpus", "int", required=False, min=1),
        Column("training_gpu_type", required=False),
        Column("source_ids", "source_ids"),
        Column("note", required=False),
    ),
    key=("model",),
    row_rules=(
        lambda r: None if r["activated_b_params"] <= r["total_b_params"] else ("activated_b_params", "must not exceed total_b_params"),
    ),
)


def load_models(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Published size and training data of each model (billions of parameters, trillions of tokens)."""
    return read_table(MODELS, data_dir)


# --------------------------------------------------------------------------- GPUs
GPUS = Schema(
    file="gpus.csv",
    columns=(
        Column("gpu_type"),
        Column("architecture", choices=("Ampere", "Hopper")),
        Column("dense_bf16_tflops", "float", min=0),
        Column("dense_fp8_tflops", "float", required=False, min=0),
        Column("hbm_gb", "float", min=0),
        Column("hbm_bandwidth_tb_per_s", "float", min=0),
        Column("nvlink_gb_per_s", "float", min=0),
        Column("tdp_w", "float", min=0),
        Column("gpu_price_low_usd", "float", required=False, min=0),
        Column("gpu_price_base_usd", "float", required=False, min=0),
        Column("gpu_price_high_usd", "float", required=False, min=0),
        Column("spec_source_ids", "source_ids"),
        Column("price_source_ids", "source_ids", required=False),
        Column("note", required=False),
    ),
    key=("gpu_type",),
    row_rules=(
        lambda r: None if r["dense_fp8_tflops"] is None or r["dense_fp8_tflops"] >= r["dense_bf16_tflops"]
        else ("dense_fp8_tflops", "must be >= dense_bf16_tflops"),
        lambda r: None if _price_triple_ok(r) else ("gpu_price_base_usd", "low, base and high prices must all be given, with low <= base <= high, or all be empty"),
        lambda r: None if (r["gpu_price_base_usd"] is None) == (r["price_source_ids"] is None)
        else ("price_source_ids", "a price needs its source ids, and source ids need a price"),
    ),
)


def _price_triple_ok(r: dict) -> bool:
    prices = [r["gpu_price_low_usd"], r["gpu_price_base_usd"], r["gpu_price_high_usd"]]
    if all(p is None for p in prices):
        return True
    return all(p is not None for p in prices) and prices[0] <= prices[1] <= prices[2]


def load_gpus(data_dir: Path | str | None = None) -> pd.DataFrame:
    """GPU specifications (dense tensor TFLOPS, HBM, NVLink, TDP) and GPU-only prices, with sources."""
    return read_table(GPUS, data_dir)


# --------------------------------------------------------------------------- server prices
def _one_price(r: dict):
    if (r["server_price_usd"] is None) == (r["server_price_cny"] is None):
        return ("server_price_usd", "give the price in exactly one currency (server_price_usd or server_price_cny)")
    return None


SERVER_PRICES = Schema(
    file="server_prices.csv",
    columns=(
        Column("server_id"),
        Column("gpu_type"),
        Column("description"),
        Column("gpus_per_server", "int", min=1),
        Column("server_price_usd", "float", required=False, min=0),
        Column("server_price_cny", "float", required=False, min=0),
        Column("includes_cluster_network", "bool"),
        Column("default_for_gpu_type", "bool"),
        Column("source_ids", "source_ids"),
        Column("note", required=False),
    ),
    key=("server_id",),
    row_rules=(_one_price,),
)


def load_server_prices(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Published server (or cluster) prices, one default per GPU type, indexed by ``server_id``.

    Beyond the row rules, checks that every GPU type is in ``data/gpus.csv`` and
    has exactly one row marked ``default_for_gpu_type``.
    """
    table = read_table(SERVER_PRICES, data_dir)
    known = set(load_gpus(data_dir)["gpu_type"])
    for i, row in enumerate(table.to_dict("records"), start=1):
        if row["gpu_type"] not in known:
            raise _fail(SERVER_PRICES.file, f"unknown GPU type {row['gpu_type']!r} (not in data/gpus.csv)", row=i, column="gpu_type")
    for gpu_type, n in table.groupby("gpu_type")["default_for_gpu_type"].sum().items():
        if n != 1:
            raise _fail(SERVER_PRICES.file, f"GPU type {gpu_type} has {n} rows marked default_for_gpu_type; exactly one is needed",
                        column="default_for_gpu_type")
    return table.set_index("server_id")


# --------------------------------------------------------------------------- architectures
ARCHITECTURES = Schema(
    file="architectures.csv",
    columns=(
        Column("model"),
        Column("attention", choices=("mha", "gqa", "mqa", "mla")),
        Column("layers", "int", min=1),
        Column("heads", "int", min=1),
        Column("head_dim", "int", min=1),
        Column("kv_heads", "int", required=False, min=1),
        Column("kv_lora_rank", "int", required=False, min=1),
        Column("rope_head_dim", "int", required=False, min=1),
        Column("source_ids", "source_ids"),
        Column("note", required=False),
    ),
    key=("model",),
)


def load_architectures(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Attention dimensions of each model, indexed by model, with an ``config`` column.

    Each row is checked by building an :class:`analysis.kvcache.AttentionConfig`
    from it (e.g. a GQA row without ``kv_heads`` fails), and every model must also
    be in ``data/models.csv`` (which holds its parameter counts).
    """
    from .kvcache import AttentionConfig

    table = read_table(ARCHITECTURES, data_dir)
    models = set(load_models(data_dir)["model"])
    configs = []
    for i, row in enumerate(table.to_dict("records"), start=1):
        if row["model"] not in models:
            raise _fail(ARCHITECTURES.file, f"model {row['model']!r} is not in data/models.csv; add its parameter counts there",
                        row=i, column="model")
        try:
            configs.append(AttentionConfig(row["attention"], row["layers"], row["heads"], row["head_dim"],
                                           _int_or_none(row["kv_heads"]), _int_or_none(row["kv_lora_rank"]),
                                           _int_or_none(row["rope_head_dim"])))
        except ValueError as err:
            raise _fail(ARCHITECTURES.file, str(err), row=i, column="attention") from None
    return table.assign(config=configs).set_index("model")


def _int_or_none(value):
    return None if value is None or pd.isna(value) else int(value)


# --------------------------------------------------------------------------- API prices and benchmarks
_PRICE_COLUMNS = ("input_cache_hit_usd_per_m_tokens", "input_cache_miss_usd_per_m_tokens", "output_usd_per_m_tokens")


def _offpeak_complete(r: dict):
    offpeak = [r[f"offpeak_{c}"] for c in _PRICE_COLUMNS]
    if any(v is not None for v in offpeak) and any(v is None for v in offpeak):
        return ("offpeak_input_cache_hit_usd_per_m_tokens", "give all three off-peak prices or none")
    for c in _PRICE_COLUMNS:
        if r[f"offpeak_{c}"] is not None and r[c] is not None and r[f"offpeak_{c}"] > r[c]:
            return (f"offpeak_{c}", f"an off-peak price cannot exceed the standard price ({r[c]:g})")
    return None


def _cache_hit_not_dearer(r: dict):
    hit, miss = r["input_cache_hit_usd_per_m_tokens"], r["input_cache_miss_usd_per_m_tokens"]
    if hit is not None and hit > miss:
        return ("input_cache_hit_usd_per_m_tokens", f"a cache hit cannot cost more than a miss ({miss:g})")
    return None


API_PRICES = Schema(
    file="api_prices.csv",
    columns=(
        Column("provider"),
        Column("model"),
        Column("effective_from", "date"),
        Column("input_cache_hit_usd_per_m_tokens", "float", required=False, min=0),
        Column("input_cache_miss_usd_per_m_tokens", "float", min=0),
        Column("output_usd_per_m_tokens", "float", min=0),
        Column("offpeak_input_cache_hit_usd_per_m_tokens", "float", required=False, min=0),
        Column("offpeak_input_cache_miss_usd_per_m_tokens", "float", required=False, min=0),
        Column("offpeak_output_usd_per_m_tokens", "float", required=False, min=0),
        Column("context_tokens", "int", min=1),
        Column("benchmark_model", required=False),
        Column("source_ids", "source_ids"),
        Column("note", required=False),
    ),
    key=("model", "effective_from"),
    row_rules=(_offpeak_complete, _cache_hit_not_dearer),
)


def load_api_prices(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Dated API list prices (US$ per million tokens); a row is in force from its
    ``effective_from`` date until the model's next row (:func:`analysis.pricing.prices_as_of`)."""
    return read_table(API_PRICES, data_dir)


BENCHMARKS = Schema(
    file="benchmarks.csv",
    columns=(
        Column("benchmark_model"),
        Column("benchmark", choices=("aime_2024", "math_500", "gpqa_diamond", "codeforces_percentile", "codeforces_rating",
                                      "mmlu", "livecodebench", "swe_bench_verified")),
        Column("score", "float", min=0),
        Column("unit"),
        Column("source_ids", "source_ids"),
        Column("note", required=False),
    ),
    key=("benchmark_model", "benchmark"),
)


def load_benchmarks(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Benchmark scores (the R1 paper's Table 4, and a few secondary ones), long format."""
    return read_table(BENCHMARKS, data_dir)


# --------------------------------------------------------------------------- claims
CLAIMANTS = ("news article", "SemiAnalysis", "DeepSeek", "DeepSeek's founder", "Anthropic's CEO")


def _claim_consistent(r: dict):
    if r["kind"] == "qualitative":
        if not r["verdict"] or not r["reason"]:
            return ("verdict", "a qualitative claim needs a typed verdict and its reason")
        if r["result_id"]:
            return ("result_id", "a qualitative claim has no result id")
        return None
    if not r["result_id"] or r["comparison"] is None or r["claimed_value"] is None or r["checkable"] is None or r["basis"] is None:
        return ("result_id", "a numeric claim needs result_id, comparison, claimed_value, basis and checkable")
    if r["verdict"] or r["reason"]:
        return ("verdict", "a numeric claim's verdict is computed from the results; leave verdict and reason empty")
    if r["comparison"] == "approx" and (r["tolerance"] is None or r["tolerance_kind"] is None):
        return ("tolerance", "an approx comparison needs a tolerance and its kind")
    return None


CLAIMS = Schema(
    file="claims.csv",
    columns=(
        Column("claim_id"),
        Column("claimant", choices=CLAIMANTS),
        Column("claim"),
        Column("claim_date", "date", required=False),
        Column("source_ids", "source_ids"),
        Column("kind", choices=("numeric", "qualitative")),
        Column("result_id", required=False),
        Column("comparison", required=False, choices=("approx", "above", "below")),
        Column("claimed_value", "float", required=False),
        Column("tolerance", "float", required=False, min=0),
        Column("tolerance_kind", required=False, choices=("relative", "absolute")),
        Column("basis", required=False, choices=("point", "draws")),
        Column("alternative_result_id", required=False),
        Column("checkable", "bool", required=False),
        Column("caveat", required=False),
        Column("verdict", required=False, choices=("reproduced", "reproduced with a caveat", "misleading", "differs", "undetermined",
                                                    "unsupported")),
        Column("reason", required=False),
    ),
    key=("claim_id",),
    row_rules=(_claim_consistent,),
)


def load_claims(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The claims ledger: each claim as written, when, by whom, and how the report checks it."""
    return read_table(CLAIMS, data_dir)


VERDICT_RULES = Schema(
    file="verdict_rules.csv",
    columns=(
        Column("rule", choices=("reproduced_min_share", "differs_max_share")),
        Column("share_fraction", "float", min=0, max=1),
        Column("source_ids", "source_ids"),
        Column("note"),
    ),
    key=("rule",),
)


def load_verdict_rules(data_dir: Path | str | None = None) -> dict[str, float]:
    """The shares of Monte Carlo draws that make a verdict decisive: rule -> share [0-1].

    Both rules are required, and a claim cannot be reproduced by fewer draws than would make it differ.
    """
    table = read_table(VERDICT_RULES, data_dir)
    rules = dict(zip(table["rule"], table["share_fraction"]))
    for name in ("reproduced_min_share", "differs_max_share"):
        if name not in rules:
            raise _fail(VERDICT_RULES.file, f"no row for rule {name}")
    if not rules["differs_max_share"] < rules["reproduced_min_share"]:
        raise _fail(VERDICT_RULES.file, "differs_max_share must be below reproduced_min_share", column="share_fraction")
    return rules


# --------------------------------------------------------------------------- published figures
PUBLISHED_FIGURES = Schema(
    file="published_figures.csv",
    columns=(
        Column("figure_id"),
        Column("value", "float"),
        Column("unit"),
        Column("source_ids", "source_ids"),
        Column("quote"),
        Column("note", required=False),
    ),
    key=("figure_id",),
)


def load_published_figures(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Numbers as published (with a verbatim quote), to set beside what the report computes."""
    return read_table(PUBLISHED_FIGURES, data_dir)


# --------------------------------------------------------------------------- cost exclusions
COST_EXCLUSIONS = Schema(
    file="cost_exclusions.csv",
    columns=(
        Column("item"),
        Column("what_it_is"),
        Column("evidence"),
        Column("quantified_in"),
        Column("source_ids", "source_ids"),
    ),
    key=("item",),
)


def load_cost_exclusions(data_dir: Path | str | None = None) -> pd.DataFrame:
    """What DeepSeek's US$5.576M leaves out, with the evidence for each item."""
    return read_table(COST_EXCLUSIONS, data_dir)


# --------------------------------------------------------------------------- assumptions
ASSUMPTIONS = Schema(
    file="assumptions.csv",
    columns=(
        Column("name"),
        Column("type", choices=("int", "float", "str", "date")),
        Column("baseline"),
        Column("low", required=False),
        Column("high", required=False),
        Column("distribution", choices=("fixed", "uniform", "triangular", "lognormal")),
        Column("hard_bounds", required=False),
        Column("allowed", required=False),
        Column("unit"),
        Column("source_ids", "source_ids"),
        Column("note"),
    ),
    key=("name",),
    row_rules=(
        lambda r: None if re.match(r"^[a-z][a-z0-9_]*$", r["name"]) else ("name", f"must be a lower-case Python identifier, got {r['name']!r}"),
    ),
)


def load_assumptions_table(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The assumptions register as text; :mod:`analysis.params` interprets it."""
    return read_table(ASSUMPTIONS, data_dir)


# --------------------------------------------------------------------------- fleet vintages
def _acquired_within(r: dict):
    if not r["acquired_from"] <= r["acquired_date"] <= r["acquired_to"]:
        return ("acquired_date", f"must lie between acquired_from ({r['acquired_from']}) and acquired_to ({r['acquired_to']}), "
                                 f"got {r['acquired_date']}")
    return None


FLEET_VINTAGES = Schema(
    file="fleet_vintages.csv",
    columns=(
        Column("gpu_type"),
        Column("acquired_date", "date"),
        Column("acquired_from", "date"),
        Column("acquired_to", "date"),
        Column("export_controlled_from", "date", required=False),
        Column("source_ids", "source_ids"),
        Column("note"),
    ),
    key=("gpu_type",),
    row_rules=(_acquired_within,),
)


def load_fleet_vintages(data_dir: Path | str | None = None) -> pd.DataFrame:
    """When each GPU type of the fleet was bought (assumed date and the window it must lie in), indexed by GPU type.

    Every GPU type of ``data/gpus.csv`` needs exactly one row.
    """
    table = read_table(FLEET_VINTAGES, data_dir)
    known = list(load_gpus(data_dir)["gpu_type"])
    for i, row in enumerate(table.to_dict("records"), start=1):
        if row["gpu_type"] not in known:
            raise _fail(FLEET_VINTAGES.file, f"unknown GPU type {row['gpu_type']!r} (not in data/gpus.csv)", row=i, column="gpu_type")
    missing = [t for t in known if t not in set(table["gpu_type"])]
    if missing:
        raise _fail(FLEET_VINTAGES.file, f"no row for GPU type {missing[0]}; every type in data/gpus.csv needs its purchase date")
    return table.set_index("gpu_type")


# --------------------------------------------------------------------------- comparable runs
COMPARABLE_RUNS = Schema(
    file="comparable_runs.csv",
    columns=(
        Column("run_id"),
        Column("model"),
        Column("developer"),
        Column("gpu_type", choices=("H800", "H100", "H20", "A100")),
        Column("gpu_hours", "float", min=0),
        Column("source_ids", "source_ids"),
        Column("note"),
    ),
    key=("run_id",),
)


def load_comparable_runs(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Disclosed GPU-hours of other labs' final training runs, to set beside DeepSeek-V3's on the same footing."""
    return read_table(COMPARABLE_RUNS, data_dir)


#: Every CSV schema, by file name (tests and ``python -m analysis check`` use it).
SCHEMAS: dict[str, Schema] = {
    s.file: s for s in (SOURCES, TRAINING_RUNS, MODELS, GPUS, SERVER_PRICES, ARCHITECTURES, API_PRICES, BENCHMARKS, CLAIMS, PUBLISHED_FIGURES, COST_EXCLUSIONS, ASSUMPTIONS,
                           FLEET_VINTAGES, VERDICT_RULES, COMPARABLE_RUNS)
}


def validate_all(data_dir: Path | str | None = None) -> dict[str, int]:
    """Load every data file; return the number of rows of each. Raises DataError."""
    counts = {name: len(read_table(schema, data_dir)) for name, schema in SCHEMAS.items()}
    load_server_prices(data_dir)  # cross-file rules
    load_architectures(data_dir)
    load_fleet_vintages(data_dir)
    load_verdict_rules(data_dir)
    return counts


# --------------------------------------------------------------------------- scenarios
SCENARIO_KEYS = ("description", "sources", "overrides")


def scenarios_dir(data_dir: Path | str | None = None) -> Path:
    return (Path(data_dir) if data_dir is not None else DATA_DIR) / "scenarios"


#: A scenario is a few lines; anything bigger is refused before it is parsed.
MAX_SCENARIO_BYTES = 1_000_000
#: How deep YAML may nest in a scenario (a scenario needs two levels: overrides, then values).
MAX_YAML_DEPTH = 10


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class _ScenarioLoader(yaml.SafeLoader):
    """PyYAML's safe loader, stricter: no anchors or aliases, bounded nesting, no duplicate keys,
    and dates kept as text (so that ``2025-2-28`` is refused, not read as a date).

    Anchors and aliases are refused outright: a scenario has no use for them, and a few hundred
    bytes of nested aliases ("billion laughs") expand to gigabytes.
    """

    label = "scenario file"

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise DataError(f"{self.label} (line {event.start_mark.line + 1}): YAML anchors and aliases (&name, *name) "
                            "are not allowed in a scenario; write each value out")
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise DataError(f"{self.label} (line {event.start_mark.line + 1}): nested deeper than {MAX_YAML_DEPTH} levels; "
                                "a scenario is a mapping of description, sources and overrides")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: PyYAML's own error says so
                    continue
                if first is not None:
                    raise DataError(f"{self.label} (line {key_node.start_mark.line + 1}): key {_one_line(repr(key))[:60]} "
                                    f"appears twice (first on line {first}); give each key once")
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


_ScenarioLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def load_scenario_yaml(text: str, label: str):
    """Parse a scenario's YAML text with :class:`_ScenarioLoader`; any problem is a one-line DataError."""
    loader = _ScenarioLoader(text)
    loader.label = label
    try:
        return loader.get_single_data()
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise DataError(f"{label}{where}: not valid YAML: {_one_line(getattr(err, 'problem', None) or err)}") from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise DataError(f"{label}: nested too deeply") from None
    finally:
        loader.dispose()


def read_scenario_file(path: Path) -> dict:
    """Read a scenario YAML file and check its shape (not its parameter values).

    Raises
    ------
    DataError
        If the file is missing, larger than :data:`MAX_SCENARIO_BYTES`, not UTF-8 (or has a
        byte-order mark), not YAML, uses anchors or aliases, nests deeper than
        :data:`MAX_YAML_DEPTH`, repeats a key, is not a mapping, has keys other than
        ``description``, ``sources`` and ``overrides``, or has them of the wrong type.
    """
    label = f"scenario file {path}"
    content = load_scenario_yaml(decode_text(_read_bytes(path, label, MAX_SCENARIO_BYTES), label), label)
    if not isinstance(content, dict):
        raise DataError(f"{label}: must be a mapping with keys {', '.join(SCENARIO_KEYS)}")
    unknown = [k for k in content if k not in SCENARIO_KEYS]
    if unknown:
        raise DataError(f"{label}: unknown key {_one_line(repr(unknown[0]))[:60]}; allowed keys are {', '.join(SCENARIO_KEYS)}")
    missing = [k for k in SCENARIO_KEYS if k not in content]
    if missing:
        raise DataError(f"{label}: missing key {missing[0]!r}")
    if not isinstance(content["description"], str) or not content["description"].strip():
        raise DataError(f"{label}: 'description' must be a non-empty string")
    sources = content["sources"]
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources) or not sources:
        raise DataError(f"{label}: 'sources' must be a non-empty list of source ids")
    if content["overrides"] is None:
        content["overrides"] = {}
    if not isinstance(content["overrides"], dict):
        raise DataError(f"{label}: 'overrides' must be a mapping of parameter name to value")
    return content
