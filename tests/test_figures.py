"""analysis/figures.py and analysis/plots/: the palette table, footers naming publishers, the dark and
narrow variants, each figure once per page, and the top-level figures/ folder."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import matplotlib.colors as mcolors
import pandas as pd
import pytest
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from analysis import figures, plots, steps
from analysis import paths as _paths
from analysis.runner import publish

BASELINE = steps.run_values()


def _small(values: dict) -> dict:
    """The run's values with few Monte Carlo draws (step 6 stays quick)."""
    return dict(values, monte_carlo_draws=2_000)


@pytest.fixture(scope="module")
def step_results() -> dict:
    """Every step at the baseline, by number."""
    values = _small(BASELINE)
    return {n: getattr(steps, f"step{n}")(values) for n in range(1, 7)}


def _hex(colour) -> str:
    return mcolors.to_hex(colour, keep_alpha=False).lower()


def _bar_colours_by_label(fig) -> dict:
    """Tick label (the GPU type) -> face colour of the bars of each axes drawn at that tick."""
    found = {}
    for ax in fig.axes:
        ticks = {round(t, 6): label.get_text() for t, label in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)}
        for patch in ax.patches:
            if isinstance(patch, Rectangle):
                centre = round(patch.get_x() + patch.get_width() / 2, 6)
                if centre in ticks:
                    found.setdefault(ticks[centre], set()).add(_hex(patch.get_facecolor()))
    return found


def _gpu_colours_in(step_results, fig_id: str, theme: str = "light") -> dict:
    """GPU type -> the colours it is drawn in by a figure that shows GPU types."""
    step = step_results[int(fig_id[3:5])]
    fig, _ = plots.draw(step, fig_id, theme)
    found: dict = {}
    try:
        if fig_id == "fig01_fleet_by_gpu_type":
            fig.canvas.draw()
            found = _bar_colours_by_label(fig)
        elif fig_id == "fig02_owned_vs_rented_gpu_hour":
            for line in fig.axes[0].get_lines():
                if line.get_label().startswith("owned "):
                    found.setdefault(line.get_label().split()[1], set()).add(_hex(line.get_color()))
        elif fig_id == "fig03_run_vs_fleet_year":
            for text in fig.axes[0].texts:
                gpu_type = text.get_text().split("\n")[0]
                if gpu_type in figures.GPU_COLOURS:
                    x = text.get_position()[0]  # the middle of its segment of the fleet's bar
                    for patch in fig.axes[0].patches:
                        if patch.get_x() < x < patch.get_x() + patch.get_width():
                            found.setdefault(gpu_type, set()).add(_hex(patch.get_facecolor()))
    finally:
        figures.plt.close(fig)
    return found


GPU_FIGURES = ("fig01_fleet_by_gpu_type", "fig02_owned_vs_rented_gpu_hour", "fig03_run_vs_fleet_year")


def test_each_gpu_type_has_one_colour_in_every_figure(step_results):
    """The H20 (and every other type) is drawn in its palette-table colour in fig01, fig02 and fig03, light
    and dark (it changed colour between fig01 and fig02)."""
    seen: dict = {}
    for fig_id in GPU_FIGURES:
        for theme in ("light", "dark"):
            for gpu_type, colours in _gpu_colours_in(step_results, fig_id, theme).items():
                seen.setdefault(gpu_type, set()).update(colours)
    assert {"H800", "H20"} <= set(seen)
    for gpu_type, colours in seen.items():
        assert colours == {figures.PALETTE[figures.GPU_COLOURS[gpu_type]].lower()}, (gpu_type, colours)


def test_a_type_keeps_its_colour_when_another_type_is_left_out():
    """A run without H20s still draws the A100 vermillion (colours follow the type, not its place)."""
    no_h20 = BASELINE["h800_gpus"] + BASELINE["h100_gpus"]  # the Hopper GPUs that are neither are H20s
    step = steps.step1(dict(BASELINE, hopper_gpus=no_h20))
    fig, _ = plots.draw(step, "fig01_fleet_by_gpu_type")
    fig.canvas.draw()
    try:
        found = _bar_colours_by_label(fig)
    finally:
        figures.plt.close(fig)
    assert found["A100"] == {figures.PALETTE["vermillion"].lower()}
    assert "H20s" not in step.figures["fig01_fleet_by_gpu_type"].title


def _allowed_colours(theme: str) -> set[str]:
    inks = figures.THEMES[theme]
    return {c.lower() for c in figures.PALETTE.values()} | {c.lower() for c in inks.values()} | {"#ffffff"}


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_figure_draws_only_palette_colours(step_results, theme):
    """Every bar, line and marker of every figure takes its colour from the palette table or the theme's inks."""
    allowed = _allowed_colours(theme)
    for step in step_results.values():
        for fig_id in step.figures:
            fig, _ = plots.draw(step, fig_id, theme)
            try:
                used = set()
                for artist in fig.findobj(lambda a: isinstance(a, (Rectangle, Line2D))):
                    if isinstance(artist, Line2D):
                        used.add(_hex(artist.get_color()))
                    elif artist.get_visible() and artist.axes is not None and artist is not artist.axes.patch:
                        used.add(_hex(artist.get_facecolor()))
                assert used <= allowed, (fig_id, theme, used - allowed)
            finally:
                figures.plt.close(fig)


def test_fig02_categories_differ_by_more_than_colour(step_results):
    """Each cost category of the stacked bars has its own hatch (two merged under deuteranopia by colour)."""
    fig, caption = plots.draw(step_results[2], "fig02_yearly_cost_stack")
    try:
        by_label = {}
        for container in fig.axes[0].containers:
            by_label[container.get_label()] = container.patches[0].get_hatch() or ""
    finally:
        figures.plt.close(fig)
    assert len(by_label) >= 5
    assert len(set(by_label.values())) == len(by_label), by_label
    assert "hatched" in caption


def test_footer_names_publishers_not_citation_keys():
    """The footer reads the publisher and year from data/sources.csv; the keys stay in the CSV."""
    sources = ["semianalysis-2025-deepseek-debates", "deepseek-v3-report", "glenn-2025-sa-chart-thread", "assumption"]
    footer = figures.footer_text("fig02_x", sources)
    table = pd.read_csv(_paths.DATA_DIR / "sources.csv").set_index("id")
    for key in sources[:3]:
        assert key not in footer
    assert "SemiAnalysis 2025" in footer
    assert f"DeepSeek-AI {table.loc['deepseek-v3-report', 'date'][:4]}" in footer
    assert "our assumptions" in footer


def test_saved_figure_footer_names_publishers(step_results, tmp_path):
    """The footer stamped on a saved figure is the publishers' one."""
    step = step_results[3]
    fig, caption = plots.draw(step, "fig03_cost_by_stage")
    spec = step.figures["fig03_cost_by_stage"]
    figures.save(
        fig, "fig03_cost_by_stage", spec.title, caption, spec.sources, step.notebook, data=spec.data, out_dir=tmp_path
    )
    texts = [t.get_text() for t in fig.texts]
    figures.plt.close(fig)
    footer = next(t for t in texts if "Figure fig03_cost_by_stage" in t)
    assert "DeepSeek-AI" in footer and "deepseek-v3-report" not in footer


def test_variants_exist_and_are_byte_identical_on_rebuild(step_results, tmp_path):
    """Every figure has a dark, a narrow and a narrow-dark SVG; a second save gives the same bytes."""
    step = step_results[1]
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        entry = plots.save(step, "fig01_fleet_by_gpu_type", out_dir=out)
    assert entry["variants"] == ["dark", "narrow", "narrow-dark"]
    names = sorted(p.name for p in first.iterdir())
    assert {f"fig01_fleet_by_gpu_type-{v}.svg" for v in figures.VARIANTS} <= set(names)
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    dark = (first / "fig01_fleet_by_gpu_type-dark.svg").read_text()
    light = (first / "fig01_fleet_by_gpu_type.svg").read_text()
    assert figures.THEMES["dark"]["background"] in dark and figures.THEMES["dark"]["background"] not in light


def _svg_width_pt(path: Path) -> float:
    return float(re.search(r'<svg[^>]* width="([\d.]+)pt"', path.read_text()).group(1))


def test_narrow_variant_text_is_legible_on_a_phone(step_results, tmp_path):
    """Shown 360 px wide (a 390 px phone less its margins), no text of a narrow variant is under 9 px."""
    shown_px = 360
    for step in step_results.values():
        for fig_id in step.figures:
            fig, _ = plots.draw(step, fig_id, "light", narrow=True)
            spec = step.figures[fig_id]
            with figures.drawing_for("light", narrow=True):
                figures._stamp(fig, fig_id, spec.title, spec.sources, None, narrow=True)
            width_pt = fig.get_figwidth() * 72
            smallest = min(t.get_fontsize() for t in fig.findobj(figures.mpl.text.Text) if t.get_text().strip())
            figures.plt.close(fig)
            assert smallest * shown_px / width_pt >= 9, (fig_id, smallest)
    entry_dir = tmp_path / "n"
    plots.save(step_results[4], "fig04_kv_bytes_by_attention", out_dir=entry_dir)
    assert _svg_width_pt(entry_dir / "fig04_kv_bytes_by_attention-narrow.svg") == figures.NARROW_WIDTH_IN * 72


def test_no_figure_title_has_a_raw_escape(step_results):
    """Titles are plain text: no "US\\$" escapes."""
    for step in step_results.values():
        for fig_id, spec in step.figures.items():
            assert "\\" not in spec.title, fig_id


def test_tornado_data_is_not_empty_when_the_run_holds_every_parameter():
    """A run that holds every ranged parameter gets one row per cost saying so (was an empty CSV)."""
    register = steps.Inputs.load().register
    values = _small(BASELINE)
    for name, p in register.items():
        if p.distribution != "fixed" and p.low is not None and p.low != values[name]:
            values[name] = p.low
        elif p.distribution != "fixed" and p.high is not None and p.high != values[name]:
            values[name] = p.high
    step = steps.step6(values)
    data = step.figures["fig06_tornado"].data
    assert len(data) == 2
    assert (data["swing_usd"] == 0).all() and data["parameter_in_words"].str.startswith("none").all()
    fig, _ = plots.draw(step, "fig06_tornado")
    figures.plt.close(fig)


# --------------------------------------------------------------------------- pages and figures/
FIGURE_IMG = re.compile(r'<img[^>]* src="([^"]*/)?(fig\d{2}_[a-z0-9_]+)\.(?:png|svg)"')


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_each_figure_once_per_page(baseline_build):
    """No page shows a figure twice (the front page showed the bridge three times and eight figures twice)."""
    for page in _pages(baseline_build):
        shown = [m.group(2) for m in FIGURE_IMG.finditer(page.read_text(encoding="utf-8"))]
        repeated = sorted({f for f in shown if shown.count(f) > 1})
        assert not repeated, (page.name, repeated)
    front = (baseline_build / "index.html").read_text(encoding="utf-8")
    manifest = pd.read_csv(baseline_build / "figures" / "figures.csv")
    for fig_id in manifest["id"]:  # every figure is still on the front page, once
        assert len(re.findall(rf'<img[^>]* src="figures/{fig_id}\.png"', front)) == 1, fig_id


def test_pages_serve_the_variants_with_picture(baseline_build):
    """Step pages and the front page offer the dark and narrow variants by media query."""
    page = (baseline_build / "notebooks" / "01_gpu_inventory.html").read_text(encoding="utf-8")
    assert 'media="(prefers-color-scheme: dark)" srcset="../figures/fig01_fleet_by_gpu_type-dark.svg"' in page
    assert 'media="(max-width: 600px)" srcset="../figures/fig01_fleet_by_gpu_type-narrow.svg"' in page
    assert "fig06_bridge-narrow-dark.svg" in (baseline_build / "index.html").read_text(encoding="utf-8")


LINK = re.compile(r'(?:src|href|srcset)="([^"#:]+)(?:#[^"]*)?"')


def test_a_copied_site_resolves_every_figure_link(baseline_build, tmp_path):
    """The built site is self-contained: copied elsewhere, every link to a figure file opens a file."""
    copy = tmp_path / "elsewhere" / "site"
    shutil.copytree(baseline_build, copy)
    checked = 0
    for page in _pages(copy):
        for link in LINK.findall(page.read_text(encoding="utf-8")):
            if "figures/" in link:
                assert (page.parent / link).resolve().is_file(), (page.name, link)
                checked += 1
    assert checked > 17 * 4


def test_citable_figures_copy(baseline_build, tmp_path):
    """figures/ gets each figure's SVG, PNG and CSV, figures.csv and README.md, not the page variants; a
    figure no longer built is removed, another file is left alone."""
    dest = tmp_path / "figures"
    dest.mkdir()
    (dest / "fig99_gone.svg").write_text("old")
    (dest / "notes.txt").write_text("mine")
    names = publish.copy_citable_figures(baseline_build, dest)
    ids = list(pd.read_csv(baseline_build / "figures" / "figures.csv")["id"])
    expected = {f"{i}.{ext}" for i in ids for ext in ("svg", "png", "csv")} | {"figures.csv", "README.md"}
    assert set(names) == expected
    assert {p.name for p in dest.iterdir()} == expected | {"notes.txt"}
    for name in names:
        assert (dest / name).read_bytes() == (baseline_build / "figures" / name).read_bytes()


def test_only_the_committed_baseline_writes_figures(baseline_build):
    """A build into another folder (or of another run) leaves the top-level figures/ alone."""
    plan = SimpleNamespace(
        scenario=SimpleNamespace(name="baseline"),
        differs={},
        ranges={},
        data_dir=None,
        run=None,
        out_dir=baseline_build,
    )
    assert not publish.is_committed_baseline(plan)
    assert publish.publish_citable_figures(plan) is None
    plan.out_dir = _paths.REPORTS_DIR / "baseline"
    assert publish.is_committed_baseline(plan)
    plan.differs = {"gpu_hour_price_usd": (2.0, 3.0)}
    assert not publish.is_committed_baseline(plan)
