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


def test_lock_pins_every_dependency_within_its_range():
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    for name, spec in _pyproject_requirements().items():
        assert name in pins, f"{name} is not pinned in requirements.lock (run `make lock`)"
        assert spec.contains(pins[name]), f"{name}=={pins[name]} does not satisfy {spec} (run `make lock`)"
    assert "setuptools" in pins, "the editable install builds with the locked setuptools"


def test_version_has_one_source():
    import analysis

    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert analysis.__version__ == version
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert str(citation["version"]) == version
