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
def interruptible():
    """Ctrl-C and SIGTERM at their defaults in this process while the test runs (the suite may be started
    from a background job or nohup, with SIGINT ignored, and the runner then leaves it ignored)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


@pytest.fixture
def previous_output(tmp_path, baseline_build) -> Path:
    """An earlier good report, as a user has it, in a folder of its own."""
    out = tmp_path / "reports" / "run"
    shutil.copytree(baseline_build, out)
    return out


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
    building = tmp_path / ".run.building-efgh5678"
    (building / "notebooks").mkdir(parents=True)
    (building / report.MARKER_NAME).write_text(json.dumps({"built_by": report.BUILT_BY, "files": []}))
    (tmp_path / ".run.building-empty123").mkdir()  # made, then killed before it was marked
    report._recover_leftovers(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert _digest(out) == _digest(baseline_build)


def test_only_temporary_folders_carrying_the_marker_are_removed(tmp_path):
    """A folder that merely has a temporary folder's name (``.<name>.building-*``) is not the runner's."""
    mine = tmp_path / ".run.building-my-work"
    (mine / "sub").mkdir(parents=True)
    (mine / "notes.txt").write_text("mine")
    report._recover_leftovers(tmp_path / "run")
    assert (mine / "notes.txt").read_text() == "mine" and (mine / "sub").is_dir()


def test_a_folder_of_empty_folders_is_not_empty(tmp_path, baseline_build):
    folders = tmp_path / "folders"
    (folders / "2025" / "january").mkdir(parents=True)
    with pytest.raises(report.OutputRefused, match=r"it holds 2025/ and no \.dstc-report\.json marker"):
        report.check_out_dir(folders)
    own = tmp_path / "own"
    shutil.copytree(baseline_build, own)
    (own / "my-drafts").mkdir()
    with pytest.raises(report.OutputRefused, match=r"it holds my-drafts/, which the report there did not write"):
        report.check_out_dir(own)


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


@pytest.mark.parametrize("kind", ["symlink", "file"])
def test_the_lock_never_follows_a_link_nor_touches_a_file_it_did_not_make(tmp_path, kind):
    victim = tmp_path / "precious.txt"
    victim.write_text("precious\n")
    lock_path = tmp_path / ".run.lock"
    if kind == "symlink":
        lock_path.symlink_to(victim)
    else:
        lock_path.write_text("precious\n")
    with pytest.raises(report.OutputRefused) as err:
        report.OutputLock(tmp_path / "run").acquire()
    what = "a symbolic link" if kind == "symlink" else "a file with other content"
    assert str(err.value) == (
        f"{lock_path} is {what}, not a lock file of this runner; the runner leaves it as it is: "
        "move it away or choose another --out"
    )
    assert victim.read_text() == "precious\n" and lock_path.is_symlink() == (kind == "symlink")
    assert lock_path.read_text() == "precious\n", "neither truncated nor removed"
    proc = run_cli("report", "--out", str(tmp_path / "run"))
    assert proc.returncode == 2 and _one_error_line(proc.stderr) == f"error: {err.value}"
    assert victim.read_text() == "precious\n" and lock_path.read_text() == "precious\n"


def test_the_lock_file_a_killed_build_left_is_taken_over_and_removed(tmp_path):
    (tmp_path / ".run.lock").write_text("999999 python -m analysis report\n")
    with report.OutputLock(tmp_path / "run") as lock:
        assert (tmp_path / ".run.lock").read_text() == f"{os.getpid()} python -m analysis report\n"
        assert lock.fd is not None
    assert sorted(tmp_path.iterdir()) == []


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


@pytest.fixture
def own_tmpdir(tmp_path) -> Path:
    """A temporary folder of this test's own, for the runner's TMPDIR and JUPYTER_RUNTIME_DIR:
    what is left there was left by this test's build, whatever else runs on the machine."""
    folder = tmp_path / "tmp"
    (folder / "runtime").mkdir(parents=True)
    return folder


def _child_setup() -> None:
    """In the runner's process, before it starts: the stop signals at their defaults (the test may run
    with SIGINT or SIGHUP ignored, from a background job or nohup, and a child inherits that) and no
    core file (SIGQUIT)."""
    import resource

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _start_runner(out: Path, tmpdir: Path) -> subprocess.Popen:
    """``python -m analysis report --out OUT --jobs 2`` in a session of its own, with this test's TMPDIR."""
    env = {**os.environ, "TMPDIR": str(tmpdir), "JUPYTER_RUNTIME_DIR": str(tmpdir / "runtime")}
    return subprocess.Popen(
        [sys.executable, "-m", "analysis", "report", "--out", str(out), "--jobs", "2"],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_child_setup,
        env=env,
    )


def _wait_for_line(proc: subprocess.Popen, text: str) -> str:
    """Read the runner's stderr until a line holds ``text`` (an event, not a time); return what was read."""
    seen = ""
    while text not in seen:
        line = proc.stderr.readline()
        assert line, f"the build ended before {text!r}: {seen}"
        seen += line
    return seen


def _wait_until_gone(processes, timeout_s: float = 15.0) -> list:
    """The processes still alive once all are gone or ``timeout_s`` has passed (waiting on each process)."""
    try:
        psutil.wait_procs(processes, timeout=timeout_s)
    except psutil.Error:
        pass
    return _alive(processes)


def _leftover_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())


#: The moments a signal arrives, each the runner's own line: the build has started (the lock is held, the
#: temporary folder made, the pool starting); the workers have started (kernels starting); a notebook is
#: done (kernels running, notebooks queued).
MOMENTS = ("Building report", "workers started", "[1/")


@pytest.mark.slow
@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_stops_everything_and_leaves_the_previous_output(previous_output, own_tmpdir, signum, moment):
    before = _digest(previous_output)
    proc = _start_runner(previous_output, own_tmpdir)
    try:
        seen = _wait_for_line(proc, moment)
        started = psutil.Process(proc.pid).children(recursive=True)  # workers and kernels, at the moment of the signal
        proc.send_signal(signum)
        stderr = seen + proc.stderr.read()
        assert proc.wait(timeout=60) == 128 + signum, stderr
    finally:
        proc.kill()
    line = _one_error_line(stderr)
    assert line.startswith(f"error: interrupted ({signal.Signals(signum).name})") and len(line) < 200, line
    assert not _wait_until_gone(started), f"left running: {_alive(started)}"
    session = [p for p in psutil.process_iter() if p.pid != os.getpid() and _sid(p.pid) == proc.pid]
    assert not _alive(session)
    assert sorted(p.name for p in previous_output.parent.iterdir()) == ["run"], "no .building, .old or lock is left"
    assert _digest(previous_output) == before, "the previous output must be exactly as it was"
    assert _leftover_files(own_tmpdir) == [], "kernel sockets and connection files (signing keys) are removed"


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGQUIT, signal.SIGHUP])
def test_workers_and_kernels_die_with_the_runner_however_it_ends(previous_output, own_tmpdir, signum):
    """SIGKILL (and the out-of-memory killer, which sends it) and SIGQUIT end the runner without a word:
    its workers and their kernels end with it. SIGHUP (the terminal closed) is an interrupt."""
    before = _digest(previous_output)
    proc = _start_runner(previous_output, own_tmpdir)
    try:
        _wait_for_line(proc, "[1/")
        started = psutil.Process(proc.pid).children(recursive=True)
        kernels = [p for p in started if "ipykernel" in " ".join(p.cmdline())]
        proc.send_signal(signum)
        stderr = proc.stderr.read()
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
    assert kernels, "a kernel was running when the runner ended"
    assert not _wait_until_gone(started), f"left running: {_alive(started)}"
    if signum == signal.SIGHUP:
        assert code == 128 + signum and _one_error_line(stderr).startswith("error: interrupted (SIGHUP)")
    else:
        assert code == -signum
        # What the killed build left is marked as the runner's, so the next build (or `make clean`) removes it.
        from analysis.runner import build, execute

        assert execute.remove_stale_kernel_folders(str(own_tmpdir)), "the kernels' folder was left, marked"
        build.clean(previous_output.parent, say=lambda m: None)
    assert sorted(p.name for p in previous_output.parent.iterdir()) == ["run"]
    assert _digest(previous_output) == before
    assert _leftover_files(own_tmpdir) == [], "kernel sockets and connection files (signing keys) are removed"


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


def _no_scan(*args, **kwargs):
    raise AssertionError("the runner looked at the machine's processes")


DROPPING_NOTEBOOK = {
    **TINY_NOTEBOOK,
    "cells": TINY_NOTEBOOK["cells"][:2]
    + [
        {
            "cell_type": "code",
            "id": "c",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "import os, pathlib\n"
            "drop = pathlib.Path(os.environ['DSTC_TEST_DROP'])  # a reader saves notes there during the build\n"
            "drop.parent.mkdir(exist_ok=True)\n"
            "drop.write_text('my notes')",
        },
    ],
}


@pytest.mark.parametrize("existed", [True, False])
def test_a_file_put_into_out_during_the_build_is_kept_and_the_new_report_set_aside(
    tmp_path, baseline_build, monkeypatch, existed
):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "99_drops.ipynb").write_text(json.dumps(DROPPING_NOTEBOOK))
    out = tmp_path / "reports" / "run"
    if existed:
        shutil.copytree(baseline_build, out)
    before = _digest(out) if existed else {}
    plan = report.plan_report("baseline", out=out, notebooks_dir=notebooks)
    monkeypatch.setenv("DSTC_TEST_DROP", str(out / "MY_NOTES.txt"))
    with pytest.raises(report.OutputRefused) as err:
        report.run_report(plan, jobs=1, progress=lambda m: None)
    kept = sorted((tmp_path / "reports").glob("run.new-*"))
    assert len(kept) == 1 and (kept[0] / "notebooks" / "99_drops.ipynb").is_file()
    problem = "it holds MY_NOTES.txt" + (", which the report there did not write" if existed else " and no")
    message = str(err.value)
    assert message.startswith(f"--out {out} changed during the build ({problem}") and "\n" not in message
    assert message.endswith(f"it was left as it is, and the new report is kept in {kept[0]}")
    assert (out / "MY_NOTES.txt").read_text() == "my notes"
    assert _digest(out) == {**before, "MY_NOTES.txt": hashlib.sha256(b"my notes").hexdigest()}
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["run", kept[0].name]


def test_a_run_leaves_nothing_in_the_temporary_folder(tmp_path, monkeypatch):
    """Kernel sockets and connection files (which hold signing keys) go with the build."""
    import tempfile

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "99_tiny.ipynb").write_text(json.dumps(TINY_NOTEBOOK))
    own = tmp_path / "tmp"
    own.mkdir()
    monkeypatch.setenv("TMPDIR", str(own))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(own / "runtime"))
    monkeypatch.setattr(tempfile, "tempdir", None)
    plan = report.plan_report("baseline", out=tmp_path / "out", notebooks_dir=notebooks)
    report.run_report(plan, jobs=1, progress=lambda m: None)
    assert _leftover_files(own) == [] and list(own.iterdir()) == []


def test_only_marked_kernel_folders_of_builds_that_are_gone_are_removed(tmp_path):
    from analysis.runner import execute

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    folders = {}
    for name, owner in {
        "gone": {"built_by": report.BUILT_BY, "pid": gone.pid, "started": 1.0},
        "running": {"built_by": report.BUILT_BY, "pid": os.getpid(), "started": psutil.Process().create_time()},
        "not-ours": {"built_by": "someone else", "pid": gone.pid, "started": 1.0},
    }.items():
        folders[name] = tmp_path / f"{report.KERNEL_SOCKETS_PREFIX}{name}"
        folders[name].mkdir()
        (folders[name] / execute.KERNEL_FOLDER_OWNER).write_text(json.dumps(owner))
    unmarked = tmp_path / f"{report.KERNEL_SOCKETS_PREFIX}unmarked"
    unmarked.mkdir()
    assert execute.remove_stale_kernel_folders(str(tmp_path)) == [str(folders["gone"])]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{report.KERNEL_SOCKETS_PREFIX}{n}" for n in ("running", "not-ours", "unmarked")
    )


def test_make_clean_removes_exactly_the_runners_leftovers(tmp_path, baseline_build):
    from analysis.runner import build

    reports = tmp_path / "reports"
    shutil.copytree(baseline_build, reports / "run")  # a report: kept
    marker = json.dumps({"built_by": report.BUILT_BY, "files": []})
    for name in (".run.building-abc", "run.failed", "other.failed-xyz"):  # the runner's: removed
        (reports / name / "notebooks").mkdir(parents=True)
        (reports / name / report.MARKER_NAME).write_text(marker)
    shutil.copytree(baseline_build, reports / ".gone.old-abc")  # a killed swap's old output: put back
    (reports / ".run.lock").write_text("999999 python -m analysis report\n")  # a killed build's lock: removed
    keep = {
        ".run.building-mine/notes.txt": "not marked",
        "mine.failed/notes.txt": "not marked",
        ".notes.lock": "not a lock of the runner's",
        "notes.txt": "a reader's",
    }
    for name, text in keep.items():
        (reports / name).parent.mkdir(parents=True, exist_ok=True)
        (reports / name).write_text(text)
    build.clean(reports, say=lambda m: None)
    assert sorted(p.name for p in reports.iterdir()) == sorted(
        [".notes.lock", ".run.building-mine", "gone", "mine.failed", "notes.txt", "run"]
    )
    assert all((reports / name).read_text() == text for name, text in keep.items())
    assert _digest(reports / "run") == _digest(baseline_build) == _digest(reports / "gone")
    recipe = subprocess.run(["make", "-n", "clean"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert 'clean("reports")' in recipe and "reports/" not in recipe.replace("leftovers in reports/", ""), recipe


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_after_the_old_output_was_moved_aside_puts_it_back(
    tmp_path, previous_output, monkeypatch, signum, interruptible
):
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
    monkeypatch.setattr(psutil, "process_iter", _no_scan)  # processes are stopped by group, never by a scan
    monkeypatch.setattr(psutil.Process, "environ", _no_scan)
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
        (
            "description: x\nsources: [assumption]\noverrides:\n  h100_gpus: " + "9" * 5000 + "\n",
            "(line 4): a whole number of 5,000 digits; numbers in a scenario may have at most 30 digits",
        ),
        (
            "description: x\nsources: [assumption]\noverrides:\n  h100_gpus: 0x" + "f" * 5000 + "\n",
            "(line 4): a whole number of 5,002 digits; numbers in a scenario may have at most 30 digits",
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


@pytest.mark.parametrize(
    "content, expected",
    [
        (
            "description: x\nsources: [assumption]\noverrides:\n  h100_gpus: -5\n",
            "(step 6 compares every scenario): h100_gpus = -5 is not allowed: h100_gpus must be a whole number >= 0",
        ),
        (
            "description: x\nsources: [assumption]\noverrides:\n  gpu_hour_price_usd: 1.0e+308\n",
            "(step 6 compares every scenario): gpu_hour_price_usd = 1e+308 makes the cost model overflow",
        ),
        ("description: x\nsources: [assumption]\noverrides: [1\n", "broken.yaml (line 4): not valid YAML"),
    ],
)
def test_a_broken_scenario_file_not_in_the_run_is_refused_at_planning(data_copy, tmp_path, content, expected):
    """Step 6 compares every scenario, so one broken file breaks every run: it is refused before anything runs."""
    broken = data_copy / "scenarios" / "broken.yaml"
    broken.write_text(content)
    with pytest.raises((params.ParameterError, report._data.DataError)) as err:
        report.plan_report("baseline", out=tmp_path / "out", data_dir=data_copy)
    assert f"scenario file {broken}" in str(err.value) and expected in str(err.value), str(err.value)
    proc = run_cli("report", "--out", str(tmp_path / "out"), env={"DSTC_DATA_DIR": str(data_copy)})
    assert proc.returncode == 2 and expected in _one_error_line(proc.stderr), proc.stderr
    assert not (tmp_path / "out").exists() and "Building report" not in proc.stderr


@pytest.mark.slow
def test_papermill_run_directly_refuses_a_value_that_makes_the_model_overflow_in_the_check_cell(tmp_path):
    import papermill as pm

    from analysis import notebooks

    path = next(p for p in notebooks.notebook_paths() if "gpu_hour_price_usd" in notebooks.notebook_parameters(p))
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(
            str(path),
            str(tmp_path / "out.ipynb"),
            parameters={"gpu_hour_price_usd": 1e308},
            cwd=str(path.parent),
            progress_bar=False,
        )
    assert err.value.ename == "ParameterError" and err.value.exec_count == 3, "the cell after the injected parameters"
    assert err.value.evalue.startswith("gpu_hour_price_usd = 1e+308 makes the cost model overflow")


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
