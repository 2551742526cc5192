"""Parameters: the assumptions register, validation, scenarios.

A notebook's parameters cell is read by :mod:`analysis.notebooks`.

The register ``data/assumptions.csv`` lists every parameter once: its type, baseline
value, uncertainty range (low, high, distribution), hard bounds, unit, sources and a
note. Notebooks declare the parameters they use in their first code cell (tagged
``parameters``), one per line::

    gpu_hour_price_usd: float = 2.0  # USD per GPU-hour; deepseek-v3-report

and validate them in the next cell with :func:`check_parameters`. The runner
(:mod:`analysis.report`) resolves a scenario and ``-p`` overrides with
:func:`resolve_parameters` before it runs anything. Every failure is a
:class:`ParameterError` whose message is one line: the parameter, the value and
what is allowed.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import data as _data
from . import validation as _validation


class ParameterError(ValueError):
    """A parameter, override or scenario is invalid. The message is one line."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"ParameterError: {self}"]


# --------------------------------------------------------------------------- intervals
@dataclass(frozen=True)
class Interval:
    """A closed, open or half-open interval such as ``[0, inf)`` or ``(0, 1]``."""

    lower: float
    upper: float
    lower_closed: bool
    upper_closed: bool

    _PATTERN = re.compile(r"^\s*([\[(])\s*([^,\s]+)\s*,\s*([^,\s\])]+)\s*([\])])\s*$")

    @classmethod
    def parse_dates(cls, text: str) -> Interval:
        """Parse an interval of dates, e.g. ``"[2025-01-20, inf)"``; bounds are stored as day ordinals.

        >>> Interval.parse_dates("[2025-01-20, inf)").contains(_dt.date(2025, 1, 19).toordinal())
        False
        """

        def end(word: str) -> float:
            if word in ("inf", "-inf"):
                return float(word)
            try:
                return float(_validation.parse_date(word).toordinal())
            except ValueError:
                raise ValueError(f"hard bounds {text!r}: {word!r} is not a date written YYYY-MM-DD") from None

        return cls._parse(text, end, "[2025-01-20, inf)")

    def describe_dates(self) -> str:
        """Plain words for a date interval: ``on or after 2025-01-20``."""
        parts = []
        if not math.isinf(self.lower):
            parts.append(f"{'on or after' if self.lower_closed else 'after'} {_dt.date.fromordinal(int(self.lower))}")
        if not math.isinf(self.upper):
            parts.append(f"{'on or before' if self.upper_closed else 'before'} {_dt.date.fromordinal(int(self.upper))}")
        return " and ".join(parts) if parts else "any date"

    @classmethod
    def parse(cls, text: str) -> Interval:
        """Parse interval notation, e.g. ``"[0, inf)"``.

        >>> Interval.parse("(0, 1]").contains(1.0)
        True
        >>> Interval.parse("(0, 1]").contains(0)
        False
        """

        def end(word: str) -> float:
            try:
                return float(word)
            except ValueError:
                raise ValueError(f"hard bounds {text!r}: {word!r} is not a number") from None

        return cls._parse(text, end, "[0, inf) or (0, 1]")

    @classmethod
    def _parse(cls, text: str, end, example: str) -> Interval:
        """Shared parser: brackets from the text, each end converted by ``end``."""
        m = cls._PATTERN.match(text)
        if not m:
            raise ValueError(f"hard bounds must look like {example}, got {text!r}")
        lo, hi = end(m.group(2)), end(m.group(3))
        if lo > hi:
            raise ValueError(f"hard bounds {text!r}: lower bound exceeds upper bound")
        return cls(lo, hi, m.group(1) == "[", m.group(4) == "]")

    def contains(self, value: float) -> bool:
        above = value >= self.lower if self.lower_closed else value > self.lower
        below = value <= self.upper if self.upper_closed else value < self.upper
        return above and below

    def __str__(self) -> str:
        def fmt(x: float) -> str:
            if math.isinf(x):
                return "inf" if x > 0 else "-inf"
            return f"{x:g}"

        opening, closing = "[" if self.lower_closed else "(", "]" if self.upper_closed else ")"
        return f"{opening}{fmt(self.lower)}, {fmt(self.upper)}{closing}"

    def describe(self) -> str:
        """Plain words: ``> 0``, ``between 0 and 1``, ``>= 0``."""
        parts = []
        if not math.isinf(self.lower):
            parts.append(f"{'>=' if self.lower_closed else '>'} {self.lower:g}")
        if not math.isinf(self.upper):
            parts.append(f"{'<=' if self.upper_closed else '<'} {self.upper:g}")
        return " and ".join(parts) if parts else "any number"


# --------------------------------------------------------------------------- the register
TYPE_WORDS = {"int": "a whole number", "float": "a number", "str": "text", "date": "a date YYYY-MM-DD"}


@dataclass(frozen=True)
class Parameter:
    """One row of the assumptions register, typed."""

    name: str
    type: str
    baseline: Any
    low: Any
    high: Any
    distribution: str
    bounds: Interval | None
    allowed: tuple[str, ...] | None
    unit: str
    source_ids: tuple[str, ...]
    note: str
    #: The parameter in words, for readers (figure labels, reasons); the name is for re-running.
    label: str = ""
    #: Whether a run may set it (``-p`` or a scenario): every ranged parameter, and a fixed one that
    #: is a choice or a run setting; not a fixed one that is a sourced fact.
    overridable: bool = True

    def fixed_error(self) -> ParameterError:
        """The one-line refusal of an override of a fixed fact.

        >>> print(load_register()["bytes_per_weight"].fixed_error())  # doctest: +ELLIPSIS
        bytes_per_weight is fixed: it is bytes per model weight (1.0 bytes per parameter) from deepseek-v3-report; ...
        """
        sources = ", ".join(self.source_ids)
        return ParameterError(
            f"{self.name} is fixed: it is {self.label or self.name} ({self.baseline} {self.unit}) from {sources}; "
            "it cannot be overridden (only ranged parameters and run settings can; see `python -m analysis params`)"
        )

    def allowed_text(self) -> str:
        """What values are allowed, in words (used in error messages)."""
        if self.allowed:
            return "one of " + ", ".join(self.allowed)
        if self.type == "date":
            return "a date written YYYY-MM-DD" + (
                f", {self.bounds.describe_dates()}" if self.bounds is not None else ""
            )
        if self.bounds is not None:
            return f"{TYPE_WORDS[self.type]} {self.bounds.describe()}, i.e. in {self.bounds}"
        return TYPE_WORDS[self.type]

    def coerce(self, value: Any, *, from_text: bool = False) -> Any:
        """Return ``value`` as this parameter's type, or raise ParameterError.

        ``from_text=True`` parses command-line text (``-p NAME VALUE``). An ``int``
        is accepted for a ``float`` parameter; a ``bool`` is never a number.

        >>> bounds = Interval.parse("[0, inf)")
        >>> p = Parameter("x", "float", 1.0, None, None, "fixed", bounds, None, "USD", ("assumption",), "")
        >>> p.coerce("3", from_text=True)
        3.0
        >>> p.coerce(-1)
        Traceback (most recent call last):
        ...
        analysis.params.ParameterError: x = -1 is not allowed: x must be a number >= 0, i.e. in [0, inf) (USD)
        """
        shown = shown_value(value if from_text or not isinstance(value, str) or self.type == "date" else repr(value))
        wrong_type = ParameterError(
            f"{self.name} = {shown} has the wrong type: {self.name} must be {TYPE_WORDS[self.type]}"
            + ("" if self.type == "date" else f" ({self.unit})")
        )
        if self.type in ("int", "float"):
            if from_text:
                try:
                    value = int(value) if self.type == "int" else float(value)
                except (TypeError, ValueError):
                    if self.type == "int":
                        try:
                            as_float = float(value)
                        except (TypeError, ValueError):
                            raise wrong_type from None
                        if not as_float.is_integer():
                            raise wrong_type from None
                        value = int(as_float)
                    else:
                        raise wrong_type from None
            elif isinstance(value, bool):
                raise wrong_type
            elif self.type == "int":
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                elif not isinstance(value, int):
                    raise wrong_type
            else:
                if not isinstance(value, (int, float)):
                    raise wrong_type
                value = float(value)
            if isinstance(value, float) and not math.isfinite(value):
                raise ParameterError(
                    f"{self.name} = {shown} is not allowed: {self.name} must be a finite number ({self.unit})"
                )
            if self.bounds is not None and not self.bounds.contains(value):
                raise ParameterError(
                    f"{self.name} = {shown} is not allowed: {self.name} must be {self.allowed_text()} ({self.unit})"
                )
            return value
        if self.type == "date":
            if isinstance(value, _dt.date):
                value = value.isoformat()
            if not isinstance(value, str):
                raise wrong_type
            try:
                day = _validation.parse_date(value)
            except ValueError:
                raise wrong_type from None
            if self.bounds is not None and not self.bounds.contains(day.toordinal()):
                raise ParameterError(f"{self.name} = {value} is not allowed: {self.name} must be {self.allowed_text()}")
            return value
        # str
        if not isinstance(value, str):
            raise wrong_type
        if self.allowed and value not in self.allowed:
            raise ParameterError(f"{self.name} = {value!r} is not allowed: {self.name} must be {self.allowed_text()}")
        return value


def shown_value(value, limit: int = 60) -> str:
    """A value as error messages show it: one line, at most ``limit`` characters.

    A message repeats what it refuses, so a long or multi-line value must not make it long.

    >>> shown_value("x" * 100, limit=10)
    'xxxxxxx...'
    >>> print(shown_value("a\\nb"))
    'a\\nb'
    """
    text = str(value)
    if any(ord(c) < 32 or c in "\x7f\u2028\u2029" for c in text):
        text = repr(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _literal(text: str | None, type_: str, field: str, name: str):
    if text is None:
        return None
    try:
        if type_ == "int":
            return int(text)
        if type_ == "float":
            return float(text)
    except ValueError:
        raise _data.DataError(
            f"data/assumptions.csv, parameter {name}, column {field}: must be {TYPE_WORDS[type_]}, got {text!r}"
        ) from None
    return text


def load_register(data_dir: Path | str | None = None) -> dict[str, Parameter]:
    """Read ``data/assumptions.csv`` into typed :class:`Parameter` objects.

    Beyond the generic checks of :func:`analysis.data.read_table` it checks that
    values parse as the declared type, that ``low <= baseline <= high``, that
    baseline, low and high lie inside the hard bounds, that a varied parameter
    (distribution other than ``fixed``) has both low and high, and that ``allowed``
    is used only by ``str`` parameters and contains the baseline.
    """
    table = _data.load_assumptions_table(data_dir)
    register: dict[str, Parameter] = {}
    for i, row in enumerate(table.to_dict("records"), start=1):
        name, type_ = row["name"], row["type"]

        def fail(column: str, message: str, row_number: int = i) -> _data.DataError:
            where = f"data/assumptions.csv, row {row_number} (line {row_number + 1}), column {column}"
            return _data.DataError(f"{where}: {message}")

        baseline = _literal(row["baseline"], type_, "baseline", name)
        low = _literal(row["low"], type_, "low", name)
        high = _literal(row["high"], type_, "high", name)
        bounds = None
        if row["hard_bounds"]:
            if type_ not in ("int", "float", "date"):
                raise fail("hard_bounds", f"only numeric and date parameters have hard bounds ({name} is {type_})")
            try:
                bounds = (
                    Interval.parse_dates(row["hard_bounds"]) if type_ == "date" else Interval.parse(row["hard_bounds"])
                )
            except ValueError as err:
                raise fail("hard_bounds", str(err)) from None
        elif type_ in ("int", "float"):
            raise fail("hard_bounds", f"numeric parameter {name} needs hard bounds such as [0, inf)")
        allowed = tuple(a.strip() for a in row["allowed"].split("|")) if row["allowed"] else None
        if allowed and type_ != "str":
            raise fail("allowed", "only str parameters list allowed values")
        if allowed and baseline not in allowed:
            raise fail("baseline", f"{baseline!r} is not one of the allowed values {', '.join(allowed)}")
        if row["distribution"] != "fixed":
            if type_ not in ("int", "float"):
                raise fail("distribution", f"only numeric parameters can vary; {name} is {type_}, use fixed")
            if low is None or high is None:
                raise fail("low" if low is None else "high", f"a {row['distribution']} parameter needs low and high")
        if low is not None and high is not None and not (low <= baseline <= high):
            raise fail("baseline", f"must lie between low ({low:g}) and high ({high:g}), got {baseline:g}")
        if type_ == "date":
            try:
                day = _validation.parse_date(baseline)
            except ValueError:
                raise fail("baseline", f"must be a date written YYYY-MM-DD, got {baseline!r}") from None
            if bounds is not None and not bounds.contains(day.toordinal()):
                raise fail("baseline", f"{baseline} is not {bounds.describe_dates()}")
        for column, value in (("baseline", baseline), ("low", low), ("high", high)):
            if type_ != "date" and value is not None and bounds is not None and not bounds.contains(value):
                raise fail(column, f"{value:g} is outside the hard bounds {bounds}")
        if row["distribution"] == "lognormal" and low is not None and low <= 0:
            raise fail("low", "a lognormal parameter needs low > 0")
        if row["distribution"] != "fixed" and not row["overridable"]:
            raise fail("overridable", f"a {row['distribution']} parameter is overridable (true)")
        register[name] = Parameter(
            name=name,
            type=type_,
            baseline=baseline,
            low=low,
            high=high,
            distribution=row["distribution"],
            bounds=bounds,
            allowed=allowed,
            unit=row["unit"],
            source_ids=tuple(row["source_ids"]),
            note=row["note"],
            label=row["label"],
            overridable=bool(row["overridable"]),
        )
    return register


def nearest_names(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates closest to ``name`` (for "did you mean" hints).

    >>> nearest_names("gpu_hour_price", ["gpu_hour_price_usd", "h800_gpus"])
    ['gpu_hour_price_usd']
    """
    return difflib.get_close_matches(name, list(candidates), n=n, cutoff=0.5)


def unknown_parameter_error(name: str, known: Iterable[str], where: str = "") -> ParameterError:
    known = sorted(known)
    hint = nearest_names(name, known)
    suggestion = f"; did you mean {' or '.join(hint)}?" if hint else "; run `python -m analysis params` to list them"
    return ParameterError(f"unknown parameter {shown_value(repr(name))}{where}{suggestion}")


def check_parameters(
    namespace: Mapping[str, Any], data_dir: Path | str | None = None, *, check_outputs: bool = True
) -> dict[str, Any]:
    """Validate the register parameters found in ``namespace`` (a notebook's ``globals()``).

    Called in the cell after a notebook's parameters cell, so a notebook run on its
    own (papermill or JupyterLab) refuses bad values with the same one-line errors
    as the runner. Returns ``{name: value}`` for the parameters found, coerced to
    their declared types.

    A name that papermill injected (``papermill -p NAME VALUE``) but the notebook's parameters
    cell does not declare is refused with the nearest declared names, as the runner refuses
    an unknown ``-p`` (papermill itself only warns, and the notebook would run with its
    defaults). The names come from the kernel's input history, ``namespace["In"]``.

    With ``check_outputs`` (the default), the cost model is then evaluated at these values (the
    register's baseline for every parameter the notebook does not declare), and a value that
    passes its type and bounds but makes a model output inf or NaN (``gpu_hour_price_usd = 1e308``)
    is refused by name, in one line, as the runner refuses it
    (:func:`analysis.model_check.check_model_outputs`); so is a fleet too small for its disclosed uses.
    A fixed fact given to the notebook (:meth:`Parameter.fixed_error`) and a bad ``monte_carlo_ranges``
    (:func:`check_ranges`) are refused as the runner refuses them.

    Raises
    ------
    ParameterError
        If a value has the wrong type or lies outside its hard bounds, a parameter given to the
        notebook is not one it declares, or a value makes the model's outputs non-finite.
    """
    from .notebooks import injected_and_declared  # here, not at the top: analysis.notebooks imports this module

    register = load_register(data_dir)
    injected, declared = injected_and_declared(namespace.get("In") or ())
    known = declared if declared is not None else set(register)
    for name in injected:
        if name not in known:
            raise unknown_parameter_error(name, known, where=" given to this notebook" if name in register else "")
    found = {}
    for name, param in register.items():
        if name in namespace and (declared is None or name in declared):
            found[name] = param.coerce(namespace[name])
            if name in injected and not param.overridable and found[name] != param.baseline:
                raise param.fixed_error()  # the runner gives every notebook each fixed fact at its baseline
    if "monte_carlo_ranges" in namespace and (declared is None or "monte_carlo_ranges" in declared):
        check_ranges(namespace["monte_carlo_ranges"], register, resolve_parameters(register, found))
    if check_outputs:
        from .model_check import check_model_outputs  # here: analysis.model_check imports this module

        check_model_outputs(resolve_parameters(register, found), data_dir, register)
    return found


# --------------------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class Scenario:
    """A named set of overrides of the baseline (``data/scenarios/NAME.yaml``)."""

    name: str
    path: Path
    description: str
    source_ids: tuple[str, ...]
    overrides: dict[str, Any]
    #: True for a file given by path that is not ``data/scenarios/NAME.yaml`` itself: its report goes
    #: to a folder of its own (``reports/NAME-HASH/``), never onto a registered scenario's.
    external: bool = False
    #: SHA-256 of the file's bytes (hex).
    sha256: str = ""
    #: Ranges the scenario gives ranged parameters (``NAME: {low: L, high: H}``): name -> (low, high).
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)


def scenario_names(data_dir: Path | str | None = None) -> list[str]:
    return sorted(p.stem for p in _data.scenarios_dir(data_dir).glob("*.yaml"))


def load_scenario(
    name_or_path: str | Path, data_dir: Path | str | None = None, register: Mapping[str, Parameter] | None = None
) -> Scenario:
    """Load and fully validate a scenario by name (``data/scenarios/NAME.yaml``) or path.

    Raises
    ------
    ParameterError
        Unknown scenario name, unknown parameter, wrong type or out-of-bounds value.
    analysis.data.DataError
        The file is not a well-formed scenario.
    """
    text = str(name_or_path)
    path = Path(text)
    if not (text.endswith((".yaml", ".yml")) or path.is_file()):
        path = _data.scenarios_dir(data_dir) / f"{text}.yaml"
        if not path.is_file():
            names = scenario_names(data_dir)
            hint = nearest_names(text, names)
            raise ParameterError(
                f"unknown scenario {text!r}; "
                + (f"did you mean {' or '.join(hint)}? " if hint else "")
                + f"available: {', '.join(names)} (or give a path to a .yaml file)"
            )
    content = _data.read_scenario_file(path)
    registered = _data.scenarios_dir(data_dir) / f"{path.stem}.yaml"
    try:
        external = not (registered.is_file() and registered.resolve() == path.resolve())
    except OSError:
        external = True
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    register = register if register is not None else load_register(data_dir)
    known_sources = _data.source_ids(data_dir)
    for sid in content["sources"]:
        if sid not in known_sources:
            raise ParameterError(
                f"scenario {path.stem}: unknown source id {shown_value(repr(sid))} (not in data/sources.csv)"
            )
    overrides, ranges = {}, {}
    for name, value in content["overrides"].items():
        if name not in register:
            raise not_a_parameter_error(str(name), register, where=f" in scenario {path.stem}", data_dir=data_dir)
        if isinstance(value, dict):
            ranges.update(check_ranges({name: value}, register))
        else:
            overrides[name] = coerce_override(register[name], value)
    return Scenario(
        path.stem,
        path,
        content["description"].strip(),
        tuple(content["sources"]),
        overrides,
        external,
        digest,
        ranges,
    )


def parse_cli_overrides(
    pairs: Iterable[tuple[str, str]], register: Mapping[str, Parameter], data_dir: Path | str | None = None
) -> dict[str, Any]:
    """Validate ``-p NAME VALUE`` pairs (text) against the register: the values.

    Ranges (``-p NAME LOW..HIGH``) are left out: :func:`split_cli_overrides` gives both.
    """
    return split_cli_overrides(pairs, register, data_dir)[0]


def split_cli_overrides(
    pairs: Iterable[tuple[str, str]], register: Mapping[str, Parameter], data_dir: Path | str | None = None
) -> tuple[dict[str, Any], dict[str, tuple[float, float]]]:
    """Validate ``-p NAME VALUE`` and ``-p NAME LOW..HIGH`` pairs (text) against the register.

    A value sets (and holds) a parameter; a range ``LOW..HIGH`` gives a ranged parameter a new
    low and high for the Monte Carlo and keeps it drawn, around its baseline (:func:`check_ranges`).

    Returns
    -------
    tuple of dict
        ``{name: value}`` and ``{name: (low, high)}``.

    Raises
    ------
    ParameterError
        An unknown name (or a result's id: which step computes it), a fixed fact, a value of the wrong
        type or outside its hard bounds, or a bad range; one line each.

    Examples
    --------
    >>> split_cli_overrides([("pue", "1.2"), ("gpu_hour_price_usd", "1.5..2.5")], load_register())
    ({'pue': 1.2}, {'gpu_hour_price_usd': (1.5, 2.5)})
    """
    values, ranges = {}, {}
    for name, text in pairs:
        if name not in register:
            raise not_a_parameter_error(name, register, data_dir=data_dir)
        if isinstance(text, str) and RANGE_SEPARATOR in text:
            ranges.update(check_ranges({name: text}, register))
        else:
            values[name] = coerce_override(register[name], text, from_text=True)
    return values, ranges


def coerce_override(param: Parameter, value: Any, *, from_text: bool = False) -> Any:
    """A run's value of ``param`` (``-p`` or a scenario), coerced.

    A fixed fact is refused (:meth:`Parameter.fixed_error`).
    """
    if not param.overridable:
        raise param.fixed_error()
    return param.coerce(value, from_text=from_text)


def not_a_parameter_error(
    name: str, register: Mapping[str, Parameter], where: str = "", data_dir: Path | str | None = None
) -> ParameterError:
    """The refusal of a name that is not a parameter: a result's (which step computes it), else an unknown name."""
    from .result_names import result_error  # here: it imports the steps, which import this module

    return result_error(name, data_dir) or unknown_parameter_error(name, register, where=where)


#: What separates the ends of a range on the command line: ``-p NAME LOW..HIGH``.
RANGE_SEPARATOR = ".."


def _range_ends(name: str, spec: Any) -> tuple[Any, Any, bool]:
    """``(low, high, from_text)`` of a range written ``"LOW..HIGH"``, ``[LOW, HIGH]`` or ``{low: L, high: H}``."""
    if isinstance(spec, str) and spec.count(RANGE_SEPARATOR) == 1:
        low, high = spec.split(RANGE_SEPARATOR)
        return low.strip(), high.strip(), True
    if isinstance(spec, dict) and set(spec) == {"low", "high"}:
        return spec["low"], spec["high"], False
    if isinstance(spec, list | tuple) and len(spec) == 2:
        return spec[0], spec[1], False
    raise ParameterError(
        f"{name}: a range is written LOW..HIGH (-p {name} 1.5..2.5) or {{low: 1.5, high: 2.5}} in a scenario, "
        f"got {shown_value(spec)}"
    )


def check_ranges(
    ranges: Mapping[str, Any], register: Mapping[str, Parameter], values: Mapping[str, Any] | None = None
) -> dict[str, tuple[float, float]]:
    """Validate ranges given to ranged parameters for the Monte Carlo.

    A range replaces the register's low and high of a parameter whose distribution is not
    ``fixed``; the parameter is still drawn, with the same distribution, around its baseline,
    which the range must contain. Each end must be the parameter's type and inside its hard
    bounds, and the low end below the high end. A parameter is either held at a value or drawn
    from a range: with ``values`` (the run's), one set away from its baseline is refused.

    Parameters
    ----------
    ranges : mapping
        Parameter name -> ``"LOW..HIGH"``, ``[low, high]`` or ``{"low": low, "high": high}``.
    register : mapping
        The assumptions register.
    values : mapping, optional
        The run's parameter values.

    Returns
    -------
    dict
        Name -> ``(low, high)`` in the parameter's type, by name.

    Raises
    ------
    ParameterError
        One line naming the parameter, the range and what is allowed.

    Examples
    --------
    >>> check_ranges({"gpu_hour_price_usd": [1.5, 2.5]}, load_register())
    {'gpu_hour_price_usd': (1.5, 2.5)}
    >>> check_ranges({"gpu_hour_price_usd": "2.5..3"}, load_register())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analysis.params.ParameterError: gpu_hour_price_usd range 2.5..3 does not contain its baseline 2, ...
    """
    if not isinstance(ranges, Mapping):
        raise ParameterError(f"ranges must map parameter names to LOW..HIGH, got {shown_value(ranges)}")
    out = {}
    for name in sorted(ranges):
        if name not in register:
            raise unknown_parameter_error(str(name), register, where=" given a range")
        p = register[name]
        low, high, from_text = _range_ends(name, ranges[name])
        if not p.overridable:
            raise p.fixed_error()
        if p.distribution == "fixed":
            raise ParameterError(
                f"{name} is not drawn in the Monte Carlo (the register fixes it), so it takes no range; "
                f"set a value instead (-p {name} VALUE)"
            )
        low, high = p.coerce(low, from_text=from_text), p.coerce(high, from_text=from_text)
        shown = f"{low:g}{RANGE_SEPARATOR}{high:g}"
        if not low < high:
            raise ParameterError(f"{name} range {shown}: the low end must be below the high end")
        if not low <= p.baseline <= high:
            raise ParameterError(
                f"{name} range {shown} does not contain its baseline {p.baseline:g}, the Monte Carlo's centre; "
                f"give a range around it (the register's is {p.low:g}{RANGE_SEPARATOR}{p.high:g}) or set a value "
                f"instead (-p {name} VALUE holds it)"
            )
        if values is not None and name in values and values[name] != p.baseline:
            raise ParameterError(
                f"{name} is given both a value ({shown_value(values[name])}) and a range ({shown}); give one: a value "
                f"holds it, a range draws it around its baseline {p.baseline:g}"
            )
        out[name] = (low, high)
    return out


def ranged_register(
    register: Mapping[str, Parameter], ranges: Mapping[str, tuple[float, float]]
) -> dict[str, Parameter]:
    """The register with each ranged parameter's low and high replaced by the run's range (:func:`check_ranges`).

    >>> ranged_register(load_register(), {"pue": (1.2, 1.3)})["pue"].low
    1.2
    """
    return {
        name: replace(p, low=ranges[name][0], high=ranges[name][1]) if name in ranges else p
        for name, p in register.items()
    }


def resolve_parameters(register: Mapping[str, Parameter], *layers: Mapping[str, Any]) -> dict[str, Any]:
    """Baseline values, overridden by each layer in turn (scenario, then ``-p``)."""
    values = {name: p.baseline for name, p in register.items()}
    for layer in layers:
        values.update(layer)
    return values


def trial_values(param: Parameter, value: Any) -> list:
    """Other values ``param`` may take, to test whether a result moves with it.

    The other allowed values of a choice; a date a year later; the ends of a ranged parameter's
    range; otherwise a tenth more (a float; at zero, the middle of its hard bounds or one) or one
    more (an int).

    >>> trial_values(load_register()["gpu_hour_price_usd"], 2.0)
    [1.3, 3.42]
    >>> trial_values(load_register()["cache_hit_share"], 0.0)  # hard bounds [0, 1]
    [0.5]
    """
    import datetime as dt

    if param.allowed:
        return [a for a in param.allowed if a != value]
    if param.type == "date":
        day = dt.date.fromisoformat(value)
        return [day.replace(year=day.year + 1).isoformat()]
    if param.low is not None:
        return [param.low, param.high]
    if param.type == "int":
        return [value + 1]
    if value == 0:
        b = param.bounds
        finite = b is not None and not math.isinf(b.lower) and not math.isinf(b.upper)
        return [(b.lower + b.upper) / 2 if finite else 1.0]
    return [value * 1.1]


def differs_from_baseline(register: Mapping[str, Parameter], values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """``{name: (baseline, value)}`` for every parameter whose value is not the baseline."""
    return {n: (register[n].baseline, v) for n, v in sorted(values.items()) if v != register[n].baseline}


def parameter_table(values: Mapping[str, Any], data_dir: Path | str | None = None):
    """The parameters a notebook runs with: those this run changed first, the rest folded.

    Parameters
    ----------
    values : mapping of str to value
        The parameters the notebook reads and their values in this run.
    data_dir : path, optional
        Where ``assumptions.csv`` is read from (default: the project's ``data/``).

    Returns
    -------
    analysis.tables.FoldedTable
        A sentence naming how many parameters differ from the baseline; those, open, beside
        their baseline; then every parameter the notebook reads, folded (``<details>``): each
        in words with the name to re-run with (``-p NAME VALUE``) under it, its value, unit,
        range and sources.
    """
    import pandas as pd

    from .formatting import format_value
    from .tables import FoldedTable, reader_table

    register = load_register(data_dir)
    rows = []
    for name, value in values.items():
        p = register[name]
        rng = (
            f"{format_value(p.low, '', None)} to {format_value(p.high, '', None)}"  # as typed: inputs, not results
            if p.low is not None and p.high is not None
            else ""
        )
        rows.append(
            {
                "parameter": (p.label or name, name),
                "value": value,
                "baseline": p.baseline,
                "unit": p.unit,
                "range": rng,
                "sources": list(p.source_ids),
                "changed": value != p.baseline,
            }
        )
    frame = pd.DataFrame(rows, columns=["parameter", "value", "baseline", "unit", "range", "sources", "changed"])
    every = {
        "parameter": ("Parameter (name to re-run with)", "named"),
        "value": ("Value in this run", "value"),
        "unit": ("Unit", "text"),
        "range": ("Range (low to high)", "text"),
        "sources": ("Sources", "sources"),
    }
    changed = frame[frame["changed"]].reset_index(drop=True)
    n, k = len(frame), len(changed)
    shown = None
    if k:
        beside = {"parameter": every["parameter"], "value": every["value"], "baseline": ("Baseline", "value")}
        beside |= {"unit": every["unit"], "sources": every["sources"]}
        shown = reader_table(changed[list(beside)], beside)
        lead = f"This run changes {k} of the {n} parameters this step reads from the baseline:"
    else:
        lead = f"No parameter changed: this run reads all {n} of this step's parameters at their baseline values."
    summary = f"Every parameter this step reads ({n}), with its range and sources"
    return FoldedTable(lead, shown, summary, reader_table(frame[list(every)], every))
