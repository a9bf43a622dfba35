"""nbval's kernels, forked from a zygote (tests/forked_kernels.py), are ordinary kernels.

A forked kernel and one started afresh (``python -m ipykernel_launcher``, what
the zygote makes the client do when the environment differs in a variable read
at import) must see the same sys.path, argv, cwd, environment, namespace and
matplotlib backend, and both show a figure inline; only the imports differ.
Two forked kernels draw different random numbers. An interrupt reaches the
kernel through the client, the kernel's exit code comes back as the client's,
and killing the client (SIGKILL, which it cannot pass on) ends the kernel; a
client that dies mid-request does not take the zygote down. The root conftest
really gives nbval forked kernels.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import forked_kernels  # noqa: E402

pytestmark = pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="forked kernels are for Linux (pidfd_open); "
                                "elsewhere nbval starts every kernel afresh")

ROOT = Path(__file__).resolve().parents[1]
PROBE = """\
import sys
preloaded = "matplotlib" in sys.modules
import json, os
import matplotlib
import matplotlib.pyplot as plt
from ipykernel.kernelapp import IPKernelApp
app = IPKernelApp.instance()
print(json.dumps({"preloaded": preloaded, "parent_handle": app.parent_handle, "poller": type(app.poller).__name__,
                  "path": sys.path, "argv0": os.path.basename(sys.argv[0]), "argv_rest": len(sys.argv),
                  "cwd": os.getcwd(), "env": dict(os.environ),
                  "names": sorted(name for name in globals() if not name.startswith("_")),
                  "main": __name__, "shell": type(get_ipython()).__name__, "backend": matplotlib.get_backend()}))
plt.plot([0, 1])
plt.show()
"""


@pytest.fixture(scope="module")
def zygote():
    """The zygote of nbval's kernels in this pytest process (the root conftest's), else one of our own."""
    from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

    shared = getattr(NbvalKernelspecManager.get_kernel_spec, "zygotes", None)
    if shared is not None:
        NbvalKernelspecManager().get_kernel_spec(CURRENT_ENV_KERNEL_NAME)   # starts it if no notebook has yet
        if shared and shared[0] is not None:   # empty with BPLIB_TEST_FRESH_KERNELS=1: nbval forks nothing
            yield shared[0]
            return
    zygote = forked_kernels.Zygote()
    yield zygote
    zygote.close()


def start(zygote, tmp_path, env=None):
    manager = forked_kernels.kernel_manager(zygote.kernel_argv())
    manager.start_kernel(cwd=str(tmp_path), env=dict(os.environ, **(env or {})))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return manager, client


def run(client, code, timeout=60):
    outputs = []
    reply = client.execute_interactive(code, timeout=timeout, output_hook=lambda msg: outputs.append(msg))
    return reply, outputs


def probe(client):
    reply, outputs = run(client, PROBE)
    assert reply["content"]["status"] == "ok", reply["content"]
    text = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream")
    figures = [m for m in outputs if m["msg_type"] == "display_data" and "image/png" in m["content"]["data"]]
    return json.loads(text), figures


def stop(manager, client):
    client.stop_channels()
    manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernels(zygote, tmp_path_factory):
    """Two forked kernels and a fresh one (OMP_NUM_THREADS, unused by OpenBLAS here, set differently)."""
    folder = tmp_path_factory.mktemp("kernels")
    started = {"forked": start(zygote, folder), "forked again": start(zygote, folder),
               "fresh": start(zygote, folder, env={"OMP_NUM_THREADS": "1"})}
    yield started
    for manager, client in started.values():
        stop(manager, client)


def test_a_forked_kernel_is_a_fresh_kernel_with_the_imports_done(kernels):
    forked, forked_figures = probe(kernels["forked"][1])
    fresh, fresh_figures = probe(kernels["fresh"][1])
    assert forked.pop("preloaded") and not fresh.pop("preloaded")
    assert fresh["env"].pop("OMP_NUM_THREADS") == "1"
    assert forked["env"]["JPY_PARENT_PID"] == fresh["env"]["JPY_PARENT_PID"] == str(os.getpid())
    for name in ("JPY_SESSION_NAME",):   # set per kernel by jupyter_client, if at all
        forked["env"].pop(name, None), fresh["env"].pop(name, None)
    assert forked == fresh
    assert len(forked_figures) == len(fresh_figures) == 1


def test_forked_kernels_draw_their_own_random_numbers(kernels):
    draws = []
    for name in ("forked", "forked again"):
        reply, outputs = run(kernels[name][1], "import random, numpy as np; print(random.random(), np.random.rand())")
        draws.append("".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream").split())
    (python_first, numpy_first), (python_second, numpy_second) = draws
    assert python_first != python_second and numpy_first != numpy_second


def test_an_interrupt_reaches_the_kernel(kernels):
    manager, client = kernels["forked"]
    message_id = client.execute("import time; time.sleep(60)")
    time.sleep(0.5)
    manager.interrupt_kernel()
    reply = client.get_shell_msg(timeout=15)
    assert reply["parent_header"]["msg_id"] == message_id
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"


def test_the_kernels_exit_code_is_the_clients(kernels):
    manager, client = kernels["forked again"]
    client.execute("import os; os._exit(3)")
    assert manager.provisioner.process.wait(timeout=15) == 3


def test_a_kernel_shut_down_runs_its_exit_handlers_as_a_fresh_one_does(zygote, tmp_path):
    manager, client = start(zygote, tmp_path)
    run(client, f"import atexit; atexit.register(lambda: open({str(tmp_path / 'bye')!r}, 'w').write('bye'))")
    client.stop_channels()
    manager.shutdown_kernel(now=False)   # a shutdown request, as nbval ends a notebook's kernel
    assert (tmp_path / "bye").read_text() == "bye"


def test_killing_the_client_ends_the_kernel(zygote, tmp_path):
    manager, client = start(zygote, tmp_path)
    _, outputs = run(client, "import os; print(os.getpid())")
    pid = int("".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream"))
    assert pid != manager.provisioner.process.pid   # the kernel is the zygote's child, not the client
    os.kill(manager.provisioner.process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and _state(pid) != "Z" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists() or _state(pid) == "Z", "the kernel outlived its killed client"
    stop(manager, client)


def test_a_client_that_dies_mid_request_leaves_the_zygote_serving(zygote, tmp_path):
    for sent in (b"", forked_kernels.STATUS.pack(4096)[:2], forked_kernels.STATUS.pack(4096) + b'{"argv": ['):
        client_gone = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)   # nothing, half a length, half a request
        client_gone.connect(zygote.address)
        client_gone.sendall(sent)
        client_gone.close()
    manager, client = start(zygote, tmp_path)
    try:
        _, outputs = run(client, "import sys; print('matplotlib' in sys.modules)")
    finally:
        stop(manager, client)
    assert "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream").strip() == "True"


def _state(pid):
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "gone"
    return text[text.rindex(")") + 2]


def test_without_a_zygote_the_client_is_an_ordinary_kernel(tmp_path):
    # Asked for its version, ipykernel_launcher answers (IPython's) and exits: proof the client ran it itself.
    result = subprocess.run([sys.executable, "-I", "-S", forked_kernels.__file__, "client", str(tmp_path / "no-socket"),
                             "--version"], capture_output=True, text=True, timeout=60)
    import IPython

    assert result.returncode == 0 and result.stdout.strip() == IPython.__version__, result


def test_nbval_gets_forked_kernels_that_draw_plain_figures(tmp_path):
    # nbval's kernel for a notebook here, as it starts one: forked (the imports are done), not started
    # afresh because this environment differs from the zygote's; and, forked or not, its figures are
    # drawn without the tight bounding box (conftest.PLAIN_FIGURES: nbval compares no PNGs).
    from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager, RunningKernel

    forked = os.environ.get("BPLIB_TEST_FRESH_KERNELS") != "1"
    argv = NbvalKernelspecManager().get_kernel_spec(CURRENT_ENV_KERNEL_NAME).argv
    if forked:
        assert Path(argv[argv.index("client") - 1]) == ROOT / "tests" / "forked_kernels.py"
    kernel = RunningKernel(CURRENT_ENV_KERNEL_NAME, cwd=str(tmp_path))
    try:
        reply, outputs = run(kernel.kc, "import sys; imported = 'matplotlib' in sys.modules\n"
                                        "import matplotlib.pyplot\n"
                                        "from matplotlib_inline.config import InlineBackend\n"
                                        "print(imported, InlineBackend.instance().print_figure_kwargs)")
    finally:
        kernel.stop()
    printed = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream").strip()
    assert printed == f"{forked} {{'bbox_inches': None}}"
