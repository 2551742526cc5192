"""What a run is: its scenario, overrides, data and code, and a short id that changes with any of them.

A figure or number cited from a run with other assumptions must not pass for the published one. Every
build records a :class:`RunIdentity` (``results.json``'s ``run`` object) and stamps its short
:attr:`RunIdentity.run_id` and scenario on every figure's footer, every figure CSV's first lines,
``figures.csv``, the front page's header and its cite block.

The committed data are listed with their SHA-256 in ``data/SHA256SUMS`` (the format of coreutils'
``sha256sum``, so ``cd data && sha256sum -c SHA256SUMS`` checks them); a run whose data files differ
from that list is labelled "modified data", naming the files. ``tools/stamp_data.py`` rewrites the list
after a deliberate change to the data (a test fails until it matches).

References
----------
Issue 19, "Every run tells the truth", part 3 (the project's issue tracker).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from . import paths as _paths

#: The list of the committed data files and their SHA-256, inside the data folder.
CHECKSUMS_NAME = "SHA256SUMS"
#: Environment variable through which the runner tells a notebook's kernel what run it is part of.
ENV_VAR = "DSTC_RUN"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, in hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def data_files(data_dir: Path | str | None = None) -> list[str]:
    """The data folder's files (paths relative to it, ``/``-separated, sorted), its checksum list left out."""
    root = Path(data_dir) if data_dir is not None else _paths.DATA_DIR
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name != CHECKSUMS_NAME and not any(part.startswith(".") for part in p.parts)
    )


def checksums(data_dir: Path | str | None = None) -> dict[str, str]:
    """Each data file (relative path) -> its SHA-256, as they are now."""
    root = Path(data_dir) if data_dir is not None else _paths.DATA_DIR
    return {name: file_sha256(root / name) for name in data_files(root)}


def checksums_text(sums: Mapping[str, str]) -> str:
    """``sums`` in ``sha256sum``'s format: ``<hex>  <path>`` per line, sorted by path."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))


def committed_checksums(data_dir: Path | str | None = None) -> dict[str, str] | None:
    """The committed list ``data/SHA256SUMS`` as path -> SHA-256, or None when the folder has none."""
    root = Path(data_dir) if data_dir is not None else _paths.DATA_DIR
    listed = root / CHECKSUMS_NAME
    if not listed.is_file():
        return None
    out = {}
    for line in listed.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if digest and name:
            out[name] = digest
    return out


def data_sha256(sums: Mapping[str, str]) -> str:
    """One SHA-256 for a set of data files: of their checksum list in ``sha256sum``'s format."""
    return hashlib.sha256(checksums_text(sums).encode()).hexdigest()


def modified_files(data_dir: Path | str | None = None, read: list[str] | None = None) -> list[str]:
    """The data files that differ from the committed list (changed, added or removed), among ``read``.

    Parameters
    ----------
    data_dir : path, optional
        The data folder (default ``data/``).
    read : list of str, optional
        The files the run reads (default: every file but the scenarios, which a run reads only its own of).

    Returns
    -------
    list of str
        Relative paths, sorted; every file of ``read`` when the folder has no committed list.
    """
    now, committed = checksums(data_dir), committed_checksums(data_dir)
    names = read if read is not None else [n for n in set(now) | set(committed or {}) if not n.startswith("scenarios/")]
    if committed is None:
        return sorted(names)
    return sorted(n for n in names if now.get(n) != committed.get(n))


@dataclass(frozen=True)
class RunIdentity:
    """What a run is. ``run_id`` is the first 8 hex digits of the SHA-256 of everything else but the date.

    Attributes
    ----------
    scenario : str
        The scenario's name (``baseline`` when none).
    overrides : dict
        Parameter name -> value, as the scenario file and ``-p`` gave them.
    scenario_sha256 : str
        SHA-256 of the scenario file's bytes ("" for the baseline without a file).
    data_sha256 : str
        :func:`data_sha256` of the files the run read.
    modified_data : list of str
        The data files that differ from ``data/SHA256SUMS`` (empty for the committed data).
    code_version : str
        The package's version.
    built : str
        The build's date (ISO), from ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else today (UTC).
    """

    scenario: str
    overrides: dict = field(default_factory=dict)
    scenario_sha256: str = ""
    data_sha256: str = ""
    modified_data: list = field(default_factory=list)
    code_version: str = __version__
    built: str = ""

    @property
    def run_id(self) -> str:
        """Short id of the scenario, overrides, data and code (not the date): same inputs, same id."""
        key = {
            "scenario": self.scenario,
            "overrides": {k: self.overrides[k] for k in sorted(self.overrides)},
            "scenario_sha256": self.scenario_sha256,
            "data_sha256": self.data_sha256,
            "code_version": self.code_version,
        }
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:8]

    @property
    def label(self) -> str:
        """How a page, figure or CSV names the run: ``scenario baseline · run 1a2b3c4d`` (and "modified data")."""
        words = f"scenario {self.scenario} · run {self.run_id}"
        return words + (" · modified data" if self.modified_data else "")

    def as_dict(self) -> dict[str, Any]:
        """The ``run`` object of ``results.json``."""
        return {
            "scenario": self.scenario,
            "overrides": {k: self.overrides[k] for k in sorted(self.overrides)},
            "scenario_sha256": self.scenario_sha256,
            "data_sha256": self.data_sha256,
            "modified_data": list(self.modified_data),
            "code_version": self.code_version,
            "built": self.built,
            "run_id": self.run_id,
            "label": self.label,
        }

    def to_env(self) -> str:
        """The identity as the runner passes it to kernels (:data:`ENV_VAR`)."""
        return json.dumps(self.as_dict(), sort_keys=True, default=str)


def build_date() -> str:
    """Today (UTC) as ISO, or the date of ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()
    return dt.datetime.now(tz=dt.UTC).date().isoformat()


def identify(
    scenario: str,
    overrides: Mapping[str, Any],
    data_dir: Path | str | None = None,
    scenario_file: str | None = None,
    scenario_sha256: str = "",
) -> RunIdentity:
    """The identity of a run of ``scenario`` with ``overrides`` on the data in ``data_dir``.

    Parameters
    ----------
    scenario : str
        The scenario's name.
    overrides : mapping
        Parameter name -> value (the scenario's and ``-p``'s).
    data_dir : path, optional
        The data folder (default ``data/``).
    scenario_file : str, optional
        The scenario file the run read, relative to the data folder (``scenarios/high.yaml``); it counts
        among the run's data.
    scenario_sha256 : str, optional
        SHA-256 of the scenario file's bytes (a file given by path may lie outside the data folder).
    """
    now = checksums(data_dir)
    read = [n for n in now if not n.startswith("scenarios/")]
    if scenario_file is not None and scenario_file in now:
        read.append(scenario_file)
    committed = committed_checksums(data_dir)
    names = sorted(set(read) | {n for n in (committed or {}) if not n.startswith("scenarios/")})
    return RunIdentity(
        scenario=scenario,
        overrides=dict(overrides),
        scenario_sha256=scenario_sha256,
        data_sha256=data_sha256({n: now[n] for n in read}),
        modified_data=modified_files(data_dir, names),
        built=build_date(),
    )


def current() -> dict | None:
    """The run a notebook's kernel is part of (the runner's :data:`ENV_VAR`), or None outside a build."""
    text = os.environ.get(ENV_VAR)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
