"""Compile to bytecode the modules a build imports, by importing them once.

``make`` runs this right after installing .venv. A report runs Python in the
runner and in one fresh Jupyter kernel per notebook, and each of them imports
numpy, pandas, matplotlib, IPython, ipykernel and the ``analysis`` package. Where
Python may not write ``.pyc`` files (``PYTHONDONTWRITEBYTECODE`` set, as on some CI
machines), each of those processes would compile them again from source, every
run. Compiling all 6,900 installed modules (``uv pip install --compile-bytecode``)
takes about 12 s on 2 cores; importing what a build uses, with bytecode writing on,
compiles the 1,100 or so it needs in about 4 s. A module missed here is only
compiled at its first import (or, with ``PYTHONDONTWRITEBYTECODE``, each time): slower,
never wrong.

Run it with bytecode writing on: ``env -u PYTHONDONTWRITEBYTECODE .venv/bin/python
tools/compile_bytecode.py``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

#: What the runner and the kernels import beyond the ``analysis`` package itself.
RUNTIME_MODULES = (
    "papermill",  # the runner: papermill, nbclient, nbformat, mistune and Pygments
    "papermill.engines",
    "nbclient",
    "nbformat",
    "mistune",
    "mistune.plugins.table",
    "mistune.plugins.footnotes",
    "mistune.plugins.formatting",
    "ipykernel_launcher",  # a kernel's entry point (imports nothing until run)
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",  # debugpy, which every kernel loads
    "ipykernel.kernelspec",
    "matplotlib_inline.backend_inline",
    "matplotlib.backends.backend_svg",
    "matplotlib.backends.backend_agg",
    "IPython.core.completerlib",
    "pandas.io.formats.style",
    "pygments.lexers.python",
    "pygments.formatters.html",
)


def main() -> int:
    """Import every ``analysis`` module and :data:`RUNTIME_MODULES`.

    Returns
    -------
    int
        The exit status: 0, or 1 if bytecode writing is off (nothing would be compiled).
    """
    if sys.dont_write_bytecode:
        print("compile_bytecode: bytecode writing is off; run with PYTHONDONTWRITEBYTECODE unset", file=sys.stderr)
        return 1
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's warning about frozen modules
    import analysis

    names = [f"analysis.{m.name}" for m in pkgutil.iter_modules(analysis.__path__) if m.name != "__main__"]
    for name in [*names, *RUNTIME_MODULES]:
        importlib.import_module(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
