"""analysis.results and analysis.figures: recording numbers and saving figures."""

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis import figures, formatting, results


def test_results_refuse_bad_records():
    r = results.Results("03_x")
    r.add("a_usd", 1.5, "USD", "A cost", ["deepseek-v3-report"])
    with pytest.raises(ValueError, match="recorded twice"):
        r.add("a_usd", 2.0, "USD", "Again", ["deepseek-v3-report"])
    with pytest.raises(ValueError, match="lower_snake_case"):
        r.add("Bad-Id", 1, "USD", "x", ["deepseek-v3-report"])
    with pytest.raises(ValueError, match="unknown source id 'nowhere'"):
        r.add("b", 1, "USD", "x", ["nowhere"])
    with pytest.raises(ValueError, match="at least one source"):
        r.add("b", 1, "USD", "x", [])
    with pytest.raises(ValueError, match="must be finite"):
        r.add("b", float("inf"), "USD", "x", ["assumption"])
    with pytest.raises(TypeError, match="must be a number"):
        r.add("b", "12", "USD", "x", ["assumption"])
    assert r["a_usd"] == 1.5 and len(r) == 1


def test_results_serialise_deterministically_and_refuse_clashing_ids():
    items = [
        {"id": "b", "value": 2.0, "unit": "USD", "label": "B", "notebook": "n1", "sources": ["x"], "headline": False},
        {"id": "a", "value": 1, "unit": "GPUs", "label": "A", "notebook": "n1", "sources": ["x"], "headline": True},
    ]
    text = results.to_json(items, {"scenario": "baseline"})
    assert text == results.to_json(list(reversed(items)), {"scenario": "baseline"})
    assert list(json.loads(text)["results"]) == ["a", "b"]
    assert results.to_csv(items).splitlines()[1].startswith("a,1,GPUs,A,n1,x,true")
    with pytest.raises(ValueError, match="recorded by both n1 and n2"):
        results.to_json(items + [{**items[0], "notebook": "n2"}], {})


@pytest.mark.parametrize(
    "value, unit, text",
    [
        (5_576_000.0, "USD", "US$5.58M"),
        (1.6e9, "USD", "US$1.6B"),
        (294_672.0, "USD", "US$295K"),
        (0.0053, "fraction", "0.53%"),
        (2_788_000.0, "GPU-hours", "2,788,000 GPU-hours"),
        (3.2856e24, "FLOP", "3.29 × 10²⁴ FLOP"),
    ],
)
def test_format_value(value, unit, text):
    assert formatting.format_value(value, unit) == text


_DATA = pd.DataFrame({"x": [0, 1, 2], "y_usd": [0.0, 1.0, 4.0]})


def _figure():
    figures.apply_style()
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [0, 1, 4], label="US$2 and US$3")
    ax.set_xlabel("x (units)")
    return fig


def test_figures_are_deterministic_and_stamped(tmp_path, monkeypatch):
    monkeypatch.setenv("DSTC_FIGURES_DIR", str(tmp_path / "a"))
    entry = figures.save(_figure(), "fig99_test", "A finding", "A caption.", ["assumption"], "99_test", data=_DATA)
    monkeypatch.setenv("DSTC_FIGURES_DIR", str(tmp_path / "b"))
    figures.save(_figure(), "fig99_test", "A finding", "A caption.", ["assumption"], "99_test", data=_DATA)
    for ext in ("svg", "png", "csv"):
        a, b = (tmp_path / d / f"fig99_test.{ext}" for d in ("a", "b"))
        assert a.read_bytes() == b.read_bytes(), ext
    svg = (tmp_path / "a" / "fig99_test.svg").read_text()
    assert "<dc:date>" not in svg
    assert entry == {
        "id": "fig99_test",
        "title": "A finding",
        "caption": "A caption.",
        "sources": ["assumption"],
        "notebook": "99_test",
    }
    assert "Figure fig99_test" in figures.footer_text("fig99_test", ["assumption"])
    shipped = pd.read_csv(tmp_path / "a" / "fig99_test.csv", comment="#")
    assert shipped.columns.tolist() == ["x", "y_usd", "source_ids"] and shipped["y_usd"].tolist() == [0.0, 1.0, 4.0]
    assert set(shipped["source_ids"]) == {"assumption"}
    plt.close("all")


@pytest.mark.parametrize("data", [None, pd.DataFrame(), [1, 2]])
def test_a_figure_without_its_numbers_is_refused(tmp_path, monkeypatch, data):
    monkeypatch.setenv("DSTC_FIGURES_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="give the numbers drawn as data=.*named columns"):
        figures.save(_figure(), "fig99_x", "t", "c", ["assumption"], "99_test", data=data)
    assert not list(tmp_path.iterdir()), "nothing is written for a refused figure"
    plt.close("all")


@pytest.mark.parametrize(
    "fid, sources, pattern",
    [
        ("figure1", ["assumption"], "must look like fig03_cost_by_stage"),
        ("fig99_x", [], "at least one source"),
        ("fig99_x", ["nowhere"], "unknown source id 'nowhere'"),
    ],
)
def test_figure_save_refuses_bad_metadata(tmp_path, monkeypatch, fid, sources, pattern):
    monkeypatch.setenv("DSTC_FIGURES_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=pattern):
        figures.save(_figure(), fid, "t", "c", sources, "99_test", data=_DATA)
    plt.close("all")


def test_png_is_matplotlibs_own_rendering_at_300_dpi_without_alpha(tmp_path, monkeypatch):
    import numpy as np
    from PIL import Image

    monkeypatch.setenv("DSTC_FIGURES_DIR", str(tmp_path))
    fig = _figure()
    canvas, dpi = fig.canvas, fig.dpi
    figures.save(fig, "fig99_test", "A finding", "A caption.", ["assumption"], "99_test", data=_DATA)
    assert fig.canvas is canvas and fig.dpi == dpi, "saving must leave the figure as it was"
    fig.savefig(tmp_path / "reference.png", dpi=figures.PNG_DPI)  # what matplotlib itself makes of the laid-out figure
    png = Image.open(tmp_path / "fig99_test.png")
    reference = np.asarray(Image.open(tmp_path / "reference.png"))
    assert png.mode == "RGB" and png.size == (round(fig.get_figwidth() * 300), round(fig.get_figheight() * 300))
    assert round(png.info["dpi"][0]) == 300 and not set(png.info) - {"dpi"}, f"no text chunks expected: {png.info}"
    assert (reference[..., 3] == 255).all(), "the figures are opaque, so no alpha channel is lost"
    assert np.array_equal(np.asarray(png), reference[..., :3])
    plt.close("all")
