"""The runner as a careless or unlucky user meets it: folders it did not make, two builds at once,
Ctrl-C and SIGTERM, a full or read-only disk, hostile text in the data. Real processes where it matters."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from analysis import params, paths, report
from conftest import REPO, run_cli


def _digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) -> SHA-256 of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _one_error_line(stderr: str) -> str:
    """The last line of stderr, checked to be the only ``error:`` line and free of tracebacks."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and stderr.rstrip("\n").splitlines()[-1] == errors[0], stderr
    return errors[0]


@pytest.fixture
def previous_output(tmp_path, baseline_build) -> Path:
    """An earlier good report, as a user has it, in a folder of its own."""
    out = tmp_path / "reports" / "run"
    shutil.copytree(baseline_build, out)
    return out


def _kernel_folders() -> set[str]:
    return {p.name for p in Path(os.environ.get("TMPDIR", "/tmp")).glob(f"{report.KERNEL_SOCKETS_PREFIX}*")}


# --------------------------------------------------------------------------- 1. never delete what it did not make
def test_a_folder_holding_an_unrelated_file_is_refused_and_the_file_survives(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "MY_NOTES.txt").write_text("notes")
    proc = run_cli("report", "--out", str(mine))
    assert proc.returncode == 2
    line = _one_error_line(proc.stderr)
    assert line.startswith(f"error: --out {mine} is a folder the runner did not make (it holds MY_NOTES.txt")
    assert [p.name for p in mine.iterdir()] == ["MY_NOTES.txt"] and (mine / "MY_NOTES.txt").read_text() == "notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"], "nothing is written beside it either"


@pytest.mark.parametrize(
    "out, message",
    [
        (".", "error: --out . is the repository itself; choose a folder of its own, e.g. reports/my-run"),
        ("", "error: --out must name a folder, got an empty path; e.g. --out reports/my-run"),
        (
            "data/scenarios",
            "error: --out data/scenarios is inside data/, which holds the project's own files; "
            "choose a folder of its own, e.g. reports/my-run",
        ),
    ],
)
def test_the_checkout_and_its_data_are_refused(out, message):
    before = {p: p.stat().st_mtime_ns for p in (REPO / "data" / "scenarios").iterdir()}
    proc = run_cli("report", "--out", out)
    assert proc.returncode == 2
    assert _one_error_line(proc.stderr) == message
    assert {p: p.stat().st_mtime_ns for p in (REPO / "data" / "scenarios").iterdir()} == before
    assert (REPO / ".git").exists()


def test_a_file_is_refused_not_replaced(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    proc = run_cli("report", "--out", str(target))
    assert proc.returncode == 2
    assert (
        _one_error_line(proc.stderr) == f"error: --out {target} is a file, not a folder; the runner never replaces it"
    )
    assert target.read_text() == "keep me" and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def _protected(tmp_path, name):
    report_dir = tmp_path / "a-report"
    report_dir.mkdir()
    (report_dir / report.MARKER_NAME).write_text(json.dumps({"built_by": report.BUILT_BY, "files": []}))
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    return {
        "root": ("/", "is the file system root"),
        "home": (str(Path.home()), "is your home folder"),
        "repo": (str(REPO), "is the repository itself"),
        "device": ("/dev/null", "is a device or other special file, not a folder"),
        "notebooks": (str(REPO / "notebooks" / "x"), "is inside notebooks/"),
        "analysis": (str(REPO / "analysis"), "is inside analysis/"),
        "git": (str(REPO / ".git" / "refs"), "is inside .git/"),
        "tests": (str(REPO / "tests" / "out"), "is inside tests/"),
        "tools": (str(REPO / "tools"), "is a folder the runner did not make"),
        "inside a report": (str(report_dir / "figures"), "is inside the report"),
        "symlink": (str(link), "is a symbolic link"),
        "under a file": (str(REPO / "README.md" / "x"), "README.md is a file, not a folder"),
        "name too long": (str(tmp_path / ("x" * 250)), "too long for the file system"),
        "nul": ("a\0b", "must not contain a NUL character"),
    }[name]


@pytest.mark.parametrize(
    "name",
    [
        "root",
        "home",
        "repo",
        "device",
        "notebooks",
        "analysis",
        "git",
        "tests",
        "tools",
        "inside a report",
        "symlink",
        "under a file",
        "name too long",
        "nul",
    ],
)
def test_protected_places_are_refused_in_one_line(tmp_path, name):
    out, expected = _protected(tmp_path, name)
    with pytest.raises(report.OutputRefused) as err:
        report.check_out_dir(out)
    assert expected in str(err.value) and "\n" not in str(err.value) and len(str(err.value)) < 400


def test_an_empty_folder_and_a_report_of_its_own_are_replaced_but_a_report_with_a_foreign_file_is_not(
    tmp_path, baseline_build
):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert report.check_out_dir(empty) == empty
    own = tmp_path / "own"
    shutil.copytree(baseline_build, own)
    assert report.check_out_dir(own) == own
    (own / "notebooks" / "my-edit.txt").write_text("a reader's note")
    with pytest.raises(
        report.OutputRefused, match=r"it holds notebooks/my-edit\.txt, which the report there did not write"
    ):
        report.check_out_dir(own)


def test_every_build_writes_a_marker_listing_its_files(baseline_build):
    marker = json.loads((baseline_build / report.MARKER_NAME).read_text())
    assert marker["built_by"] == "python -m analysis report" and marker["scenario"] == "baseline"
    assert marker["report_version"] == report.__version__
    on_disk = sorted(p.relative_to(baseline_build).as_posix() for p in baseline_build.rglob("*") if p.is_file())
    assert marker["files"] == [f for f in on_disk if f != report.MARKER_NAME]


def test_the_committed_baseline_carries_the_marker_of_a_fresh_build(baseline_build):
    committed = REPO / "reports" / "baseline" / report.MARKER_NAME
    assert committed.read_text() == (baseline_build / report.MARKER_NAME).read_text(), (
        "reports/baseline/.dstc-report.json is stale: run `make report` and commit it"
    )


def test_leftovers_of_a_killed_build_are_tidied_and_a_moved_aside_output_is_put_back(tmp_path, baseline_build):
    out = tmp_path / "run"
    old = tmp_path / ".run.old-abcd1234"
    shutil.copytree(baseline_build, old)  # killed (SIGKILL) between moving the old output aside and publishing
    (tmp_path / ".run.building-efgh5678" / "notebooks").mkdir(parents=True)
    report._recover_leftovers(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert _digest(out) == _digest(baseline_build)


# --------------------------------------------------------------------------- 2. one build per folder
def test_a_build_into_a_locked_folder_is_refused_with_the_holder_pid(tmp_path):
    out = tmp_path / "run"
    with report.OutputLock(out):
        proc = run_cli("report", "--out", str(out))
        with report.OutputLock(tmp_path / "other"):  # another folder: side by side
            pass
    assert proc.returncode == 2
    assert _one_error_line(proc.stderr) == (
        f"error: another build is writing {out} (pid {os.getpid()}); wait for it or choose another --out"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "the lock file goes with its holder"


def test_a_crashed_build_never_leaves_its_folder_locked(tmp_path):
    out = tmp_path / "run"
    code = (
        "import os; from analysis import report; "
        f"report.OutputLock(__import__('pathlib').Path({str(out)!r})).acquire(); "
        "os.kill(os.getpid(), 9)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=60)
    assert proc.returncode == -9
    with report.OutputLock(out):  # the operating system released it
        pass


@pytest.mark.slow
def test_two_concurrent_builds_into_one_folder_never_publish_a_mix(tmp_path):
    out = tmp_path / "run"
    first = subprocess.Popen(
        [sys.executable, "-m", "analysis", "report", "--out", str(out), "--jobs", "2", "-p", "gpu_hour_price_usd", "3"],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stderr.readline().startswith("Building report"), "the first build started"
        second = run_cli("report", "--out", str(out), "--jobs", "2")
        rest = first.stderr.read()
        assert first.wait(timeout=300) == 0, rest
    finally:
        first.kill()
    assert second.returncode == 2
    assert _one_error_line(second.stderr).startswith(f"error: another build is writing {out} (pid {first.pid})")
    # Every file of the result belongs to the first run: its marker lists exactly what is there,
    # its results and every executed notebook carry its parameter.
    marker = json.loads((out / report.MARKER_NAME).read_text())
    assert marker["files"] == sorted(set(_digest(out)) - {report.MARKER_NAME})
    assert json.loads((out / "results.json").read_text())["meta"]["parameters"]["gpu_hour_price_usd"] == 3.0
    for nb in (out / "notebooks").glob("*.ipynb"):
        injected = json.loads(nb.read_text())["metadata"]["papermill"]["parameters"]
        assert injected.get("gpu_hour_price_usd", 3.0) == 3.0, nb.name
    assert "8.364M" in (out / "notebooks" / "03_pretraining_estimate.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"], "no temporary folder or lock file is left"


# --------------------------------------------------------------------------- 4. interrupts
def _alive(processes):
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.mark.slow
@pytest.mark.parametrize(
    "signum, moment",
    [
        (signal.SIGINT, 1.0),
        (signal.SIGTERM, 1.0),  # while checking inputs or starting workers
        (signal.SIGINT, "Building"),
        (signal.SIGTERM, "Building"),  # kernels starting
        (signal.SIGINT, "[1/"),
        (signal.SIGTERM, "[1/"),  # kernels running, notebooks queued
    ],
)
def test_an_interrupt_stops_everything_and_leaves_the_previous_output(previous_output, signum, moment):
    before = _digest(previous_output)
    folders_before = _kernel_folders()
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", "report", "--out", str(previous_output), "--jobs", "2"],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        seen = ""
        if isinstance(moment, float):
            time.sleep(moment)
        else:
            while moment not in seen:
                line = proc.stderr.readline()
                assert line, f"the build ended before {moment!r}: {seen}"
                seen += line
            if moment == "Building":
                time.sleep(1.0)
        started = psutil.Process(proc.pid).children(recursive=True)  # workers and kernels, at the moment of the signal
        proc.send_signal(signum)
        stderr = seen + proc.stderr.read()
        assert proc.wait(timeout=30) == 128 + signum
    finally:
        proc.kill()
    line = _one_error_line(stderr)
    assert line.startswith(f"error: interrupted ({signal.Signals(signum).name})") and len(line) < 200, line
    deadline = time.monotonic() + 5
    while _alive(started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(started), f"left running: {_alive(started)}"
    session = [p for p in psutil.process_iter() if p.pid != os.getpid() and _sid(p.pid) == proc.pid]
    assert not _alive(session)
    assert sorted(p.name for p in previous_output.parent.iterdir()) == ["run"], "no .building, .old or lock is left"
    assert _digest(previous_output) == before, "the previous output must be exactly as it was"
    assert _kernel_folders() <= folders_before, "the kernels' socket folder is removed"


def _sid(pid):
    try:
        return os.getsid(pid)
    except OSError:
        return None


TINY_NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# Step 9: a tiny notebook"},
        {
            "cell_type": "code",
            "id": "b",
            "metadata": {"tags": ["parameters"]},
            "execution_count": None,
            "outputs": [],
            "source": "gpu_hour_price_usd: float = 2.0  # USD per GPU-hour; deepseek-v3-report",
        },
        {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": None, "outputs": [], "source": "1 + 1"},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_after_the_old_output_was_moved_aside_puts_it_back(tmp_path, previous_output, monkeypatch, signum):
    """The swap itself: the signal arrives between moving the old output aside and putting the new one in place."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "99_tiny.ipynb").write_text(json.dumps(TINY_NOTEBOOK))
    before = _digest(previous_output)
    plan = report.plan_report("baseline", out=previous_output, notebooks_dir=notebooks)
    rename = Path.rename

    def rename_then_signal(self, target):
        result = rename(self, target)
        if Path(self) == previous_output.resolve():
            os.kill(os.getpid(), signum)  # the old output is aside now
        return result

    monkeypatch.setattr(Path, "rename", rename_then_signal)
    with pytest.raises(report.Interrupted) as err:
        report.run_report(plan, jobs=1, progress=lambda m: None)
    assert err.value.exit_code == 128 + signum and err.value.published is None
    assert "earlier outputs were left as they were" in str(err.value)
    assert _digest(previous_output) == before
    assert sorted(p.name for p in previous_output.parent.iterdir()) == ["run"]


# --------------------------------------------------------------------------- 3. scenario files given by path
def test_a_scenario_file_given_by_path_builds_into_a_folder_of_its_own(tmp_path):
    folder = tmp_path / "my scenarios"
    folder.mkdir()
    path = folder / "baseline.yaml"
    shutil.copyfile(REPO / "data" / "scenarios" / "baseline.yaml", path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    plan = report.plan_report(str(path))
    assert plan.out_dir == paths.REPORTS_DIR / f"baseline-{digest}", "never onto the committed reports/baseline/"
    assert plan.rerun_command() == f"python -m analysis report --scenario '{path}'"
    # The registered file itself, by path, is the registered scenario.
    registered = report.plan_report(str(REPO / "data" / "scenarios" / "high.yaml"))
    assert registered.out_dir == paths.REPORTS_DIR / "high"


def test_the_default_folder_for_many_overrides_is_shortened_with_a_hash():
    register = params.load_register()
    numeric = [n for n, p in register.items() if p.type == "float" and p.low is not None][:12]
    overrides = [(n, repr(float(register[n].low) * 1.000000001)) for n in numeric]
    plan = report.plan_report("baseline", overrides)
    name = plan.out_dir.name
    assert len(name.encode()) <= report.MAX_DEFAULT_NAME_BYTES and name.startswith("baseline+")
    other = report.plan_report("baseline", overrides[:-1]).out_dir.name
    assert other != name, "the hash keeps two long names apart"


# --------------------------------------------------------------------------- 6. bad inputs, one line each
def _scenario(tmp_path, text: str | bytes, name="s.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


ALIAS_BOMB = (
    "description: lol\nsources: [assumption]\noverrides:\n  gpu_hour_price_usd: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    + "".join(f"  x{i}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
)


def test_an_alias_bomb_is_refused_at_once_in_a_short_message(tmp_path):
    path = _scenario(tmp_path, ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 600
    started = time.perf_counter()
    with pytest.raises(report._data.DataError) as err:
        params.load_scenario(path)
    assert time.perf_counter() - started < 1.0
    assert (
        str(err.value)
        == f"scenario file {path} (line 4): YAML anchors and aliases (&name, *name) are not allowed in a scenario; "
        "write each value out"
    )
    proc = run_cli("report", "--scenario", str(path))
    assert proc.returncode == 2 and len(_one_error_line(proc.stderr)) < 200


@pytest.mark.parametrize(
    "content, expected",
    [
        (
            b"\xef\xbb\xbfdescription: x\n",
            "starts with a UTF-8 byte-order mark (bytes 0 to 2); save the file as UTF-8 without a BOM",
        ),
        (b"description: caf\xe9\n", "byte 0xe9 at offset 16 (line 1) is not UTF-8; save the file as UTF-8"),
        (
            "description: x\nsources: [assumption]\noverrides: {a: " + "[" * 20000 + "]" * 20000 + "}\n",
            "nested deeper than 10 levels",
        ),
        (
            "description: x\nsources: [assumption]\noverrides:\n  h100_gpus: 1\n  h100_gpus: 2\n",
            "(line 5): key 'h100_gpus' appears twice (first on line 4); give each key once",
        ),
        (
            "description: x\nsources: [assumption]\noverrides: {}\n#" + "x" * 1_000_001 + "\n",
            "bytes; a scenario file must be at most 1,000,000 bytes",
        ),
        (
            "description: x\nsources: [assumption]\noverrides:\n  as_of_date: 2025-2-28\n",
            "as_of_date = 2025-2-28 has the wrong type: as_of_date must be a date YYYY-MM-DD",
        ),
    ],
)
def test_bad_scenario_files_are_one_line_exit_2(tmp_path, content, expected):
    path = _scenario(tmp_path, content)
    proc = run_cli("report", "--scenario", str(path), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    line = _one_error_line(proc.stderr)
    assert expected in line and len(line) < 300, line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "file, edit, expected",
    [
        ("gpus.csv", lambda b: b.replace(b"Hopper", b"H\xf6pper", 1), "error: data/gpus.csv: byte 0xf6 at offset"),
        ("models.csv", lambda b: b"\xef\xbb\xbf" + b, "error: data/models.csv: starts with a UTF-8 byte-order mark"),
        (
            "cost_exclusions.csv",
            lambda b: b.splitlines(keepends=True)[0],
            "error: data/cost_exclusions.csv: has a header but no data rows; at least one row is required",
        ),
        (
            "sources.csv",
            lambda b: b.replace(b",2026-11-28,", b",20261128,", 1),
            "must be a date written YYYY-MM-DD, got '20261128'",
        ),
    ],
)
def test_bad_data_files_are_one_line_in_report_and_check(data_copy, tmp_path, file, edit, expected):
    path = data_copy / file
    path.write_bytes(edit(path.read_bytes()))
    for command in (["report", "--out", str(tmp_path / "out")], ["check"]):
        proc = run_cli(*command, env={"DSTC_DATA_DIR": str(data_copy)})
        assert proc.returncode == 2, (command, proc.stderr)
        assert expected in _one_error_line(proc.stderr), proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_non_utf8_scenario_is_one_line_in_check_and_scenarios(data_copy):
    (data_copy / "scenarios" / "broken.yaml").write_bytes(b"description: caf\xe9\n")
    for command in ("check", "scenarios"):
        proc = run_cli(command, env={"DSTC_DATA_DIR": str(data_copy)})
        assert proc.returncode == 2
        assert _one_error_line(proc.stderr) == (
            f"error: scenario file {data_copy / 'scenarios' / 'broken.yaml'}: byte 0xe9 "
            "at offset 16 (line 1) is not UTF-8; save the file as UTF-8"
        )


def _in_mount_namespace(script: str) -> subprocess.CompletedProcess:
    """Run a shell script in a private mount namespace (root, or an unprivileged user namespace);
    skip if neither works.
    """
    for prefix in (["unshare", "--mount"], ["unshare", "--map-root-user", "--mount"]):
        if shutil.which(prefix[0]) is None:
            break
        probe = subprocess.run([*prefix, "true"], capture_output=True)
        if probe.returncode == 0:
            return subprocess.run(
                [*prefix, "sh", "-c", script],
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=300,
                env={**os.environ, "PYTHON": sys.executable},
            )
    pytest.skip("needs a private mount namespace (unshare) to mount a small or read-only file system")


def test_a_read_only_destination_is_one_line_exit_2(tmp_path):
    mnt = tmp_path / "ro"
    mnt.mkdir()
    proc = _in_mount_namespace(
        f'mount -t tmpfs -o ro,size=1m tmpfs "{mnt}" && exec "$PYTHON" -m analysis report --out "{mnt}/out"'
    )
    assert proc.returncode == 2, proc.stderr
    assert _one_error_line(proc.stderr) == (
        f"error: --out {mnt}/out: cannot write in {mnt} (no permission, or a read-only "
        "file system); choose a folder you can write to"
    )


@pytest.mark.slow
def test_a_full_destination_is_one_line_and_leaves_nothing_half_written(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    proc = _in_mount_namespace(
        f'mount -t tmpfs -o size=600k tmpfs "{mnt}" && "$PYTHON" -m analysis report --out "{mnt}/out" --jobs 2; '
        f'rc=$?; ls -A "{mnt}" >&2; exit $rc'
    )
    assert proc.returncode in (1, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "no space left" in errors[0].lower(), proc.stderr
    assert "out\n" not in proc.stderr.split(errors[0])[-1], "no report was published"


# --------------------------------------------------------------------------- 5. text is text
PAYLOAD = "<img src=x onerror=alert(1)>"


@pytest.mark.slow
def test_an_html_payload_in_a_data_row_is_escaped_on_every_page(tmp_path, data_copy):
    path = data_copy / "api_prices.csv"
    text = path.read_text()
    assert "Google,gemini-2.0-flash-lite," in text
    path.write_text(text.replace("Google,gemini-2.0-flash-lite,", f"Google,{PAYLOAD},"))
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copyfile(REPO / "notebooks" / "05_competitive_pricing.ipynb", notebooks / "05_competitive_pricing.ipynb")
    plan = report.plan_report("baseline", out=tmp_path / "out", notebooks_dir=notebooks, data_dir=data_copy)
    out = report.run_report(plan, jobs=1, progress=lambda m: None)
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 5  # the front page, the bibliography, the glossary and the notebook's two views
    for page in pages:
        html = page.read_text()
        assert "<img src=x" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", ""), page.name
    for view in ("05_competitive_pricing.html", "05_competitive_pricing.code.html"):
        assert "&lt;img src=x onerror=alert(1)&gt;" in (out / "notebooks" / view).read_text(), view
