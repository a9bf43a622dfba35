"""A JupyterLab server and a headless Chromium, shared by the tests that need them.

tests/conftest.py starts them on first use (fixtures ``jupyterlab`` and
``lab_browser``) and stops them when the tests that use them are done.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# The files that share the server and the browser, as pytest names them (relative to the rootdir).
JUPYTERLAB_FILES = ("tests/test_browser.py", "tests/test_rise.py")
SERVER_START_TIMEOUT = 90  # s, on a slow machine under load
# RISE's settings for the run (transition "none", no automatic cell selection, start at
# the first slide) only let each slide be measured as soon as it is shown; the
# notebooks' own ``rise`` metadata still applies.
RISE_SETTINGS = {"transition": "none", "auto_select": "none", "start_slideshow_at": "beginning"}
# No news or update toasts (they ask to fetch from the internet and can cover the page).
NOTIFICATIONS = {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid):
    try:
        import psutil

        return psutil.Process(pid).children(recursive=True)
    except Exception:  # noqa: BLE001 - psutil absent or the process already gone
        return []


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 (a free port, no token), in its own process group,
    serving ``root``, with every setting and runtime file in ``home``."""

    def __init__(self, root, home):
        self.root, self.port = root, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = home / "settings"
        for plugin, values in [("jupyterlab-rise/plugin", RISE_SETTINGS),
                               ("@jupyterlab/apputils-extension/notification", NOTIFICATIONS)]:
            path = settings / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(settings),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), JUPYTER_CONFIG_DIR=str(home / "config"),
                   IPYTHONDIR=str(home / "ipython"), MPLBACKEND="module://matplotlib_inline.backend_inline")
        env.pop("JUPYTER_TOKEN", None)
        self.log_path = home / "jupyterlab.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
             f"--port={self.port}", "--port-retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
             "--expose-app-in-browser", f"--ServerApp.root_dir={root}", "--LabApp.news_url=",
             "--ServerApp.disable_check_xsrf=True",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self):
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_TIMEOUT} s:\n{self.tail()}")

    def api(self, path, body=None):
        request = urllib.request.Request(f"{self.url}/api/{path}", method="GET" if body is None else "PUT",
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def tail(self, n=3000):
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self):
        """SIGTERM to the server's process group (it shuts its kernels down), SIGKILL if it lingers."""
        children = _descendants(self.process.pid)
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        for child in children:  # kernels live in their own sessions: end them by pid
            try:
                child.wait(timeout=5)
            except Exception:  # noqa: BLE001
                try:
                    child.kill()
                except Exception:  # noqa: BLE001 - already gone
                    pass
        self.log.close()


class Shared:
    """The server and the browser of this process, started on first use and stopped by ``close``."""

    def __init__(self):
        self.server = self.playwright = self.browser = None

    def jupyterlab(self, tmp_path_factory):
        if self.server is None:
            server = JupyterLab(tmp_path_factory.mktemp("jupyterlab-root"), tmp_path_factory.mktemp("jupyterlab-home"))
            try:
                server.wait_ready()
            except Exception:
                server.stop()
                raise
            self.server = server
        return self.server

    def chromium(self):
        if self.browser is None:
            from playwright.sync_api import sync_playwright

            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        return self.browser

    def close(self):
        browser, playwright, server = self.browser, self.playwright, self.server
        self.browser = self.playwright = self.server = None
        try:
            if browser is not None:
                try:
                    browser.close()
                finally:
                    playwright.stop()
        finally:
            if server is not None:
                server.stop()


shared = Shared()
