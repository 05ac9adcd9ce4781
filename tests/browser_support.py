"""Helpers for tests/test_browser.py: a JupyterLab server, headless Chromium, and a notebook page.

The test drives the course the way a student meets it: Debian's Chromium (Playwright cannot download
its own browser offline) opens JupyterLab, runs a notebook from the Run menu, and looks at what the
page shows. Everything here is bounded in time and cleans up after itself.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# Flags that work on these machines: no sandbox as root, no GPU, and nothing that reaches out.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"]

# The inputs of ipywidgets views a test can change: Textarea, Text, Dropdown, sliders, Checkbox, Button.
CONTROLS = ("textarea, input[type=text], select, .noUi-handle, input[type=checkbox], "
            "button.jupyter-button")


def find_chromium() -> str | None:
    """Chromium's executable: $COURSE_CHROMIUM if set, else the first candidate on this machine."""
    chosen = os.environ.get("COURSE_CHROMIUM")
    if chosen:
        path = shutil.which(chosen)
        if path is None:
            raise FileNotFoundError(f"COURSE_CHROMIUM={chosen!r} is not an executable; point it at Chromium "
                                    "or Chrome, or unset it to use /usr/bin/chromium")
        return path
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """`jupyter lab` on a free loopback port with a random token, serving a throw-away folder.

    Its configuration, settings and workspaces live in that folder too, so a user's own JupyterLab
    setup changes nothing, and JupyterLab's news pop-up is switched off.
    """

    def __init__(self, root: Path, state: Path, python: Path | str = sys.executable,
                 env: dict[str, str] | None = None):
        """`python` runs the server, and its kernels too (jupyter_client starts a kernel spec's
        `python` with the server's interpreter); `env` is their environment, this process's if None."""
        self.root, self.state, self.python = root, state, python
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.log_path = state / "jupyter-lab.log"
        self.process: subprocess.Popen | None = None
        self.env = os.environ if env is None else env

    def url(self, path: str = "") -> str:
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}{sep}token={self.token}"

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def start(self, timeout: float = 90) -> None:
        settings = self.state / "settings"
        (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True, exist_ok=True)
        (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        env = dict(self.env,
                   JUPYTER_CONFIG_DIR=str(self.state / "config"),
                   JUPYTER_RUNTIME_DIR=str(self.state / "runtime"),
                   JUPYTERLAB_SETTINGS_DIR=str(settings),
                   JUPYTERLAB_WORKSPACES_DIR=str(self.state / "workspaces"),
                   IPYTHONDIR=str(self.state / "ipython"))
        env.pop("MPLBACKEND", None)  # a student's kernel draws inline; a CI's Agg would hide figures
        # `-m jupyterlab`, not `-m jupyter lab`: `jupyter` would start the `jupyter-lab` script it finds on
        # PATH, whose #! line names the environment it was installed in, not `python`.
        command = [str(self.python), "-m", "jupyterlab", "--no-browser",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
                   "--ServerApp.allow_root=True",  # CI runs as root
                   "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        with open(self.log_path, "w") as log:
            # Its own process group, so stop() can end the server and anything it left behind.
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with code {self.process.returncode} before it served "
                                   f"a page; its log ends with:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url("api/status"), timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"jupyter lab did not answer on port {self.port} within {timeout:.0f} s; "
                           f"its log ends with:\n{self.log_tail()}")

    def api(self, method: str, path: str, timeout: float = 10):
        request = urllib.request.Request(self.url(f"api/{path}"), method=method)
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """End every session (and its kernel), so the next notebook has the CPU to itself."""
        try:
            for session in self.api("GET", "sessions"):
                self.api("DELETE", f"sessions/{session['id']}")
        except (urllib.error.URLError, OSError):
            pass

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.shutdown_kernels()
        try:
            self.api("POST", "shutdown", timeout=5)  # the server ends its kernels and exits
            self.process.wait(timeout=20)
        except (urllib.error.URLError, OSError, subprocess.TimeoutExpired):
            pass
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            if self.process.poll() is not None:
                break
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(timeout=wait)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass


def launch_chromium(playwright, executable: str, profile: Path, viewport=(1400, 1000)):
    """A headless Chromium with a fresh profile; returns Playwright's BrowserContext."""
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
        viewport={"width": viewport[0], "height": viewport[1]}, timeout=60_000)


class NotebookPage:
    """One notebook open in JupyterLab, with the few things a student does to it."""

    def __init__(self, page, server: LabServer, path: str):
        self.page, self.server, self.path = page, server, path
        self.console_errors: list[str] = []
        self.reclicks = 0  # times Run All had to be clicked again because the first click started nothing
        page.on("console", lambda m: self.console_errors.append(m.text[:300]) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console_errors.append(f"uncaught: {e}"[:300]))

    # --- opening ------------------------------------------------------------------------------
    def open(self, timeout: float = 90) -> None:
        # A workspace of its own, so JupyterLab does not reopen notebooks from an earlier test.
        workspace = "t" + secrets.token_hex(4)
        self.page.goto(self.server.url(f"lab/workspaces/{workspace}/tree/{self.path}"), timeout=timeout * 1000)
        self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=timeout * 1000)
        self.wait_for_kernel_idle(timeout)

    def kernel_status(self) -> str | None:
        return self.page.locator(".jp-Notebook-ExecutionIndicator").first.get_attribute("data-status")

    def server_kernel_state(self) -> str | None:
        """The server's word on this notebook's kernel: its `execution_state`, or None without a session."""
        try:
            sessions = self.server.api("GET", "sessions")
        except (urllib.error.URLError, OSError):
            return None
        states = [s["kernel"]["execution_state"] for s in sessions
                  if s.get("path") == self.path and s.get("kernel")]
        return states[0] if states else None

    def wait_for_kernel_idle(self, timeout: float) -> None:
        """Until the page shows the kernel idle and the server has a session for this notebook whose kernel
        is idle: the page's indicator alone can read idle before the kernel has started."""
        deadline = time.monotonic() + timeout
        while not (self.kernel_status() == "idle" and self.server_kernel_state() == "idle"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.path}: the kernel was not idle after {timeout:.0f} s ({self.state()}); "
                                   f"server log:\n{self.server.log_tail()}")
            time.sleep(0.5)

    def dialog_text(self) -> str | None:
        """The text of an open JupyterLab dialog (e.g. "Select Kernel"), or None."""
        dialogs = self.page.locator(".jp-Dialog")
        return " ".join(dialogs.first.inner_text().split())[:400] if dialogs.count() else None

    def state(self) -> str:
        """What a person would look at when a run does not move: kernel status (page and server), dialog."""
        return (f"kernel status on the page {self.kernel_status()!r}, on the server {self.server_kernel_state()!r}; "
                f"dialog: {self.dialog_text() or 'none'}")

    # --- menus --------------------------------------------------------------------------------
    def menu(self, menu: str, command: str, timeout: float = 60) -> None:
        """Click a main-menu entry, as a student would: e.g. menu("Run", "runmenu:run-all").

        JupyterLab draws a command greyed out (``lm-mod-disabled``) while it does not apply, e.g. "Run
        All Cells" before the notebook has become the current widget, which on a busy machine can
        lag behind the notebook's first paint; a click on it does nothing. So the menu is opened
        until the entry shows enabled, then clicked."""
        bar_item = self.page.locator(".lm-MenuBar-item", has=self.page.locator(
            f".lm-MenuBar-itemLabel:text-is('{menu}')"))
        entry = self.page.locator(f".lm-Menu-item[data-command='{command}']")
        deadline = time.monotonic() + timeout
        while True:
            bar_item.click()
            entry.wait_for(state="visible", timeout=timeout * 1000)
            if "lm-mod-disabled" not in (entry.get_attribute("class") or ""):
                entry.click()
                return
            self.page.keyboard.press("Escape")  # close the menu, let JupyterLab catch up, open it again
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.path}: {menu} → {command} stayed disabled for {timeout:.0f} s")
            self.page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
            time.sleep(1)

    # --- running ------------------------------------------------------------------------------
    def prompts(self) -> list[str]:
        """The input prompt of every code cell, in order: '[3]:' once run, '[*]:' while queued or
        running, '[ ]:' never run. (Text content: innerText is empty for cells scrolled out of view.)"""
        return [t.strip() for t in self.page.locator(".jp-Notebook .jp-CodeCell .jp-InputArea-prompt").all_text_contents()]

    def run_all(self, timeout: float, start_timeout: float = 45) -> list[str]:
        """Clear all outputs, then Run → Run All Cells, and wait until the kernel has finished.

        Returns the final prompts. Execution stops early at an error in a cell not tagged
        `raises-exception` (JupyterLab's own behaviour); that is reported, not waited for.

        A click can be lost on a busy machine (once in CI the page stayed at '[ ]' in every cell for
        the whole timeout). So the run must show it started -- a cell queued or numbered, or the
        kernel busy -- within `start_timeout`; if it did not and no dialog is open, Run All is
        clicked once more, as a student would, and `reclicks` counts it. A dialog fails the test
        with its text.
        """
        self.menu("Edit", "editmenu:clear-all")
        for attempt in (1, 2):
            self.menu("Run", "runmenu:run-all")
            if self._started(start_timeout):
                break
            dialog = self.dialog_text()
            if dialog:
                raise AssertionError(f"{self.path}: Run → Run All Cells opened a dialog instead of running: {dialog}")
            if attempt == 2:
                raise TimeoutError(f"{self.path}: Run → Run All Cells was clicked twice and no cell started within "
                                   f"{start_timeout:.0f} s of either click ({self.state()}); server log:\n"
                                   f"{self.server.log_tail()}")
            self.reclicks += 1
        deadline, settled = time.monotonic() + timeout, 0
        while True:
            prompts, status = self.prompts(), self.kernel_status()
            busy = any("*" in p for p in prompts) or status != "idle"
            counted = [p for p in prompts if p.strip("[]: ")]
            settled = 0 if busy or not counted else settled + 1
            # Done when idle for ~2 s in a row (JupyterLab briefly shows idle between cells).
            if settled >= 4:
                return prompts
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.path}: still running after {timeout:.0f} s ({self.state()}); "
                                   f"prompts: {prompts}; server log:\n{self.server.log_tail(1500)}")
            time.sleep(0.5)

    def _started(self, timeout: float) -> bool:
        """Whether the run shows it began (a cell queued or numbered, or the kernel busy) within `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.strip("[]: ") for p in self.prompts()) or self.kernel_status() == "busy":
                return True
            time.sleep(0.3)
        return False

    def save(self, timeout: float = 30) -> dict:
        """File → Save Notebook, then return the saved notebook (what the browser's model holds)."""
        self.menu("File", "docmanager:save")
        tab = self.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
        deadline = time.monotonic() + timeout
        while "jp-mod-dirty" in (tab.get_attribute("class") or ""):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.path}: File → Save did not finish within {timeout:.0f} s")
            time.sleep(0.3)
        return json.loads((self.server.root / self.path).read_text())

    # --- looking ------------------------------------------------------------------------------
    def cells(self):
        return self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")

    def output_text(self, index: int) -> str:
        return self.cells().nth(index).locator(".jp-Cell-outputArea").inner_text()

    def figures(self) -> list[dict]:
        """Every PNG output (matplotlib's inline figures) with its decoded size in the browser."""
        return self.page.locator(".jp-OutputArea-output[data-mime-type='image/png'] img").evaluate_all(
            "imgs => imgs.map(i => ({complete: i.complete, width: i.naturalWidth, height: i.naturalHeight}))")

    def widget_outputs(self, index: int):
        """The outputs of cell `index` that are widget views (not a text/plain fallback)."""
        return self.cells().nth(index).locator(
            ".jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output:has(> .jupyter-widgets)")

    def validate_button(self):
        return self.page.locator(".jp-NotebookPanel-toolbar .validate-button")

    def screenshot(self, path: Path, scroll_to=None) -> None:
        if scroll_to is not None:
            scroll_to.evaluate("e => e.scrollIntoView({block: 'start'})")
            time.sleep(0.5)  # let the notebook finish painting after the scroll
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))


# --- widgets ----------------------------------------------------------------------------------
# Everything a widget output shows except its control: its text and its images. A change in this
# after the control changed means the kernel answered and the view was redrawn.
_SNAPSHOT_JS = """(out, selector) => {
  const control = out.querySelector(selector);
  const skip = control ? control.closest('.jupyter-widgets') : null;
  const parts = [];
  const walk = n => {
    if (n === skip) return;
    if (n.nodeType === Node.TEXT_NODE) parts.push(n.textContent);
    else if (n.nodeType === Node.ELEMENT_NODE) {
      if (n.tagName === 'IMG') parts.push('img:' + n.src);
      for (const child of n.childNodes) walk(child);
    }
  };
  walk(out);
  return parts.join('|');
}"""


def widget_snapshot(output) -> str:
    return output.evaluate(_SNAPSHOT_JS, CONTROLS)


def change_control(output) -> str:
    """Change the first input control of a widget output the way a person would; say what was done."""
    control = output.locator(CONTROLS).first
    tag = control.evaluate("e => e.tagName.toLowerCase()")
    if tag == "textarea" or control.get_attribute("type") == "text":
        control.fill(control.input_value() + " Ophelia typed this in a browser, 1 2 3!")
        return "typed into a " + ("textarea" if tag == "textarea" else "text box")
    if tag == "select":
        values = control.evaluate("e => [...e.options].map(o => o.value)")
        current = control.input_value()
        other = next((v for v in values if v != current), None)
        if other is None:
            raise AssertionError(f"dropdown has a single option {values}: nothing to change")
        control.select_option(other)
        return f"chose {other!r} in a dropdown"
    if "noUi-handle" in (control.get_attribute("class") or ""):
        now, top = float(control.get_attribute("aria-valuenow")), float(control.get_attribute("aria-valuemax"))
        control.focus()
        control.press("ArrowLeft" if now >= top else "ArrowRight")
        return "moved a slider one step"
    control.click()  # a checkbox or a button
    return f"clicked a {control.get_attribute('type') or tag}"
