"""The what-if app served as ``make app`` serves it, in a real browser.

Starts Voila on a free port of 127.0.0.1 with the app's offline template, opens the page in headless
Chromium (Debian's package, driven by Playwright), waits for the app to show its results, types a new
price of a GPU-hour into that slider's box and waits for the displayed median of the cost of developing
V3 and R1 to change; the new median must be the one the cost model gives for that price (its Monte
Carlo computed here, as step 6 draws it). Every request that leaves the server is blocked and recorded:
there must be none. The server is stopped by its PID (SIGTERM, which Voila handles, so this works when the
suite runs with SIGINT ignored), and its kernel with it.

Everything waits for an event (a line from the server, an element, a changed value), never for a set time;
the timeouts are generous because Voila, its kernel and Chromium start slowly on a loaded 2-core machine.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading

import numpy as np
import psutil
import pytest

from analysis import model, params, uncertainty
from analysis.formatting import format_value
from conftest import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
#: Seconds to wait for the server to listen, for the app's first results, and for a redraw.
START_S, LOAD_S, REDRAW_S = 240, 300, 180
MEDIAN = ".whatif-median[data-result=cost_development_usd]"
NEW_PRICE = 3.0

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """Voila serving ``notebooks/what_if.ipynb`` as ``make app`` does, its output read line by line."""

    def __init__(self, port: int):
        self.port, self.lines, self.ready = port, [], threading.Event()
        self.url = f"http://127.0.0.1:{port}/"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voila", "notebooks/what_if.ipynb", "--template=offline", "--no-browser",
             f"--port={port}", "--Voila.ip=127.0.0.1"],
            cwd=REPO,
            env={**os.environ, "JUPYTER_PATH": str(REPO / "tools" / "app")},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip())
            listening = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if listening and not self.ready.is_set():  # Voila moves to another port if this one was taken meanwhile
                self.url = listening.group(0)
                self.ready.set()
        self.ready.set()  # the server exited: stop waiting

    def log(self) -> str:
        return "\n".join(self.lines[-30:])

    def stop(self) -> list[psutil.Process]:
        """SIGTERM to the server's PID; returns its child processes (kernels) still alive afterwards."""
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=START_S)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=START_S)
        _, alive = psutil.wait_procs(children, timeout=START_S)
        for child in alive:  # leave nothing behind, then report it
            child.kill()
        return alive


@pytest.fixture
def server():
    server = Server(_free_port())
    try:
        yield server
    finally:
        left = server.stop()
        assert not left, f"Voila left processes running after SIGTERM: {[p.pid for p in left]}"


def _expected_median(values: dict) -> float:
    """The median of the cost of developing V3 and R1 straight from the cost model's Monte Carlo (step 6's draws)."""
    register = params.load_register()
    full = params.resolve_parameters(register, values)
    drawn = uncertainty.monte_carlo(
        register,
        full,
        model.load_data(),
        n=int(full["monte_carlo_draws"]),
        rng=int(full["random_seed"]),
        hold=list(values),
        outputs=["cost_development_usd"],
    )["cost_development_usd"]
    return float(np.median(drawn))


def test_moving_a_control_redraws_the_median_the_cost_model_gives(server):
    from playwright.sync_api import sync_playwright

    assert server.ready.wait(START_S) and server.process.poll() is None, f"Voila did not start:\n{server.log()}"
    baseline, moved = _expected_median({}), _expected_median({"gpu_hour_price_usd": NEW_PRICE})
    assert moved != baseline
    left_the_server = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})

            def block(route):
                left_the_server.append(route.request.url)
                route.abort()

            context.route(re.compile(rf"^(?!{re.escape(server.url)})"), block)
            page = context.new_page()
            page.goto(server.url, timeout=LOAD_S * 1000)
            median = page.locator(MEDIAN)
            median.wait_for(timeout=LOAD_S * 1000)
            assert median.inner_text() == format_value(baseline, "USD")
            assert float(median.get_attribute("data-value")) == baseline
            readout = page.locator(".whatif-value-gpu_hour_price_usd .widget-readout")
            readout.fill(f"{NEW_PRICE}")
            readout.press("Enter")
            page.wait_for_function(
                f"old => document.querySelector({MEDIAN!r}).dataset.value !== old",
                arg=median.get_attribute("data-value"),
                timeout=REDRAW_S * 1000,
            )
            assert median.inner_text() == format_value(moved, "USD")
            assert float(median.get_attribute("data-value")) == moved
            assert "Held at a value" in page.locator(".whatif-status").inner_text()
        finally:
            browser.close()
    assert not left_the_server, f"the page asked another host for {left_the_server[:5]}"
