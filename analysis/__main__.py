"""Command line: ``python -m analysis {report,compare,params,scenarios,check}``.

Every error is one line on stderr and a non-zero exit (2 for bad input or an output
folder that cannot be used, 1 for a notebook that failed, 130 for Ctrl-C, 143 for
SIGTERM and 129 for SIGHUP); no traceback.
"""

from __future__ import annotations

import os
import signal
import sys


def _while_importing(signum, frame):  # nothing has been read or written yet: leave at once, in one line
    os.write(2, f"error: interrupted ({signal.Signals(signum).name}) before anything was written\n".encode())
    os._exit(128 + signum)


def _terminate(signum, frame):  # until the runner installs its own handlers: SIGTERM acts as Ctrl-C
    error = KeyboardInterrupt()
    error.signum = signum
    raise error


_STOP_SIGNALS = [s for s in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(s) is not signal.SIG_IGN]
for _s in _STOP_SIGNALS:
    signal.signal(_s, _while_importing)

import argparse  # noqa: E402

from . import compare as _compare  # noqa: E402
from . import data as _data  # noqa: E402
from . import notebooks as _notebooks  # noqa: E402
from . import params as _params  # noqa: E402

for _s in _STOP_SIGNALS:
    signal.signal(_s, signal.default_int_handler if _s == signal.SIGINT else _terminate)

EXIT_BAD_INPUT = 2
EXIT_RUN_FAILED = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump
        self.exit(EXIT_BAD_INPUT, f"error: {message} (see `{self.prog} --help`)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs must be a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be a whole number >= 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m analysis", description='Build and inspect the report "DeepSeek\'s true cost".')
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    rep = sub.add_parser(
        "report",
        help="run the notebooks and build the report",
        description="Validate all inputs, run every notebook with the scenario's parameters "
        "(in parallel, fresh kernels) and write the report.",
    )
    rep.add_argument(
        "--scenario",
        default="baseline",
        metavar="NAME|PATH",
        help="a scenario in data/scenarios/ or a path to a .yaml file (default: baseline)",
    )
    rep.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set one parameter (repeatable): VALUE holds it; LOW..HIGH gives a ranged parameter a new range "
        "for the Monte Carlo; see `python -m analysis params`",
    )
    rep.add_argument("--out", metavar="DIR", help="output folder (default: reports/<scenario>[+overrides]/)")
    rep.add_argument("--jobs", type=_positive_int, metavar="N", help="notebooks run at once (default: one per CPU)")
    cmp = sub.add_parser(
        "compare",
        help="built runs side by side: headline results and their change against the first run",
        description="Print each headline result (with --all, every result) of two or more built reports side "
        "by side, with each run's change against the first in %%, and write the same as CSV.",
    )
    cmp.add_argument("runs", nargs="+", metavar="RUN", help="a report folder that `report` built (holds results.json)")
    cmp.add_argument("--all", action="store_true", help="every result, not only the headline ones")
    cmp.add_argument(
        "--csv",
        metavar="PATH",
        help=f"where to write the CSV (default: {_compare.DEFAULT_CSV_NAME} in the last run's folder, unless that "
        "is the committed reports/baseline/)",
    )
    sub.add_parser("params", help="list every parameter: value, range, unit, source, notebooks")
    sub.add_parser("scenarios", help="list the scenarios")
    sub.add_parser("check", help="validate data files, the register, scenarios and notebook parameter cells")
    return parser


def _cmd_report(args) -> int:
    from . import report

    plan = report.plan_report(args.scenario, [tuple(p) for p in args.parameter], args.out)
    report.run_report(plan, jobs=args.jobs)
    return 0


def _cmd_compare(args) -> int:
    if len(args.runs) < 2:
        raise _compare.CompareError("give at least two runs to compare, e.g. reports/baseline reports/high")
    runs = _compare.load_runs(args.runs)
    rows = _compare.compare(runs, all_results=args.all)
    destination = args.csv if args.csv is not None else _compare.default_csv_path(runs)
    written = _compare.write_csv(destination, _compare.csv_text(rows, runs)) if destination is not None else None
    print(_compare.text_table(rows, runs))
    partial = sum(any(v is None for v in r.values) for r in rows)
    if partial:
        print(
            f"note: {partial} result(s) are not computed in every run (shown as {_compare.NOT_IN_RUN})", file=sys.stderr
        )
    if written is None:
        print(
            "no CSV written: no run is a report folder the runner built (other than the committed "
            "reports/baseline/); give --csv PATH",
            file=sys.stderr,
        )
    else:
        print(f"CSV: {destination}", file=sys.stderr)
    return 0


def _fmt(value) -> str:
    return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def _cmd_params(args) -> int:
    register = _params.load_register()
    usage = _notebooks.parameter_usage()
    rows = [("name", "value", "range", "unit", "sources", "notebooks")]
    for name, p in register.items():
        rng = f"{_fmt(p.low)} to {_fmt(p.high)} ({p.distribution})" if p.low is not None else p.distribution
        if p.allowed:
            rng = "one of " + "|".join(p.allowed)
        if not p.overridable:
            rng += " (a sourced fact: not overridable)"
        rows.append((name, _fmt(p.baseline), rng, p.unit, ";".join(p.source_ids), ",".join(usage.get(name, [])) or "-"))
    _print_table(rows)
    return 0


def _cmd_scenarios(args) -> int:
    register = _params.load_register()
    rows = [("name", "overrides", "description")]
    for name in _params.scenario_names():
        s = _params.load_scenario(name, register=register)
        rows.append((name, str(len(s.overrides)), s.description))
    _print_table(rows)
    return 0


def _cmd_check(args) -> int:
    counts = _data.validate_all()
    register = _params.load_register()
    for name in _params.scenario_names():
        _params.load_scenario(name, register=register)
    usage = _notebooks.parameter_usage()
    unknown = sorted(set(usage) - set(register))
    if unknown:
        raise _params.ParameterError(f"notebook parameter {unknown[0]!r} is not in data/assumptions.csv")
    print(
        f"ok: {sum(counts.values())} rows in {len(counts)} data files, {len(register)} parameters, "
        f"{len(_params.scenario_names())} scenarios, {len(_notebooks.notebook_paths())} notebooks"
    )
    return 0


def _print_table(rows) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def _fail(message: str, code: int) -> int:
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr, flush=True)
    return code


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        from .report import Interrupted, OutputRefused, ReportError
    except KeyboardInterrupt as err:
        signum = getattr(err, "signum", signal.SIGINT)
        return _fail(f"interrupted ({signal.Signals(signum).name}) before anything was written", 128 + signum)
    try:
        commands = {
            "report": _cmd_report,
            "compare": _cmd_compare,
            "params": _cmd_params,
            "scenarios": _cmd_scenarios,
            "check": _cmd_check,
        }
        return commands[args.command](args)
    except (_params.ParameterError, _data.DataError, OutputRefused, _compare.CompareError) as err:
        return _fail(str(err), EXIT_BAD_INPUT)
    except ReportError as err:
        return _fail(str(err), EXIT_RUN_FAILED)
    except Interrupted as err:
        return _fail(str(err), err.exit_code)
    except KeyboardInterrupt as err:  # before the runner started: nothing was written
        signum = getattr(err, "signum", signal.SIGINT)
        return _fail(f"interrupted ({signal.Signals(signum).name}) before anything was written", 128 + signum)
    except OSError as err:  # a file system problem not caught nearer its cause
        where = f"{err.filename}: " if err.filename else ""
        return _fail(f"{where}{err.strerror or err}", EXIT_BAD_INPUT)
    except Exception as err:  # a bug: still one line, with a way to see the traceback
        if os.environ.get("DSTC_TRACEBACK"):
            raise
        return _fail(
            f"unexpected {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''} "
            "(a bug; re-run with DSTC_TRACEBACK=1 to see where, and please report it)",
            EXIT_RUN_FAILED,
        )


if __name__ == "__main__":
    sys.exit(main())
