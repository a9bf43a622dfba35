"""Kernels for nbval forked from a process that has already imported the heavy modules.

Starting a notebook's kernel and importing what a course notebook imports
costs about 1.5 s of CPU here, nearly all of it importing: Python, IPython and
ipykernel (0.6 s), then matplotlib.pyplot (0.6 s, every notebook plots), NumPy
and bplib. nbval starts one kernel per notebook (26 in the suite): a third of
the notebook tests' CPU. Instead, each pytest process starts one *zygote*: a
process that imports those modules once and then waits. A kernel is then started as usual by jupyter_client, but its
command is this file in *client* mode, a small process that asks the zygote to
fork; the forked child becomes an ordinary ipykernel (fresh IPython shell,
empty namespace, its own cwd, environment, argv and connection file), started
as ``python -m ipykernel_launcher`` would start it. Everything a notebook does
still runs in it: only the imports are shared, already done. A forked kernel
costs about 0.4 s of CPU (benchmarks/bench_kernels.py).

The client stands in for the kernel's process towards jupyter_client: it
passes on every signal it can catch (interrupt, terminate), exits with the
kernel's exit code, and when it is killed (SIGKILL) the kernel sees its end of
their socket close and exits at once. tests/test_forked_kernels.py holds a
forked kernel to a fresh one (sys.path, environment, the namespace a notebook
sees, figures shown inline) and tests interrupts, kill, exit code and exit
handlers.

Set ``BPLIB_TEST_FRESH_KERNELS=1`` to run the notebooks in ordinary kernels.
"""
import json
import os
import signal
import socket
import struct
import sys

# What a course notebook imports, in the order a kernel would (matplotlib after MPLBACKEND is
# set, as ipykernel sets it). Not the inline backend: it hooks itself into the IPython shell
# when it is first imported, so it must be imported in the kernel, after the shell exists.
PRELOADED = ["ipykernel.kernelapp", "numpy", "matplotlib", "matplotlib.pyplot", "sklearn.datasets",
             "bplib", "bplib.checks", "bplib.plotting"]
# Read once, when the preloaded modules are imported: a kernel asked for with other values than
# the zygote's gets a fresh process instead (its client execs `python -m ipykernel_launcher`).
# Every variable that starts with one of these is compared (more than strictly needed, to be safe).
IMPORT_TIME_ENV = ("PYTHON", "MPL", "OPENBLAS", "OMP", "MKL", "NPY", "NUMPY", "SKLEARN", "JOBLIB", "SCIPY",
                   "BPLIB", "IPYTHON", "JUPYTER", "XDG", "HOME", "LANG", "LC_", "TZ", "TMPDIR")
INLINE = "module://matplotlib_inline.backend_inline"
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
STATUS = struct.Struct("!i")


def _send_request(sock, request, fds):
    payload = json.dumps(request).encode()
    socket.send_fds(sock, [STATUS.pack(len(payload)) + payload], fds)


def _receive_request(sock):
    message, fds, _, _ = socket.recv_fds(sock, 1 << 20, 3)
    try:
        if len(message) < STATUS.size:
            raise ConnectionError("the client hung up before its request")
        (size,) = STATUS.unpack_from(message)
        payload = message[STATUS.size:]
        payload += _receive_exactly(sock, size - len(payload))
        if len(payload) < size:
            raise ConnectionError("the client hung up mid-request")
        return json.loads(payload), fds
    except (OSError, ValueError):
        for fd in fds:
            os.close(fd)
        raise


# --- client: the process jupyter_client starts as "the kernel" -------------------

def client(address, argv):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(address)
    except OSError:   # no zygote (it ended): be an ordinary kernel
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher"] + argv)
    _send_request(sock, {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}, [0, 1, 2])
    answer = _receive_exactly(sock, STATUS.size)
    pid = STATUS.unpack(answer)[0] if len(answer) == STATUS.size else 0
    if pid == 0:   # the zygote's imports do not suit this kernel's environment (or it failed): start afresh
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher"] + argv)
    for signum in FORWARDED_SIGNALS:
        signal.signal(signum, lambda signum, frame: os.kill(pid, signum))
    data = _receive_exactly(sock, STATUS.size)   # the kernel's wait status, when it ends
    code = os.waitstatus_to_exitcode(STATUS.unpack(data)[0]) if len(data) == STATUS.size else 1
    sys.exit(code if code >= 0 else 128 - code)   # killed by signal N: 128 + N, as a shell says


def _receive_exactly(sock, size):
    data = b""
    while len(data) < size:
        try:
            chunk = sock.recv(size - len(data))
        except InterruptedError:
            continue
        if not chunk:
            return data
        data += chunk
    return data


# --- zygote: imports once, forks a kernel per request -----------------------------

def _import_time_env(env):
    chosen = {name: value for name, value in env.items() if name.startswith(IMPORT_TIME_ENV)}
    chosen["MPLBACKEND"] = env.get("MPLBACKEND") or INLINE
    return chosen


def zygote(address):
    os.environ.setdefault("MPLBACKEND", INLINE)   # as ipykernel sets it before anything imports matplotlib
    preloaded_env = _import_time_env(os.environ)
    for name in PRELOADED:
        __import__(name)
    _draw_a_figure()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(16)
    print("ready", flush=True)   # the parent waits for this line
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)   # nobody reads the pipe after that line
    import selectors

    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "listener")
    selector.register(0, selectors.EVENT_READ, "parent")   # EOF on stdin: the pytest process is gone
    while True:
        for key, _ in selector.select():
            if key.data == "parent":
                if not os.read(0, 4096):
                    os._exit(0)
            elif key.data == "listener":
                conn, _ = listener.accept()
                try:
                    request, fds = _receive_request(conn)
                except (OSError, ValueError):   # the client died mid-request: nothing to start
                    conn.close()
                    continue
                if _import_time_env(request["env"]) != preloaded_env or not hasattr(os, "pidfd_open"):
                    for fd in fds:
                        os.close(fd)
                    _tell(conn, 0)
                    conn.close()
                    continue
                pid = os.fork()
                if pid == 0:   # the kernel keeps no other kernel's pidfd or connection
                    for other in list(selector.get_map().values()):
                        if isinstance(other.data, tuple):
                            os.close(other.fd)
                            other.data[1].close()
                    selector.close()
                    _become_kernel(listener, conn, request, fds)   # never returns
                for fd in fds:
                    os.close(fd)
                _tell(conn, pid)
                selector.register(os.pidfd_open(pid), selectors.EVENT_READ, (pid, conn))
            else:   # a kernel ended: tell its client how
                pid, conn = key.data
                selector.unregister(key.fd)
                os.close(key.fd)
                _, status = os.waitpid(pid, 0)
                _tell(conn, status)
                conn.close()


def _tell(conn, number):
    try:
        conn.sendall(STATUS.pack(number))
    except OSError:   # the client is gone (a kernel without a client ends by itself: _watch_client)
        pass


def _draw_a_figure():
    """Draw text and a formula once (not through pyplot: no figure number is used), so that every
    kernel finds the font files read and matplotlib's TeX-like parser built."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure()
    axes = figure.subplots()
    axes.plot([0, 1], label=r"$\sigma'(z^l) \odot \delta^{l}_j$")
    axes.set_title("loss")
    axes.legend()
    FigureCanvasAgg(figure).print_png(io.BytesIO())


def _become_kernel(listener, conn, request, fds):
    code = 1
    try:
        listener.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin, sys.stdout, sys.stderr = (open(0, closefd=False), open(1, "w", closefd=False),
                                             open(2, "w", closefd=False))
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        _watch_client(conn)
        import ipykernel_launcher
        sys.argv = [ipykernel_launcher.__file__] + request["argv"]
        # sys.path is left as it is: `python -m ipykernel_launcher` removes the cwd it starts with
        # before importing ipykernel, as the zygote did, and IPython puts "" back (init_path).
        import numpy as np
        np.random.seed()   # a fresh process draws new entropy for NumPy's global generator
        from ipykernel import kernelapp
        # parent_handle's default was read from JPY_PARENT_PID when the zygote imported ipykernel.
        kernelapp.IPKernelApp.launch_instance(parent_handle=int(os.environ.get("JPY_PARENT_PID") or 0))
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001 - a kernel's end, whatever it is, must not return to the zygote
        import traceback
        traceback.print_exc()
    finally:
        # What Python does on the way out of a fresh kernel (IPython ends its history session and
        # removes its temporary files, matplotlib closes its figures), then out without returning.
        try:
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush(), sys.stderr.flush()
        finally:
            os._exit(code)


def _watch_client(conn):
    """Exit as soon as the client process is gone (killed: it cannot pass SIGKILL on)."""
    import threading

    def watch():
        try:
            while conn.recv(1):
                pass
        except OSError:
            pass
        os._exit(1)

    threading.Thread(target=watch, name="client-watch", daemon=True).start()


# --- in the pytest process ---------------------------------------------------------

def kernel_manager(argv):
    """A jupyter_client KernelManager (not started) whose kernel command is ``argv``."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import KernelManager

    class OneSpec(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=argv, display_name="forked", language="python")

    return KernelManager(kernel_name="forked", kernel_spec_manager=OneSpec())


class Zygote:
    """One zygote for this pytest process, started on first use."""

    def __init__(self):
        import subprocess
        import tempfile

        self.folder = tempfile.mkdtemp(prefix="bp-zygote-")
        self.address = os.path.join(self.folder, "socket")
        self.process = subprocess.Popen([sys.executable, __file__, "zygote", self.address],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.process.stdout.readline()
        if line.strip() != b"ready":
            self.process.kill()
            self.close()
            raise RuntimeError(f"the kernel zygote did not start (exit code {self.process.returncode})")

    def kernel_argv(self):
        return [sys.executable, "-I", "-S", __file__, "client", self.address, "-f", "{connection_file}"]

    def close(self):
        """Ends the zygote (the kernels it forked end with their clients) and removes its socket folder."""
        import shutil

        self.process.stdin.close()
        self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    mode, address, *rest = sys.argv[1:]
    if mode == "zygote":
        sys.path[0:1] = []   # this file's folder is no module path of a kernel
        zygote(address)
    else:
        client(address, rest)
