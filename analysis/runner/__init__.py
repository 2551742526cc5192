"""The runner: validate every input, execute the notebooks in parallel, publish the report.

``python -m analysis report`` calls :func:`~analysis.runner.plan.plan_report` then
:func:`~analysis.runner.build.run_report` (both also importable from :mod:`analysis.report`).

1. :mod:`~analysis.runner.plan` loads and checks every data file, the assumptions register,
   every scenario file and the ``-p`` overrides, checks that the model's outputs are finite
   (:mod:`analysis.model_check`) and parses every notebook's parameters cell. Any problem raises a
   one-line :class:`~analysis.params.ParameterError` or :class:`~analysis.data.DataError` before
   anything is written. :mod:`~analysis.runner.outdir` decides whether the output folder may be
   used at all.
2. :mod:`~analysis.runner.execute` runs each notebook with papermill in a fresh kernel, in
   parallel worker processes, passing each notebook only the parameters it declares; the worker
   then normalises the executed notebook (no timestamps or random ids) and renders its two HTML
   pages. Everything is built in a temporary folder beside the destination.
3. :mod:`~analysis.runner.publish` collects ``results.json``, ``results.csv``, ``claims.csv``
   (verdicts computed from the results) and ``figures/figures.csv``, writes ``index.html`` and
   swaps the folder into place. A failure names the notebook and the cell, keeps the failed
   notebook in ``<out>.failed/`` and leaves the previous output untouched.
   :mod:`~analysis.runner.build` runs steps 2 and 3 under the output folder's lock.

What the runner may touch
-------------------------
It replaces an output folder only when that folder is empty or is a report it built itself:
every build writes a marker, :data:`~analysis.runner.outdir.MARKER_NAME`, listing the files it
made; a folder with any other file or folder, a file, a device, ``/``, the home folder, the
repository or anything inside ``data/``, ``notebooks/``, ``analysis/``, ``tests/`` or ``.git`` is
refused (:func:`~analysis.runner.outdir.check_out_dir`), at the start and again at the swap. One
build writes into a folder at a time (:class:`~analysis.runner.outdir.OutputLock`, an ``flock``
the operating system releases when the process dies). Its temporary folders carry its marker,
and only marked ones are ever removed.

Which processes it stops
------------------------
Only its own, by process group: each worker leads a process group of its own and dies with the
runner (``PR_SET_PDEATHSIG`` on Linux, and a thread that watches the pipe to the runner
everywhere); each kernel dies with its worker the same way. Ctrl-C, SIGTERM or SIGHUP stops the
workers and their kernels, removes the temporary folder and the kernels' connection files, leaves
(or puts back) the previous output and exits 128 + the signal number
(:class:`~analysis.runner.errors.Interrupted`).
"""
