"""Real-browser harness: JupyterLab on 127.0.0.1 driven by headless Chromium.

Used by the browser tests (``tests/ui``) and the view benchmarks (``benchmarks/``).
JupyterLab runs in a temporary root with its own settings, workspaces and runtime
folders, so nothing of the user's set-up leaks in. The test reads Python-side state
by connecting a second client to the notebook's own kernel, the way a user's code sees it.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("NBVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # WebGL2 with --disable-gpu comes from SwiftShader; Chromium is deprecating its automatic
    # fallback to it, and this flag keeps software WebGL on (the GrandTour view needs it).
    "--enable-unsafe-swiftshader",
]

# Lab settings that keep notification toasts (news, update checks) off the screenshots.
_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 serving ``root``; use as a context manager."""

    def __init__(self, root: Path, startup_timeout: float = 90.0):
        self.root = Path(root)
        self.home = self.root.parent / f".{self.root.name}-jupyter"
        self.port = _free_port()
        self.token = uuid.uuid4().hex
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.log_path = self.home / "server.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """A lab URL with the auth token, e.g. ``url("lab/tree/x.ipynb")``."""
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}/{path.lstrip('/')}{sep}token={self.token}"

    def start(self) -> JupyterLab:
        self.root.mkdir(parents=True, exist_ok=True)
        for sub in ("runtime", "config", "settings", "workspaces"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        for rel, value in _LAB_SETTINGS.items():
            p = self.home / "settings" / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(value))
        env = dict(os.environ)
        env.update(
            JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
            JUPYTER_CONFIG_DIR=str(self.home / "config"),
            JUPYTERLAB_SETTINGS_DIR=str(self.home / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(self.home / "workspaces"),
            PYTHONUNBUFFERED="1",
        )
        cmd = [
            sys.executable, "-m", "jupyter", "lab",
            "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]  # fmt: skip
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early:\n{self.log_path.read_text()}")
            try:
                self.api("GET", "api/status")
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"jupyter lab did not answer within {self.startup_timeout} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if getattr(self, "_log", None) is not None:
            self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def api(self, method: str, path: str, body=None):
        """Call the server's REST API; returns the decoded JSON (or None)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.base_url}/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def shut_down_sessions(self) -> None:
        """End every notebook session and its kernel.

        A test's kernel would otherwise outlive it, and one still running a background
        job (a t-SNE, a training) slows every test after it on a 2-core machine.
        """
        for session in self.api("GET", "api/sessions") or []:
            with contextlib.suppress(urllib.error.HTTPError):  # already gone
                self.api("DELETE", f"api/sessions/{session['id']}")

    @contextmanager
    def kernel(self, notebook: str):
        """A blocking client on the kernel of the open notebook ``notebook``, closed after.

        >>> with lab.kernel("x.ipynb") as kc:  # doctest: +SKIP
        ...     kernel_eval(kc, "grid.selection")
        """
        from jupyter_client import BlockingKernelClient

        sessions = [s for s in self.api("GET", "api/sessions") if s["path"] == notebook]
        if not sessions:
            raise LookupError(f"no kernel session for {notebook!r}")
        kid = sessions[0]["kernel"]["id"]
        client = BlockingKernelClient(
            connection_file=str(self.home / "runtime" / f"kernel-{kid}.json")
        )
        client.load_connection_file()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=30)
            yield client
        finally:
            client.stop_channels()


def wait_until(fn, ok, timeout: float = 20.0, interval: float = 0.2):
    """Poll ``fn()`` until ``ok(value)`` holds or ``timeout`` passes; return the last value."""
    deadline = time.monotonic() + timeout
    value = fn()
    while not ok(value) and time.monotonic() < deadline:
        time.sleep(interval)
        value = fn()
    return value


def write_notebook(root: Path, name: str, *cells: str) -> str:
    """Write a Python-kernel notebook of the given code cells to ``root/name``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, Path(root) / name)
    return name


def kernel_eval(client, expr: str, timeout: float = 30.0):
    """Evaluate ``expr`` in the kernel and return ``json.loads`` of ``json.dumps(expr)``."""
    code = f"import json as _j; _nbviz_out = _j.dumps({expr})"
    reply = client.execute_interactive(
        code,
        user_expressions={"out": "_nbviz_out"},
        timeout=timeout,
        output_hook=lambda msg: None,
    )
    content = reply["content"]
    if content["status"] != "ok":
        raise RuntimeError(f"kernel error for {expr!r}: {content.get('evalue')}")
    out = content["user_expressions"]["out"]
    if out["status"] != "ok":
        raise RuntimeError(f"kernel error for {expr!r}: {out.get('evalue')}")
    # text/plain is the repr() of the JSON string
    return json.loads(ast.literal_eval(out["data"]["text/plain"]))


@contextmanager
def chromium(viewport=(1280, 900)):
    """A headless Debian Chromium page under Playwright; yields ``(page, console_errors)``."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        raise FileNotFoundError(
            f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium; "
            "or set NBVIZ_CHROMIUM)"
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            errors: list[str] = []
            page.on(
                "console",
                lambda m: (
                    errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None
                ),
            )
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            yield page, errors
        finally:
            browser.close()


# --- notebook actions (JupyterLab's app object is exposed by expose_app_in_browser) ---

_WAIT_KERNEL_JS = """
async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.context.ready;
  await panel.sessionContext.ready;
  return panel.sessionContext.session.kernel.status;
}
"""

_RUN_ALL_JS = """
async () => {
  const app = window.jupyterapp;
  await app.commands.execute('notebook:run-all-cells');
}
"""

_RUN_THROUGH_JS = """
async (last) => {
  const app = window.jupyterapp;
  const notebook = app.shell.currentWidget.content;
  notebook.activeCellIndex = last;
  await app.commands.execute('notebook:run-all-above');
  await app.commands.execute('notebook:run-cell');
}
"""

_NOTEBOOK_STATE_JS = """
(last) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.widgets.slice(0, last === null ? undefined : last + 1);
  let pending = 0; const errors = [];
  for (const cell of cells) {
    if (cell.model.type !== 'code') continue;
    const busy = cell.promptNode?.textContent?.includes('*');
    if (cell.model.executionCount === null || busy) pending++;
    for (const out of cell.model.outputs.toJSON()) {
      if (out.output_type === 'error') errors.push(out.ename + ': ' + out.evalue);
    }
  }
  return {pending, errors, status: panel.sessionContext.session?.kernel?.status};
}
"""


def open_notebook(page, lab: JupyterLab, path: str, timeout: float = 90.0) -> None:
    """Open ``path`` (relative to the lab root) and wait until its kernel is ready."""
    # ?reset: start from an empty workspace, so only this notebook is open and current.
    page.goto(lab.url(f"lab/tree/{path}?reset"))
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext",
                           timeout=timeout * 1000)  # fmt: skip
    page.evaluate(_WAIT_KERNEL_JS)


def run_all_cells(page, timeout: float = 300.0, *, through: int | None = None) -> None:
    """Run every cell (or the cells up to index ``through``, markdown counted) and wait
    for the last to finish; raise if any cell raised."""
    if through is None:
        page.evaluate(_RUN_ALL_JS)
    else:
        page.evaluate(_RUN_THROUGH_JS, through)
    deadline = time.monotonic() + timeout
    state = {}
    while time.monotonic() < deadline:
        state = page.evaluate(_NOTEBOOK_STATE_JS, through)
        if state["errors"]:
            raise AssertionError(f"a notebook cell raised: {state['errors']}")
        if state["pending"] == 0 and state["status"] == "idle":
            return
        time.sleep(0.25)
    raise TimeoutError(f"notebook still running after {timeout} s: {state}")


def show_view(page, lab: JupyterLab, path: str, selector: str, ready: bool = True) -> None:
    """Open ``path``, run every cell and scroll the first view at ``selector`` into sight
    (views out of sight do not draw); with ``ready``, wait until it says ``data-ready``."""
    open_notebook(page, lab, path)
    run_all_cells(page)
    page.locator(selector).first.scroll_into_view_if_needed()
    if ready:
        page.wait_for_selector(f'{selector}[data-ready="true"]', timeout=60_000)


def view_hook(page, selector: str, expr: str, *args):
    """Evaluate ``expr`` in the page with ``t`` the view's test hooks (``__nbvizTest``) and
    ``args`` the extra arguments."""
    return page.evaluate(
        f"(args) => {{ const t = document.querySelector('{selector}').__nbvizTest; "
        f"return {expr}; }}",
        list(args),
    )


def element_ink(page, selector: str, tolerance: int = 24) -> dict:
    """Screenshot the element at ``selector``; count pixels unlike its commonest colour.

    Works for 2-D and WebGL canvases alike (it reads what the screen shows).
    """
    import io

    import numpy as np
    from PIL import Image

    loc = page.locator(selector).first
    png = loc.screenshot()
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3).astype(int)
    colours, counts = np.unique(rgb, axis=0, return_counts=True)
    background = colours[counts.argmax()]
    ink = int((np.abs(rgb - background).sum(axis=1) > tolerance).sum())
    return {"ink": ink, "total": len(rgb), "background": background.tolist(), "png": png}


def notebook_screenshots(page, prefix: Path, max_shots: int = 8) -> list[Path]:
    """Screenshot the whole open notebook, one viewport at a time (``prefix-0.png`` ...).

    JupyterLab scrolls the notebook inside its own panel, so a full-page screenshot shows
    only the first screen; this scrolls that panel instead.
    """
    scroller = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer"
    paths = []
    page.evaluate("(s) => { document.querySelector(s).scrollTop = 0; }", scroller)
    for i in range(max_shots):
        time.sleep(0.3)  # let windowed cells and widgets render at the new offset
        path = Path(f"{prefix}-{i}.png")
        page.screenshot(path=str(path))
        paths.append(path)
        moved = page.evaluate(
            """(s) => { const el = document.querySelector(s); const before = el.scrollTop;
                        el.scrollTop += el.clientHeight * 0.9; return el.scrollTop > before; }""",
            scroller,
        )
        if not moved:
            break
    return paths
