"""The what-if app: ipywidgets over :mod:`analysis.whatif`, shown by ``notebooks/what_if.ipynb`` (``make app``).

One row per control of :func:`analysis.whatif.controls`, grouped by step, the parameters that move the
costs most first: a value slider (moving it holds the parameter at that value, as ``-p NAME VALUE``)
and a range slider (narrowing or widening it keeps the parameter drawn, as ``-p NAME LOW..HIGH``); a
drop-down for a choice of method. Every change recomputes the results (:func:`analysis.whatif.evaluate`),
redraws the bridge with step 6's own drawing function, and lists what is held. Buttons reset everything
to baseline and print the command that rebuilds the report; goal-seek solves one parameter for a target.
Nothing here computes a number: it shows what :mod:`analysis.whatif` returns.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import ipywidgets as widgets
import pandas as pd

from . import figures as _figures
from . import model as _model
from . import params as _params
from . import whatif as _whatif
from .formatting import format_value
from .plots import DRAW
from .steps import FigureData

#: Slider positions across a float control's extent, at least (its step is a power of ten).
SLIDER_POSITIONS = 1_000
#: Resolution of the bridge figure as the app shows it [dots per inch].
BRIDGE_DPI = 80
#: Step titles, for the groups of controls.
STEP_TITLES = {
    1: "Step 1: the GPUs and what they cost",
    2: "Step 2: owning and running them",
    3: "Step 3: the final training run",
    4: "Step 4: serving with MLA",
    5: "Step 5: prices and the Day-6 revenue",
    6: "Step 6: developing V3 and R1, and the company",
}


def slider_decimals(control: _whatif.Control) -> int:
    """Decimals of a float control's slider: enough for :data:`SLIDER_POSITIONS` steps and its register values.

    >>> [slider_decimals(c) for c in _whatif.controls() if c.name in ("usd_cny_rate", "cost_of_capital")]
    [4, 4]
    """
    lowest, highest = control.extent
    decimals = max(0, -math.floor(math.log10((highest - lowest) / SLIDER_POSITIONS)))
    while decimals < 10 and any(
        round(float(x), decimals) != float(x) for x in (control.baseline, control.low, control.high)
    ):
        decimals += 1
    return decimals


def snapped(control: _whatif.Control, value):
    """A slider's value as the app keeps it: a whole number, or rounded to the slider's decimals (no float noise)."""
    if control.integer:
        return int(round(value))
    return round(float(value), slider_decimals(control))


class Row:
    """One control's widgets: its label, a value slider and a range slider (or a drop-down), and a note."""

    def __init__(self, control: _whatif.Control):
        self.control = control
        c = control
        label = html.escape(c.label)
        moves = (
            f"moves a result by up to {c.importance:.0%} across its {'options' if c.kind == 'choice' else 'range'}"
            if c.importance > 0
            else "moves none of the results shown at baseline"
        )
        self.label = widgets.HTML(f"<b>{label}</b><br><small>{moves}; <code>{c.name}</code></small>")
        self.label.layout = widgets.Layout(width="30%")
        self.note = widgets.HTML("")
        self.note.layout = widgets.Layout(width="12em")
        if c.kind == "choice":
            self.value = widgets.Dropdown(options=list(c.options), value=c.baseline, description="value")
            self.range = None
        else:
            kind = widgets.IntSlider if c.integer else widgets.FloatSlider
            ranged = widgets.IntRangeSlider if c.integer else widgets.FloatRangeSlider
            options = {"min": c.extent[0], "max": c.extent[1], "continuous_update": False}
            if not c.integer:
                decimals = slider_decimals(c)
                options.update(step=10.0**-decimals, readout_format=f",.{decimals}f")
            else:
                options.update(readout_format=",d")
            self.value = kind(value=c.baseline, description="value", **options)
            self.range = ranged(value=(c.low, c.high), description="range", **options)
            self.value.layout = widgets.Layout(width="300px")
            self.range.layout = widgets.Layout(width="380px")
        for w in (self.value, self.range):
            if w is not None:
                w.add_class(f"whatif-{'value' if w is self.value else 'range'}-{c.name}")
                w.style = {"description_width": "3.5em"}
        self.box = widgets.HBox([self.label, self.value, *([self.range] if self.range else []), self.note])

    def reset(self) -> None:
        """Back to the register's baseline and range."""
        self.value.value = self.control.baseline
        if self.range is not None:
            self.range.value = (self.control.low, self.control.high)


class WhatIfApp:
    """The app: build it, then display :attr:`widget` (the notebook does ``WhatIfApp().widget``).

    Parameters
    ----------
    register : mapping, optional
        The assumptions register (default: ``data/assumptions.csv``).
    data : ModelData, optional
        The cost model's data (default: from ``data/``).
    draws : int, optional
        Monte Carlo draws per update (default: the register's ``monte_carlo_draws``, as step 6).

    Attributes
    ----------
    settings : analysis.whatif.Settings
        What the reader has changed.
    outcome : analysis.whatif.Outcome
        The results of the last valid settings.
    rows : dict
        Parameter name -> its :class:`Row`.
    """

    def __init__(self, register: Mapping | None = None, data=None, draws: int | None = None):
        self.register = register if register is not None else _params.load_register()
        self.data = data if data is not None else _model.load_data()
        # Checked as the register checks a run's monte_carlo_draws (type and bounds; a one-line error).
        self.draws = None if draws is None else self.register["monte_carlo_draws"].coerce(draws)
        self.settings = _whatif.Settings()
        self.outcome = None
        self._quiet = False
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whatif-bridge")
        self._bridge_key, self._bridge_png = None, None
        controls = _whatif.controls(self.register, self.data)
        self.rows = {c.name: Row(c) for c in controls}
        self.results = widgets.HTML()
        self.status = widgets.HTML()
        self.bridge_title = widgets.HTML()
        self.bridge = widgets.Image(format="png")
        self.bridge.layout = widgets.Layout(max_width="760px")
        self.reset_button = widgets.Button(description="Reset to baseline")
        self.command_button = widgets.Button(description="Copy as command")
        self.command_output = widgets.Output()
        self.reset_button.on_click(lambda _: self.reset())
        self.command_button.on_click(lambda _: self.print_command())
        self._goal_widgets(controls)
        for row in self.rows.values():
            row.value.observe(lambda change, row=row: self._on_value(row, change["new"]), names="value")
            if row.range is not None:
                row.range.observe(lambda change, row=row: self._on_range(row, change["new"]), names="value")
        self.widget = self._layout(controls)
        self.refresh()

    # ------------------------------------------------------------------ layout
    def _goal_widgets(self, controls) -> None:
        self.goal_result = widgets.Dropdown(
            options=[(label, key) for key, label in _whatif.RESULTS.items()], description="result"
        )
        self.goal_target = widgets.FloatText(value=1600.0, description="target (US$ M)")
        self.goal_parameter = widgets.Dropdown(
            options=[(c.label, c.name) for c in controls if c.kind == "number"], description="by moving"
        )
        self.goal_button = widgets.Button(description="Solve")
        self.goal_message = widgets.HTML()
        self.goal_button.on_click(lambda _: self.solve())
        for w in (self.goal_result, self.goal_target, self.goal_parameter):
            w.style = {"description_width": "8em"}

    def _layout(self, controls) -> widgets.Widget:
        groups = []
        for step in sorted({c.step for c in controls}):
            header = widgets.HTML(f"<h3>{html.escape(STEP_TITLES.get(step, f'Step {step}'))}</h3>")
            groups += [header, *(self.rows[c.name].box for c in controls if c.step == step)]
        goal = widgets.VBox(
            [
                widgets.HTML("<h3>Goal-seek: which value of one parameter gives a result you name?</h3>"),
                widgets.HBox([self.goal_result, self.goal_target]),
                widgets.HBox([self.goal_parameter, self.goal_button]),
                self.goal_message,
            ]
        )
        buttons = widgets.HBox([self.reset_button, self.command_button])
        ranking = widgets.HTML(ranking_html(controls))
        top = [self.results, self.status, buttons, self.command_output, ranking, self.bridge_title, self.bridge, goal]
        return widgets.VBox([*top, widgets.HTML("<h2>The assumptions</h2>"), *groups])

    # ------------------------------------------------------------------ events
    def _on_value(self, row: Row, value) -> None:
        if self._quiet:
            return
        if row.control.kind == "number":
            value = snapped(row.control, value)
        self.settings = self.settings.with_value(self.register, row.control.name, value)
        self.refresh()

    def _on_range(self, row: Row, ends) -> None:
        if self._quiet:
            return
        low, high = (snapped(row.control, x) for x in ends)
        self.settings = self.settings.with_range(self.register, row.control.name, low, high)
        self.refresh()

    def set_value(self, name: str, value) -> None:
        """Move ``name``'s value control to ``value``, as a reader would (the app refreshes)."""
        self.rows[name].value.value = value

    def set_range(self, name: str, low, high) -> None:
        """Move ``name``'s range control to ``low``..``high``, as a reader would (the app refreshes)."""
        self.rows[name].range.value = (low, high)

    def reset(self) -> None:
        """Every control back to baseline and the register's range; one refresh."""
        self._quiet = True
        try:
            for row in self.rows.values():
                row.reset()
        finally:
            self._quiet = False
        self.settings = _whatif.Settings()
        self.goal_message.value = ""
        self.refresh()

    def command(self) -> str:
        """The command that rebuilds the report at the present settings (:func:`analysis.whatif.command`)."""
        return _whatif.command(self.settings, self.register)

    def print_command(self) -> None:
        """Print :meth:`command` below the buttons (select it there to copy it)."""
        self.command_output.clear_output()
        with self.command_output:
            try:
                print(self.command())
            except _params.ParameterError as err:
                print(f"no command: {err}")

    def solve(self) -> None:
        """Goal-seek (:func:`analysis.whatif.goal_seek`) and move the parameter's control to the answer."""
        name, result = self.goal_parameter.value, self.goal_result.value
        target = float(self.goal_target.value) * 1e6
        try:
            goal = _whatif.goal_seek(self.settings, result, target, name, self.register, self.data)
        except (ValueError, _params.ParameterError) as err:
            self.goal_message.value = f'<p class="whatif-goal-error" style="color:#a00">{html.escape(str(err))}</p>'
            return
        row = self.rows[name]
        self._quiet = True  # a parameter is held at a value or drawn from a range, not both
        try:
            row.range.value = (row.control.low, row.control.high)
        finally:
            self._quiet = False
        self.settings = self.settings.with_range(self.register, name, row.control.low, row.control.high)
        self.set_value(name, goal.value)
        p = self.register[name]
        self.goal_message.value = (
            f'<p class="whatif-goal">{html.escape(p.label or name)} at {html.escape(format_value(goal.value, p.unit))} '
            f"puts {html.escape(_whatif.RESULTS[result])} at {html.escape(format_value(goal.reached, 'USD'))} "
            f"(target {html.escape(format_value(target, 'USD'))}); the slider is set there, holding it.</p>"
        )

    # ------------------------------------------------------------------ drawing
    def refresh(self) -> None:
        """Recompute and redraw everything from the present settings; a refused setting is shown in one line."""
        try:
            outcome = _whatif.at_values(self.settings, self.register, self.data)
        except _params.ParameterError as err:
            self.status.value = (
                f'<p class="whatif-error" style="color:#a00"><b>Not updated:</b> {html.escape(str(err))}</p>'
            )
            return
        drawn = self._bridge(outcome)  # drawn on the other core while the Monte Carlo runs on this one
        outcome = _whatif.spread(outcome, self.register, self.data, n=self.draws)
        self.outcome = outcome
        self.results.value = results_html(outcome)
        self.status.value = status_html(outcome, self.register)
        self._notes(outcome)
        self.bridge_title.value = f"<h3>{html.escape(bridge_title(outcome))}</h3>"
        self.bridge.value = drawn.result()

    def _bridge(self, outcome: _whatif.Outcome) -> Future:
        """The bridge's PNG, drawn in the background; the last one again when its numbers have not moved."""
        key = bridge_numbers(outcome)
        if key != self._bridge_key:
            try:
                drawn = self._pool.submit(bridge_png, outcome)
            except RuntimeError:  # no threads (Pyodide, in the browser): draw it here
                drawn = Future()
                drawn.set_result(bridge_png(outcome))
            self._bridge_key, self._bridge_png = key, drawn
        return self._bridge_png

    def _notes(self, outcome: _whatif.Outcome) -> None:
        for name, row in self.rows.items():
            if name in outcome.held:
                row.note.value = "<small><b>held</b> at this value, not drawn</small>"
            elif name in outcome.ranges:
                low, high = outcome.ranges[name]
                row.note.value = f"<small><b>drawn</b> from {low:g} to {high:g} (your range)</small>"
            else:
                row.note.value = ""


def ranking_html(controls, count: int = 6) -> str:
    """The parameters that move the results most at baseline, largest first, in words."""
    ranked = sorted((c for c in controls if c.importance > 0), key=lambda c: (-c.importance, c.name))[:count]
    named = "; ".join(f"{html.escape(c.label)}: up to {c.importance:.0%}" for c in ranked)
    return (
        f'<p class="whatif-ranking"><b>What moves the results most</b> (across each range, at baseline): {named}. '
        "Below, each step lists its parameters in that order.</p>"
    )


def results_html(outcome: _whatif.Outcome) -> str:
    """The results table: each at the settings' values, its median and its 90% interval."""
    rows = []
    for key, label in _whatif.RESULTS.items():
        r = outcome.summary.loc[key]
        rows.append(
            f'<tr><th scope="row">{html.escape(label)}</th>'
            f"<td>{html.escape(format_value(r['point'], 'USD'))}</td>"
            f'<td class="whatif-median" data-result="{key}" data-value="{float(r["p50"])!r}">'
            f"{html.escape(format_value(r['p50'], 'USD'))}</td>"
            f"<td>{html.escape(format_value(r['p05'], 'USD'))} to "
            f"{html.escape(format_value(r['p95'], 'USD'))}</td></tr>"
        )
    head = "<tr><th>Result</th><th>At these values</th><th>Median</th><th>90% interval</th></tr>"
    return (
        "<style>.whatif-results th, .whatif-results td {padding: 2px 12px; text-align: left}</style>"
        f'<table class="whatif-results" style="border-collapse:collapse">{head}{"".join(rows)}</table>'
        f"<p><small>Median and interval of {outcome.draws:,} Monte Carlo draws of every parameter not held "
        "(as step 6 draws them); a year of the company is per year.</small></p>"
    )


def status_html(outcome: _whatif.Outcome, register: Mapping) -> str:
    """What the settings hold and what ranges they give, in words (nothing silently loses its spread)."""
    parts = []
    if outcome.held:
        named = ", ".join(
            f"{html.escape(register[n].label or n)} = {html.escape(format_value(outcome.values[n], register[n].unit))}"
            for n in outcome.held
        )
        parts.append(f"<b>Held at a value</b> (their spread is not in the intervals): {named}.")
    changed = _params.differs_from_baseline(register, outcome.values)
    choices = [n for n in changed if n not in outcome.held]
    if choices:
        parts.append(
            "<b>Set</b>: "
            + ", ".join(f"{html.escape(register[n].label or n)} = {outcome.values[n]}" for n in choices)
            + "."
        )
    if outcome.ranges:
        parts.append(
            "<b>Drawn from your range</b>: "
            + ", ".join(
                f"{html.escape(register[n].label or n)} {lo:g} to {hi:g}" for n, (lo, hi) in outcome.ranges.items()
            )
            + "."
        )
    if not parts:
        parts.append("Every parameter at its baseline and drawn from the register's range: the report's baseline.")
    return '<p class="whatif-status">' + " ".join(parts) + "</p>"


def bridge_title(outcome: _whatif.Outcome) -> str:
    """The bridge's finding, at the settings' values."""
    p = outcome.point
    return (
        f"From {format_value(p['cost_final_run_usd'], 'USD')} to {format_value(p['cost_development_usd'], 'USD')} "
        f"to develop V3 and R1; the company spends about {format_value(p['company_cost_per_year_usd'], 'USD')} a year"
    )


def bridge_numbers(outcome: _whatif.Outcome) -> tuple:
    """Every number the bridge draws (its two waterfalls' steps and totals) [USD, USD a year]."""
    return (*outcome.development_bridge()["usd"], *outcome.company_year_bridge()["usd"])


def bridge_spec(outcome: _whatif.Outcome) -> FigureData:
    """Step 6's bridge figure's data at the settings' values (what ``fig06_bridge`` draws)."""
    development, company = outcome.development_bridge(), outcome.company_year_bridge()
    frame = pd.concat(
        [
            development.assign(chart="developing V3 and R1 (US$)"),
            company.assign(chart="a year of the company (US$ a year)"),
        ],
        ignore_index=True,
    )
    return FigureData(
        "fig06_bridge",
        frame[["chart", "step", "usd"]].rename(columns={"usd": "cost_usd"}),
        bridge_title(outcome),
        "",
        (),
        {"development": development["usd"].iloc[:-1].tolist(), "company": company["usd"].iloc[:-1].tolist()},
    )


def bridge_png(outcome: _whatif.Outcome, dpi: int = BRIDGE_DPI) -> bytes:
    """The bridge drawn by step 6's own function (``analysis.plots``, ``fig06_bridge``), as PNG bytes."""
    import matplotlib.pyplot as plt

    _figures.apply_style()
    fig = DRAW["fig06_bridge"](bridge_spec(outcome))
    fig = fig[0] if isinstance(fig, tuple) else fig
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return buffer.getvalue()
