"""The processes a build starts, and how they end: with the runner, and only by the runner.

Every worker leads a process group of its own (:func:`worker_init`), and the runner stops a
worker by signalling that group (:func:`kill_group`); it never looks at other processes on the
machine. A worker dies with the runner however the runner ends (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT,
SIGKILL, the out-of-memory killer):

- on Linux the kernel sends it SIGKILL when the runner dies (``prctl(PR_SET_PDEATHSIG)``);
- everywhere, a thread of the worker watches the pipe multiprocessing keeps open to the runner
  (:func:`multiprocessing.parent_process`), and when it closes kills the worker's kernels and exits.

Each notebook kernel is started through :data:`KERNEL_GUARD`, which asks for the same parent-death
signal before it becomes the kernel, so a kernel dies with its worker. jupyter_client starts a
kernel in a session of its own (so that its interrupts reach only it), which is why a kernel is not
in its worker's process group; ipykernel also exits within a second of losing its parent.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time

#: ``prctl`` option: the signal this process gets when its parent thread dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1

#: Python run before a kernel (``python -I -S -c KERNEL_GUARD WORKER_PID KERNEL_ARGV...``): ask for
#: SIGKILL when the worker dies, leave at once if it already has, then become the kernel (``exec``
#: keeps the parent-death signal).
KERNEL_GUARD = (
    "import os, sys\n"
    "try:\n"
    "    import ctypes\n"
    "    ctypes.CDLL(None, use_errno=True).prctl(1, 9, 0, 0, 0)\n"
    "except Exception:\n"
    "    pass\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    os._exit(1)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)

#: Process ids of the kernels this worker started (its kernel managers add them), for the watcher.
KERNEL_PIDS: set[int] = set()


def set_parent_death_signal(signum: int = signal.SIGKILL) -> bool:
    """Ask the operating system to send ``signum`` to this process when its parent dies.

    Linux only (``prctl(PR_SET_PDEATHSIG)``); elsewhere it does nothing.

    Returns
    -------
    bool
        True when the request was accepted.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def guarded_command(kernel_argv: list[str], parent_pid: int | None = None) -> list[str]:
    """The command that starts ``kernel_argv`` as a child that dies with ``parent_pid`` (default: this process).

    >>> guarded_command(["python", "-m", "ipykernel_launcher"], parent_pid=42)[-4:]
    ['42', 'python', '-m', 'ipykernel_launcher']
    """
    parent = os.getpid() if parent_pid is None else parent_pid
    return [sys.executable, "-I", "-S", "-c", KERNEL_GUARD, str(parent), *kernel_argv]


def worker_init(runner_pid: int) -> None:
    """Set up a worker process (the pool's initializer).

    The worker leads a process group of its own, dies with the runner (see the module's notes) and
    ignores Ctrl-C, which is the runner's to handle. Workers start with SIGINT, SIGTERM and SIGHUP
    blocked (see :func:`analysis.runner.execute.run_notebooks`), so a Ctrl-C typed while they start
    cannot reach them before this ignores it.
    """
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    set_parent_death_signal(signal.SIGKILL)
    if os.getppid() != runner_pid:  # the runner died before the request was made
        os._exit(1)
    _watch_runner(runner_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


def _watch_runner(runner_pid: int) -> None:
    """Start a thread that ends this worker and its kernels once the runner is gone.

    It waits on the pipe multiprocessing keeps open to the runner: the pipe reads as closed when
    the runner dies. (Should the pipe close while the runner lives, it polls the parent instead.)
    """
    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)

    def watch() -> None:
        from multiprocessing.connection import wait

        if sentinel is not None:
            wait([sentinel])
        while os.getppid() == runner_pid:
            time.sleep(0.5)
        for pid in list(KERNEL_PIDS):
            kill_group(pid)
        os._exit(1)

    threading.Thread(target=watch, name="dstc-watch-runner", daemon=True).start()


def kill_group(pid: int) -> None:
    """SIGKILL the process group that ``pid`` leads; ``pid`` alone if it leads none (yet); nothing if it is gone.

    A worker that has not yet run :func:`worker_init` is still in the runner's group, so it is
    signalled alone. A group's id is its leader's pid, and the system does not give that number to a
    new process while the group exists, so only this build's processes are reached.
    """
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    except PermissionError:  # pragma: no cover - a group of another user's: never ours
        pass


def guarded_kernel_manager_class():
    """jupyter_client's kernel manager, starting each kernel through :data:`KERNEL_GUARD` and noting its pid.

    Imported in workers only (jupyter_client is not needed to plan or publish).
    """
    from jupyter_client.manager import AsyncKernelManager

    class GuardedKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            return guarded_command(super().format_kernel_cmd(extra_arguments))

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            await super()._async_launch_kernel(kernel_cmd, **kw)
            pid = getattr(self.provisioner, "pid", None)
            if pid:
                KERNEL_PIDS.add(pid)

    return GuardedKernelManager
