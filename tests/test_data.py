"""analysis.data: every file loads, and every broken rule is caught with file, row and column."""

import re

import pytest

from analysis import data, paths, validation


def test_every_data_file_loads():
    counts = data.validate_all()
    assert set(counts) == {p.name for p in paths.DATA_DIR.glob("*.csv")}, "every CSV in data/ needs a schema"
    assert all(n > 0 for n in counts.values())


def test_numeric_columns_carry_units_in_their_names():
    for schema in data.SCHEMAS.values():
        for col in schema.columns:
            if col.numeric and schema.file not in (
                "published_figures.csv",
                "benchmarks.csv",
                "claims.csv",
            ):  # values in the unit of another column or result
                assert ("_" + col.name).endswith(validation.UNIT_SUFFIXES), (
                    f"{schema.file}: column {col.name} has no unit suffix"
                )


def test_physical_quantities_are_bounded_below():
    for schema in data.SCHEMAS.values():
        for col in schema.columns:
            if col.numeric and schema.file not in ("published_figures.csv", "claims.csv") and col.name != "tolerance":
                assert col.min is not None and col.min >= 0, f"{schema.file}: {col.name} must be non-negative"


def test_every_source_has_an_id_title_and_url():
    sources = data.load_sources()
    assert sources["id"].is_unique
    assert (sources.loc[sources["id"] != "assumption", "url"].str.startswith("https://")).all()


def _rewrite(path, old, new):
    text = path.read_text()
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    "file, old, new, loader, pattern",
    [
        # a negative GPU-hour count
        (
            "training_runs.csv",
            ",2664000,5328000,",
            ",-2664000,5328000,",
            data.load_training_runs,
            r"^data/training_runs\.csv, row 1 \(line 2\), column gpu_hours: must be >= 0, got -2664000$",
        ),
        # text where a number belongs
        (
            "gpus.csv",
            "H800,Hopper,989.5,",
            "H800,Hopper,fast,",
            data.load_gpus,
            r"^data/gpus\.csv, row 1 \(line 2\), column dense_bf16_tflops: must be a number, got 'fast'$",
        ),
        # a source id that is not registered
        (
            "models.csv",
            "2048,H800,deepseek-v3-report,",
            "2048,H800,deepseek-v9-report,",
            data.load_models,
            r"^data/models\.csv, row 1 \(line 2\), column source_ids: unknown source id 'deepseek-v9-report'",
        ),
        # two rows with one key
        (
            "training_runs.csv",
            "r1-rl,DeepSeek-R1",
            "r1-zero-rl,DeepSeek-R1",
            data.load_training_runs,
            r"^data/training_runs\.csv, row 6 \(line 7\), column run_id: duplicate key r1-zero-rl \(first on row 4\)$",
        ),
        # GPU-hours that do not match GPUs x hours
        (
            "training_runs.csv",
            "512,198,101376",
            "512,198,101000",
            data.load_training_runs,
            r"^data/training_runs\.csv, row 4 \(line 5\), column gpu_hours: "
            r"must equal gpus x wall_clock_hours = 101376, got 101000$",
        ),
        # a required cell left empty
        (
            "cost_exclusions.csv",
            "Staff,",
            ",",
            data.load_cost_exclusions,
            r"^data/cost_exclusions\.csv, row 5 \(line 6\), column item: must not be empty$",
        ),
        # a renamed (unit-less) column
        (
            "gpus.csv",
            "hbm_gb,",
            "hbm,",
            data.load_gpus,
            r"^data/gpus\.csv: header must be .* \(missing hbm_gb; unexpected hbm\)$",
        ),
        # a row with a cell too many
        (
            "models.csv",
            "DeepSeek-R1,671,",
            "DeepSeek-R1,671,1,",
            data.load_models,
            r"^data/models\.csv, row 2 \(line 3\): has 9 cells, expected 8$",
        ),
        # a bad date in the source registry
        (
            "sources.csv",
            "2024-12-27,https://arxiv.org/abs/2412.19437",
            "27/12/2024,https://arxiv.org/abs/2412.19437",
            data.load_sources,
            r"^data/sources\.csv, row 3 \(line 4\), column date: must be a date written YYYY-MM-DD, got '27/12/2024'$",
        ),
        # a boolean that is not true/false
        (
            "training_runs.csv",
            ",5328000,true,",
            ",5328000,yes,",
            data.load_training_runs,
            r"^data/training_runs\.csv, row 1 \(line 2\), column in_v3_table_1: must be true or false, got 'yes'$",
        ),
    ],
)
def test_broken_rows_are_caught_with_file_row_and_column(data_copy, file, old, new, loader, pattern):
    _rewrite(data_copy / file, old, new)
    with pytest.raises(data.DataError) as err:
        loader(data_copy)
    message = str(err.value)
    assert "\n" not in message
    assert re.match(pattern, message), message


def test_missing_file_is_named(data_copy):
    (data_copy / "gpus.csv").unlink()
    with pytest.raises(data.DataError, match=r"^data/gpus\.csv: file not found$"):
        data.load_gpus(data_copy)


@pytest.mark.parametrize(
    "content, pattern",
    [
        ("description: x\nsources: [assumption]\n", "missing key 'overrides'"),
        ("description: x\nsources: [assumption]\noverrides: {}\nextra: 1\n", "unknown key 'extra'"),
        ("- just\n- a list\n", "must be a mapping"),
        ("description: x\nsources: [assumption\noverrides: {}\n", "not valid YAML"),
        ("description: ''\nsources: [assumption]\noverrides: {}\n", "'description' must be a non-empty string"),
        ("description: x\nsources: assumption\noverrides: {}\n", "'sources' must be a non-empty list"),
        ("description: x\nsources: [assumption]\noverrides: [1, 2]\n", "'overrides' must be a mapping"),
    ],
)
def test_malformed_scenario_files_are_refused(tmp_path, content, pattern):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(data.DataError, match=re.escape(pattern)):
        data.read_scenario_file(path)


def test_data_readme_describes_every_file():
    readme = (paths.DATA_DIR / "README.md").read_text()
    for path in sorted(paths.DATA_DIR.glob("*.csv")):
        assert f"`{path.name}`" in readme, f"data/README.md does not describe {path.name}"


@pytest.mark.parametrize(
    "edit, pattern",
    [
        (
            lambda b: b"\xef\xbb\xbf" + b,
            r"^data/gpus\.csv: starts with a UTF-8 byte-order mark \(bytes 0 to 2\); "
            r"save the file as UTF-8 without a BOM$",
        ),
        (lambda b: b"\xff\xfe" + b, r"^data/gpus\.csv: starts with a UTF-16 byte-order mark"),
        (
            lambda b: b.replace(b"Hopper", b"H\xf6pper", 1),
            r"^data/gpus\.csv: byte 0xf6 at offset \d+ \(line 2\) is not UTF-8; save the file as UTF-8$",
        ),
        (
            lambda b: b.replace(b"Hopper", b"Hop\x00per", 1),
            r"^data/gpus\.csv: a NUL byte at offset \d+ \(line 2\); a text file in UTF-8 is expected$",
        ),
        (
            lambda b: b.splitlines(keepends=True)[0],
            r"^data/gpus\.csv: has a header but no data rows; at least one row is required$",
        ),
        (
            lambda b: b.replace(b"Hopper", b"x" * 200_000, 1),
            r"^data/gpus\.csv: line 2: not valid CSV \(field larger than field limit",
        ),
    ],
)
def test_bytes_that_are_not_a_table_are_one_line(data_copy, edit, pattern):
    path = data_copy / "gpus.csv"
    path.write_bytes(edit(path.read_bytes()))
    with pytest.raises(data.DataError) as err:
        data.load_gpus(data_copy)
    assert re.match(pattern, str(err.value)) and "\n" not in str(err.value), str(err.value)


def test_dates_in_data_are_yyyy_mm_dd_only():
    assert validation.parse_date("2025-02-28").isoformat() == "2025-02-28"
    for text in ("20250228", "2025-2-28", "2025-02-28T00:00", "2025-W09-5", "2025-02-30"):
        with pytest.raises(ValueError, match="must be a date written YYYY-MM-DD"):
            validation.parse_date(text)


@pytest.mark.parametrize(
    "content, pattern",
    [
        (
            "a: &x 1\nb: *x\n",
            "(line 1): YAML anchors and aliases (&name, *name) are not allowed in a scenario; write each value out",
        ),
        (
            "description: x\nsources: [assumption]\noverrides: {a: " + "[" * 50 + "]" * 50 + "}\n",
            "(line 3): nested deeper than 10 levels",
        ),
        (
            "description: x\ndescription: y\nsources: [assumption]\noverrides: {}\n",
            "(line 2): key 'description' appears twice (first on line 1)",
        ),
        (
            "description: x\nsources: [assumption]\noverrides: !!python/object:os.system {}\n",
            "not valid YAML: could not determine a constructor",
        ),
    ],
)
def test_scenario_yaml_is_refused_beyond_what_a_scenario_needs(tmp_path, content, pattern):
    path = tmp_path / "s.yaml"
    path.write_text(content)
    with pytest.raises(data.DataError) as err:
        data.read_scenario_file(path)
    assert str(err.value).startswith(f"scenario file {path}") and pattern in str(err.value), str(err.value)
    assert "\n" not in str(err.value)


def test_a_scenario_over_1_mb_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("description: x\n#" + "x" * data.MAX_SCENARIO_BYTES)
    with pytest.raises(data.DataError, match=r"bytes; a scenario file must be at most 1,000,000 bytes$"):
        data.read_scenario_file(path)
