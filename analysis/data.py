"""Load the report's input files (the only module that reads ``data/``): one schema and loader per file.

Every CSV in ``data/`` has a :class:`~analysis.validation.Schema` here. A loader reads the
file through :func:`analysis.validation.read_table`, which checks it against its schema and
returns a :class:`pandas.DataFrame` with typed columns, or raises
:class:`~analysis.validation.DataError` naming the file, the row, the column and the rule
that was broken, e.g.::

    data/training_runs.csv, row 2 (line 3), column gpu_hours: must be >= 0, got -5

Besides the generic rules of :mod:`analysis.validation`, each file has its own row rules
(for example ``gpu_hours = gpus x wall_clock_hours``) and the loaders check rules across
files (every GPU type priced, every model of ``architectures.csv`` in ``models.csv``).
Scenario files (YAML) are read here too.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from . import claims as _claims
from . import fleet as _fleet
from . import kvcache as _kvcache
from . import paths as _paths
from . import pricing as _pricing
from . import uncertainty as _uncertainty
from . import validation as _validation
from .validation import SOURCE_ID_PATTERN, Column, DataError, Schema, decode_text, fail, read_bytes


def read_table(schema: Schema, data_dir: Path | str | None = None, known_sources=None) -> pd.DataFrame:
    """Read and validate one of the report's files (:func:`analysis.validation.read_table`), its source ids
    checked against ``data/sources.csv``."""
    if known_sources is None and any(c.kind == "source_ids" for c in schema.columns):
        known_sources = source_ids(data_dir)
    return _validation.read_table(schema, data_dir, known_sources)


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
        lambda r: (
            None
            if SOURCE_ID_PATTERN.match(r["id"])
            else ("id", f"ids are lower-case words joined by '-', got {r['id']!r}")
        ),
        lambda r: (
            None
            if r["url"] or r["id"] == "assumption"
            else ("url", "must not be empty (only the 'assumption' source has no URL)")
        ),
    ),
)


def load_sources(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The source registry ``data/sources.csv``, one row per source id."""
    return read_table(SOURCES, data_dir, known_sources=())


def source_ids(data_dir: Path | str | None = None) -> frozenset[str]:
    """The set of valid source ids."""
    return _source_ids_cached(str(Path(data_dir).resolve()) if data_dir else str(_paths.DATA_DIR))


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
        lambda r: (
            None
            if r["activated_b_params"] <= r["total_b_params"]
            else ("activated_b_params", "must not exceed total_b_params")
        ),
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
        lambda r: (
            None
            if r["dense_fp8_tflops"] is None or r["dense_fp8_tflops"] >= r["dense_bf16_tflops"]
            else ("dense_fp8_tflops", "must be >= dense_bf16_tflops")
        ),
        lambda r: (
            None
            if _price_triple_ok(r)
            else (
                "gpu_price_base_usd",
                "low, base and high prices must all be given, with low <= base <= high, or all be empty",
            )
        ),
        lambda r: (
            None
            if (r["gpu_price_base_usd"] is None) == (r["price_source_ids"] is None)
            else ("price_source_ids", "a price needs its source ids, and source ids need a price")
        ),
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
            raise fail(
                SERVER_PRICES.file,
                f"unknown GPU type {row['gpu_type']!r} (not in data/gpus.csv)",
                row=i,
                column="gpu_type",
            )
    for gpu_type, n in table.groupby("gpu_type")["default_for_gpu_type"].sum().items():
        if n != 1:
            raise fail(
                SERVER_PRICES.file,
                f"GPU type {gpu_type} has {n} rows marked default_for_gpu_type; exactly one is needed",
                column="default_for_gpu_type",
            )
    return table.set_index("server_id")


# --------------------------------------------------------------------------- architectures
ARCHITECTURES = Schema(
    file="architectures.csv",
    columns=(
        Column("model"),
        Column("attention", choices=_kvcache.KINDS),
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
            raise fail(
                ARCHITECTURES.file,
                f"model {row['model']!r} is not in data/models.csv; add its parameter counts there",
                row=i,
                column="model",
            )
        try:
            configs.append(
                AttentionConfig(
                    row["attention"],
                    row["layers"],
                    row["heads"],
                    row["head_dim"],
                    _int_or_none(row["kv_heads"]),
                    _int_or_none(row["kv_lora_rank"]),
                    _int_or_none(row["rope_head_dim"]),
                )
            )
        except ValueError as err:
            raise fail(ARCHITECTURES.file, str(err), row=i, column="attention") from None
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
        Column("benchmark", choices=tuple(_pricing.BENCHMARK_NAMES)),
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


#: A word of the scope: an identifier such as ``fleet_capex_usd`` is not one a reader understands.
_IDENTIFIER = re.compile(r"\b\w+_\w+\b")
#: The fewest words a scope may have ("one model's final training run").
SCOPE_MIN_WORDS = 3


def _scope_in_words(r: dict):
    """The scope says in words what the claim is judged on: a few words, no identifier."""
    scope = r["scope"]
    if len(scope.split()) < SCOPE_MIN_WORDS or _IDENTIFIER.search(scope):
        return (
            "scope",
            f"must say in at least {SCOPE_MIN_WORDS} plain words what the claim is judged on (e.g. \"one model's "
            f'final training run"), with no identifiers such as fleet_capex_usd; got {scope!r}',
        )
    return None


def _claim_consistent(r: dict):
    if r["kind"] == "qualitative":
        if not r["verdict"] or not r["reason"]:
            return ("verdict", "a qualitative claim needs a typed verdict and its reason")
        if r["result_id"]:
            return ("result_id", "a qualitative claim has no result id")
        return None
    if r["checkable"] is False and not r["result_id"]:  # no sourced numbers of its scope
        if not r["reason"] or r["verdict"]:
            return ("reason", "a claim not checkable (no result id) needs the reason why, and no typed verdict")
        return None
    if (
        not r["result_id"]
        or r["comparison"] is None
        or r["claimed_value"] is None
        or r["checkable"] is None
        or r["basis"] is None
    ):
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
        Column("comparison", required=False, choices=_claims.COMPARISONS),
        Column("claimed_value", "float", required=False),
        Column("claimed_as_written", required=False),  # the value exactly as the claim wrote it
        Column("tolerance", "float", required=False, min=0),
        Column("tolerance_kind", required=False, choices=("relative", "absolute")),
        Column("basis", required=False, choices=_claims.BASES),
        Column("alternative_result_id", required=False),
        Column("checkable", "bool", required=False),
        Column("caveat", required=False),
        Column("verdict", required=False, choices=_claims.TYPED_VERDICTS),
        Column("reason", required=False),
        Column("scope"),  # what the claim is judged on, in words a reader understands
    ),
    key=("claim_id", "result_id"),  # a claim of several conditions has one row per condition
    row_rules=(_claim_consistent, _scope_in_words),
)
#: The columns every condition of one claim shares (the claim itself, not how each condition is judged).
CLAIM_COLUMNS = ("claimant", "claim", "claim_date", "source_ids", "kind")


def load_claims(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The claims ledger: each claim as written, when, by whom, what it is judged on and how the report
    checks it. A claim of several conditions has one row per condition, each with its own result and scope;
    its rows must agree on :data:`CLAIM_COLUMNS`, and a qualitative claim has one row."""
    table = read_table(CLAIMS, data_dir)
    first: dict[str, int] = {}
    for i, row in enumerate(table.to_dict("records")):
        j = first.setdefault(row["claim_id"], i)
        if j == i:
            continue
        earlier = table.iloc[j]
        if row["kind"] == "qualitative" or earlier["kind"] == "qualitative":
            raise fail(CLAIMS.file, f"claim {row['claim_id']} repeats a qualitative claim", row=i + 1, column="kind")
        for column in CLAIM_COLUMNS:
            if row[column] != earlier[column]:
                raise fail(
                    CLAIMS.file,
                    f"a condition of claim {row['claim_id']} must repeat its {column} exactly (as on row {j + 1})",
                    row=i + 1,
                    column=column,
                )
    return table


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
    rules = dict(zip(table["rule"], table["share_fraction"], strict=True))
    for name in ("reproduced_min_share", "differs_max_share"):
        if name not in rules:
            raise fail(VERDICT_RULES.file, f"no row for rule {name}")
    if not rules["differs_max_share"] < rules["reproduced_min_share"]:
        raise fail(VERDICT_RULES.file, "differs_max_share must be below reproduced_min_share", column="share_fraction")
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
        Column("distribution", choices=_uncertainty.DISTRIBUTIONS),
        Column("hard_bounds", required=False),
        Column("allowed", required=False),
        Column("unit"),
        Column("source_ids", "source_ids"),
        Column("note"),
        Column("label"),
        Column("overridable", "bool"),
    ),
    key=("name",),
    row_rules=(
        lambda r: (
            None
            if re.match(r"^[a-z][a-z0-9_]*$", r["name"])
            else ("name", f"must be a lower-case Python identifier, got {r['name']!r}")
        ),
    ),
)


def load_assumptions_table(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The assumptions register as text; :mod:`analysis.params` interprets it."""
    return read_table(ASSUMPTIONS, data_dir)


# --------------------------------------------------------------------------- fleet vintages
def _acquired_within(r: dict):
    if not r["acquired_from"] <= r["acquired_date"] <= r["acquired_to"]:
        return (
            "acquired_date",
            f"must lie between acquired_from ({r['acquired_from']}) and acquired_to ({r['acquired_to']}), "
            f"got {r['acquired_date']}",
        )
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
            raise fail(
                FLEET_VINTAGES.file,
                f"unknown GPU type {row['gpu_type']!r} (not in data/gpus.csv)",
                row=i,
                column="gpu_type",
            )
    missing = [t for t in known if t not in set(table["gpu_type"])]
    if missing:
        raise fail(
            FLEET_VINTAGES.file,
            f"no row for GPU type {missing[0]}; every type in data/gpus.csv needs its purchase date",
        )
    return table.set_index("gpu_type")


# --------------------------------------------------------------------------- comparable runs
COMPARABLE_RUNS = Schema(
    file="comparable_runs.csv",
    columns=(
        Column("run_id"),
        Column("model"),
        Column("developer"),
        Column("gpu_type", choices=_fleet.GPU_TYPES),
        Column("gpu_hours", "float", min=0),
        Column("source_ids", "source_ids"),
        Column("note"),
    ),
    key=("run_id",),
)


def load_comparable_runs(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Disclosed GPU-hours of other labs' final training runs, to set beside DeepSeek-V3's on the same footing."""
    return read_table(COMPARABLE_RUNS, data_dir)


# --------------------------------------------------------------------------- glossary
GLOSSARY = Schema(
    file="glossary.csv",
    columns=(
        Column("id"),
        Column("term"),
        Column("matches"),
        Column("definition"),
        Column("source_ids", "source_ids"),
    ),
    key=("id",),
    row_rules=(
        lambda r: (
            None if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", r["id"]) else "id must be lowercase-words-with-hyphens"
        ),
        lambda r: (
            None
            if all(m.strip() for m in r["matches"].split("|"))
            else "matches must be words separated by '|', none empty"
        ),
    ),
)


def load_glossary(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The glossary: each term, the words that link to it ('|'-separated), its definition and sources."""
    return read_table(GLOSSARY, data_dir)


#: Every CSV schema, by file name (tests and ``python -m analysis check`` use it).
SCHEMAS: dict[str, Schema] = {
    s.file: s
    for s in (
        SOURCES,
        TRAINING_RUNS,
        MODELS,
        GPUS,
        SERVER_PRICES,
        ARCHITECTURES,
        API_PRICES,
        BENCHMARKS,
        CLAIMS,
        PUBLISHED_FIGURES,
        COST_EXCLUSIONS,
        ASSUMPTIONS,
        FLEET_VINTAGES,
        VERDICT_RULES,
        COMPARABLE_RUNS,
        GLOSSARY,
    )
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
    return (Path(data_dir) if data_dir is not None else _paths.DATA_DIR) / "scenarios"


#: A scenario is a few lines; anything bigger is refused before it is parsed.
MAX_SCENARIO_BYTES = 1_000_000
#: How deep YAML may nest in a scenario (a scenario needs two levels: overrides, then values).
MAX_YAML_DEPTH = 10
#: The most digits a whole number in a scenario may have (a GPU count has six; a float has 17
#: significant digits, and Python refuses to read more than 4,300 as a whole number).
MAX_YAML_INT_DIGITS = 30


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
            raise DataError(
                f"{self.label} (line {event.start_mark.line + 1}): YAML anchors and aliases (&name, *name) "
                "are not allowed in a scenario; write each value out"
            )
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise DataError(
                    f"{self.label} (line {event.start_mark.line + 1}): nested deeper than {MAX_YAML_DEPTH} levels; "
                    "a scenario is a mapping of description, sources and overrides"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node):
        """A whole number, refused in one line when it has more than :data:`MAX_YAML_INT_DIGITS` digits."""
        digits = sum(c.isalnum() for c in str(node.value))  # hexadecimal and octal digits too
        if digits > MAX_YAML_INT_DIGITS:
            raise DataError(
                f"{self.label} (line {node.start_mark.line + 1}): a whole number of {digits:,} digits; "
                f"numbers in a scenario may have at most {MAX_YAML_INT_DIGITS} digits"
            )
        return super().construct_yaml_int(node)

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
                    raise DataError(
                        f"{self.label} (line {key_node.start_mark.line + 1}): key {_one_line(repr(key))[:60]} "
                        f"appears twice (first on line {first}); give each key once"
                    )
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


_ScenarioLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
_ScenarioLoader.add_constructor("tag:yaml.org,2002:int", _ScenarioLoader.construct_yaml_int)


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
    content = load_scenario_yaml(decode_text(read_bytes(path, label, MAX_SCENARIO_BYTES), label), label)
    if not isinstance(content, dict):
        raise DataError(f"{label}: must be a mapping with keys {', '.join(SCENARIO_KEYS)}")
    unknown = [k for k in content if k not in SCENARIO_KEYS]
    if unknown:
        raise DataError(
            f"{label}: unknown key {_one_line(repr(unknown[0]))[:60]}; allowed keys are {', '.join(SCENARIO_KEYS)}"
        )
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
