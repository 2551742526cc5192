"""pyproject.toml is the one list of dependencies; environment.yml and requirements.lock follow it."""

import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO


def _pyproject_requirements():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    return {canonicalize_name(Requirement(r).name): Requirement(r).specifier for r in reqs}


def _conda_requirements():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict) or dep.split(">")[0].split("=")[0].strip() in ("python", "pip"):
            continue
        m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", dep)
        out[canonicalize_name(m.group(1))] = Requirement(f"{m.group(1)}{m.group(2).replace(' ', '')}").specifier
    return out


def test_environment_yml_mirrors_pyproject():
    assert _conda_requirements() == _pyproject_requirements()


# The platforms and Pythons requirements.lock is resolved for (`make lock` checks each gets wheels).
LOCK_PLATFORMS = {
    "Linux x86_64": {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": "x86_64",
    },
    "Linux aarch64": {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": "aarch64",
    },
    "macOS arm64": {
        "sys_platform": "darwin",
        "platform_system": "Darwin",
        "os_name": "posix",
        "platform_machine": "arm64",
    },
    "macOS x86_64": {
        "sys_platform": "darwin",
        "platform_system": "Darwin",
        "os_name": "posix",
        "platform_machine": "x86_64",
    },
}
LOCK_PYTHONS = ("3.11", "3.12", "3.13")


def _lock_entries(path=REPO / "requirements.lock"):
    """Each pin of a hashed requirements file: (Requirement, [sha256 hashes]), continuation lines joined."""
    entries = []
    for line in path.read_text().replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement, _, _ = line.partition(" --hash=")
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})\b", line)
        assert len(hashes) == line.count("--hash="), f"only sha256 hashes expected: {line[:80]}"
        entries.append((Requirement(requirement), hashes))
    return entries


def _pins_for(platform, python):
    """name -> pinned version of every lock entry whose marker holds on `platform` with `python`."""
    env = {
        **LOCK_PLATFORMS[platform],
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    pins = {}
    for req, _ in _lock_entries():
        if req.marker is None or req.marker.evaluate(env):
            name = canonicalize_name(req.name)
            assert name not in pins, f"{name} is pinned twice for {platform}, Python {python}"
            pins[name] = next(iter(req.specifier)).version
    return pins


def test_lock_pins_every_package_exactly_with_hashes():
    entries = _lock_entries()
    assert len(entries) > 50
    for req, hashes in entries:
        (spec,) = req.specifier
        assert spec.operator == "==", f"{req} is not pinned to one version"
        assert hashes, f"{req.name} has no --hash=sha256: entry (run `make lock`)"


def test_lock_pins_every_dependency_within_its_range_on_each_platform_and_python():
    for platform in LOCK_PLATFORMS:
        for python in LOCK_PYTHONS:
            pins = _pins_for(platform, python)
            for name, spec in _pyproject_requirements().items():
                assert name in pins, f"{name} is not pinned for {platform}, Python {python} (run `make lock`)"
                assert spec.contains(pins[name]), f"{name}=={pins[name]} does not satisfy {spec} (run `make lock`)"
            assert "setuptools" in pins, "the editable install builds with the locked setuptools"


def test_lock_says_how_it_was_made_and_what_it_covers():
    header = "\n".join(line for line in (REPO / "requirements.lock").read_text().splitlines() if line.startswith("#"))
    for words in (
        "make lock",
        "uv pip compile",
        "--universal",
        "--generate-hashes",
        "Linux",
        "macOS (darwin",
        "3.11, 3.12 and 3.13",
    ):
        assert words in header, f"requirements.lock's header does not say {words!r}"
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^LOCK_PYTHONS\s*:=\s*" + re.escape(" ".join(LOCK_PYTHONS)) + r"\s*$", makefile, re.M)
    assert {"x86_64-apple-darwin", "aarch64-apple-darwin"} <= set(
        re.search(r"^LOCK_PLATFORMS\s*:=(.*)$", makefile, re.M).group(1).split()
    )


def test_bootstrap_pins_the_makefiles_uv_with_hashes():
    (entry,) = _lock_entries(REPO / "requirements-bootstrap.txt")
    req, hashes = entry
    uv_version = re.search(r"^UV_VERSION\s*:=\s*(\S+)", (REPO / "Makefile").read_text(), re.M).group(1)
    assert req.name == "uv" and str(req.specifier) == f"=={uv_version}", "run `make lock` after changing UV_VERSION"
    assert hashes


def test_package_data_patterns_each_match_a_file():
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    for package, patterns in setuptools.get("package-data", {}).items():
        for pattern in patterns:
            assert list((REPO / package.replace(".", "/")).glob(pattern)), (
                f"package-data {package}: {pattern} matches no file"
            )


def test_version_has_one_source():
    import analysis

    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert analysis.__version__ == version
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert str(citation["version"]) == version
