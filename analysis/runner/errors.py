"""The runner's errors, each a one-line message, and how messages show paths."""

from __future__ import annotations

import signal
from pathlib import Path

from .. import params as _params


def shown_path(path: Path | str, limit: int = 200) -> str:
    """A path as messages show it: relative to the working folder when inside it, clipped."""
    path = Path(path)
    try:
        text = str(path.relative_to(Path.cwd()))
    except ValueError:
        text = str(path)
    return _params.shown_value(text or ".", limit)


class ReportError(RuntimeError):
    """A notebook failed while the report was being built. The message is one line."""


class OutputRefused(ValueError):
    """The output folder cannot be used (not ours, protected, locked, unwritable). The message is one line."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped the build. ``exit_code`` is 128 + the signal number."""

    def __init__(self, signum: int = signal.SIGINT, published: Path | None = None):
        super().__init__(signum)
        self.signum = signum
        self.published = published

    @property
    def exit_code(self) -> int:
        return 128 + int(self.signum)

    def __str__(self) -> str:
        name = signal.Signals(self.signum).name
        if self.published is not None:
            published = shown_path(self.published)
            return f"interrupted ({name}) after the report was published; {published} holds the new report"
        return f"interrupted ({name}); the build was stopped and earlier outputs were left as they were"
