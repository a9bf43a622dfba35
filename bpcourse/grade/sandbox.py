"""The kernel of one submission, and the sandbox it runs in.

Sandboxed (the default; Linux, ``bwrap`` from the ``bubblewrap`` package)
-----------------------------------------------------------------------
Each kernel is an IPython kernel started by ``bwrap`` in namespaces of its own:
user (uid 1000 inside, no capabilities, no further user namespaces, a seccomp
filter against the kernel keyrings, ptrace, perf, bpf, userfaultfd and
io_uring on x86_64 and aarch64), PID (the
kernel is pid 2 and sees only its own processes), IPC, UTS, cgroup and network
(none at all: not even the grader is reachable over TCP). Its file system is
built from nothing: the system (``/usr``) and the Python environment (the
interpreter, the venv, ``bplib``) read-only, a read-only root, a new ``/proc``
and a minimal ``/dev``, and one private tmpfs of ``disk_mb``, ``/tmp``, that holds
its home and working folder (``/tmp/student``) with its own copy of the
submission (and of matplotlib's font list, built once by the grader: each kernel
would spend about 0.4 s of CPU building it). Nothing of the
grader is mounted: not ``bpcourse`` (the answer key), not ``solutions/``, not
the other submissions, not the reports. ``--die-with-parent``: if the grader
dies, every sandbox dies with it.

The grader talks to the kernel over ZeroMQ's ``ipc`` transport: the kernel's
Unix sockets live in a small tmpfs inside the sandbox, which the grader reaches
through ``/proc/PID/root``. It connects once, before any notebook code runs,
checks that the path is a socket, and never reconnects, so a notebook that
replaces the socket with a link cannot point the grader anywhere else. Its end
speaks ZeroMQ's wire protocol itself (``Shell``), reading each message with
bounded memory: the notebook holds the kernel's socket and session key.

Limits. Where the grader's own cgroup (v1) hierarchies are writable (as root on
most Linux servers and containers), each submission gets a cgroup below the
grader's for ``memory`` (``memory_mb`` for all its processes together, swap
included), ``pids`` (``processes`` tasks) and ``cpu`` (``cpus`` cores). Every
process also gets rlimits: address space (twice ``memory_mb`` where the cgroup
holds memory, else ``memory_mb``: a huge allocation raises MemoryError instead
of waking the OOM killer, and address space is not memory, so it is not the
cap where there is a better one), file size ``file_mb``, CPU time, no core
dumps, and ``processes`` for its user, which is its own in its user namespace.
Where no cgroup can be made (cgroup v2 without delegation, macOS), only the
rlimits apply, per process, and each row's detail says so (NO_CGROUP). glibc
gets two malloc arenas per process (each thread's arena would otherwise reserve
64 MB of address space).

Unsandboxed (``--no-sandbox``: macOS, or Linux without bubblewrap)
------------------------------------------------------------------
The kernel runs as the grader's user in a temporary folder that is its HOME and
TMPDIR, with the same rlimits except the process count, in its own session; it
is killed with its process group and any process that carries its private
token or works in its folder. It can read and write whatever the grader's user
can; every row's detail records that it ran unsandboxed.
"""
import contextlib
import json
import os
import platform
import re
import secrets
import select
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap; "
                "Arch: pacman -S bubblewrap), or pass --no-sandbox to run each kernel with only rlimits "
                "(macOS has no bubblewrap; every row's detail then says the submission ran unsandboxed)")
TMP = "/tmp"                  # the sandbox's one writable tmpfs (size-capped)
HOME = "/tmp/student"         # in it: the kernel's home and working folder, with its copy of the submission
RUN = "/run/kernel"           # the kernel's connection file and sockets
UID = 1000
STDERR_TAIL = 4000            # bytes of a kernel's stderr kept, for start failures
MAX_HEADER_BYTES = 2**16      # a message's header, parent header and metadata (a few hundred bytes each)
REPLY_GRACE = 10.0            # seconds for a reply that has begun to arrive to end, past its deadline
SEND_TIMEOUT = 30.0           # seconds for a kernel to take a request
ROOT = Path(__file__).resolve().parents[2]   # the course checkout


NO_CGROUP = "no writable cgroup here: memory and process limits are per process (rlimits)"
UNSANDBOXED = "ran unsandboxed (--no-sandbox): rlimits per process only, the grader's files readable"


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run on this machine; the message says why and what to do."""


class KernelStartError(RuntimeError):
    pass


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 3072     # all processes of a submission (cgroup), and each one's address space
    processes: int = 256      # tasks (processes and threads) of a submission
    disk_mb: int = 256        # its writable tmpfs
    file_mb: int = 64         # the largest file it may write
    cpu_seconds: int = 3600   # CPU time of any one of its processes
    cpus: float = 1.0         # CPU cores it may use at once (cgroup)


# --- cgroups --------------------------------------------------------------------------------------------------------

def _own_cgroups(mountinfo="/proc/self/mountinfo", cgroup="/proc/self/cgroup"):
    """{controller: directory of the grader's own cgroup v1 for it} for memory, pids, cpu and cpuacct."""
    try:
        with open(cgroup) as f:
            own = {}
            for line in f:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                for controller in controllers.split(","):
                    own[controller] = path
        with open(mountinfo) as f:
            mounts = [line.split() for line in f]
    except OSError:
        return {}
    found = {}
    for fields in mounts:
        separator = fields.index("-")
        fstype, options = fields[separator + 1], fields[separator + 3].split(",")
        if fstype != "cgroup":
            continue
        root, mountpoint = fields[3], fields[4]
        for controller in ("memory", "pids", "cpu", "cpuacct"):
            if controller in options and controller in own and controller not in found:
                path = own[controller]
                if root != "/" and not (path + "/").startswith(root + "/"):
                    continue
                relative = path[len(root):] if root != "/" else path
                found[controller] = os.path.normpath(mountpoint + "/" + relative.lstrip("/"))
    return found


class Cgroup:
    """A cgroup v1 per controller (memory, pids, cpu, cpuacct) below the grader's own, for one submission."""

    PREFIX = "bp-grade-"

    def __init__(self, bases, limits):
        self.dirs = {}
        name = f"{self.PREFIX}{os.getpid()}-{secrets.token_hex(6)}"
        try:
            for controller, base in bases.items():
                path = os.path.join(base, name)
                os.mkdir(path)
                self.dirs[controller] = path
            memory = limits.memory_mb * 2**20
            self._write("memory", "memory.limit_in_bytes", memory)
            self._write("memory", "memory.memsw.limit_in_bytes", memory, optional=True)  # no swapping past it
            self._write("pids", "pids.max", limits.processes)
            period = 100_000
            self._write("cpu", "cpu.cfs_period_us", period)
            self._write("cpu", "cpu.cfs_quota_us", max(1000, int(period * limits.cpus)))
        except OSError:
            self.remove()
            raise

    def _write(self, controller, name, value, optional=False):
        if controller not in self.dirs:
            return
        path = os.path.join(self.dirs[controller], name)
        if optional and not os.path.exists(path):
            return
        with open(path, "w") as f:
            f.write(str(value))

    def join(self, pid):
        for path in self.dirs.values():
            with open(os.path.join(path, "cgroup.procs"), "w") as f:
                f.write(str(pid))

    def _read(self, controller, name):
        try:
            with open(os.path.join(self.dirs[controller], name)) as f:
                return f.read()
        except (KeyError, OSError):
            return ""

    def peak_memory(self):
        """The most memory its processes held at once, in bytes (None where unknown)."""
        text = self._read("memory", "memory.max_usage_in_bytes").strip()
        return int(text) if text.isdigit() else None

    def oom_kills(self):
        """How many of its processes the kernel's OOM killer stopped."""
        match = re.search(r"^oom_kill (\d+)", self._read("memory", "memory.oom_control"), re.M)
        return int(match.group(1)) if match else 0

    def cpu_seconds(self):
        """CPU time its processes used (None where unknown)."""
        text = self._read("cpuacct", "cpuacct.usage").strip()
        return int(text) / 1e9 if text.isdigit() else None

    def stats(self):
        return {"peak_memory": self.peak_memory(), "oom_kills": self.oom_kills(), "cpu_seconds": self.cpu_seconds()}

    def pids(self):
        found = set()
        for controller in self.dirs:
            found |= {int(p) for p in self._read(controller, "cgroup.procs").split()}
        return found

    def remove(self, seconds=5.0):
        """Kill whatever is left in it and remove its directories; the ones that stay (busy)."""
        deadline = time.monotonic() + seconds
        while self.dirs:
            for pid in self.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            for controller, path in list(self.dirs.items()):
                try:
                    os.rmdir(path)
                    del self.dirs[controller]
                except FileNotFoundError:
                    del self.dirs[controller]
                except OSError:
                    pass
            if not self.dirs or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        return list(self.dirs.values())

    @classmethod
    def remove_stale(cls, bases):
        """Remove empty cgroups left by a grader that was killed (its pid is gone)."""
        for base in bases.values():
            try:
                entries = os.listdir(base)
            except OSError:
                continue
            for entry in entries:
                match = re.fullmatch(rf"{cls.PREFIX}(\d+)-[0-9a-f]+", entry)
                if match and not os.path.exists(f"/proc/{match.group(1)}"):
                    try:
                        os.rmdir(os.path.join(base, entry))
                    except OSError:
                        pass


def cgroup_bases():
    """The grader's own writable cgroup v1 directories ({} where there are none)."""
    return {controller: path for controller, path in _own_cgroups().items()
            if os.path.isdir(path) and os.access(path, os.W_OK)}


# --- what the sandbox mounts ------------------------------------------------------------------------------------------

_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime", "timezone", "nsswitch.conf",
        "passwd", "group", "hosts", "host.conf", "mime.types", "fonts", "ssl", "ca-certificates",
        "matplotlibrc", "locale.alias", "localtime")


def _inside(path, folder):
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def user_site():
    """The grader's user site-packages folder (``pip install --user``), if it has one."""
    import site

    path = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    return path if path and os.path.isdir(path) else None


def bplib_parent():
    """The folder that holds the grader's own bplib. A kernel's Python searches it first: the venv may
    map ``import bplib`` elsewhere (an editable install from another clone of the course), and a
    kernel must check answers with the bplib the grader judges them by. In the sandbox only bplib
    itself is mounted there (``python_paths``)."""
    import bplib

    return os.path.dirname(os.path.dirname(os.path.abspath(bplib.__file__)))


def python_paths(hidden):
    """Read-only folders the kernel's Python needs: the interpreter's installation, the venv,
    site-packages, the user's site-packages and bplib's own folder (an editable install lives in
    the checkout), none holding any path in ``hidden``. Nothing else on the grader's sys.path
    (its working folder, the test folders) is mounted."""
    import site

    import bplib

    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable)),
                  os.path.dirname(os.path.abspath(bplib.__file__)), *site.getsitepackages(), user_site()]
    found = []
    for path in candidates:
        if path is None:
            continue
        path = os.path.abspath(path)
        if not os.path.isdir(path) or any(_inside(h, path) for h in hidden):
            continue
        if any(_inside(path, other) for other in found):
            continue
        found = [other for other in found if not _inside(other, path)] + [path]
    return sorted(found)


def _system_mounts():
    args = []
    for top in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "opt"):
        path = "/" + top
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for entry in sorted(set(_ETC)):
        path = "/etc/" + entry
        if os.path.lexists(path):
            args += ["--ro-bind-try", path, path]
    return args


def probe(bwrap):
    """The extra bwrap options this machine's bubblewrap supports (``--disable-userns`` came in
    0.8); SandboxUnavailable, with bwrap's own message, when it cannot make a sandbox at all
    (user namespaces disabled, as some distributions do by default)."""
    base = [bwrap, "--unshare-user", "--unshare-pid", "--unshare-net", "--die-with-parent", "--ro-bind", "/", "/"]
    attempts = [["--disable-userns"], []]
    message = ""
    for extra in attempts:
        try:
            result = subprocess.run(base + extra + ["true"], capture_output=True, text=True, timeout=30,
                                    env={"PATH": os.environ.get("PATH", os.defpath)})
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SandboxUnavailable(f"{bwrap} could not run ({error}): {INSTALL_HINT}") from None
        if result.returncode == 0:
            return extra
        message = result.stderr.strip()[:300]
        if "disable-userns" not in message:
            break
    raise SandboxUnavailable(f"bubblewrap cannot make a sandbox here ({message or 'no message'}); it needs "
                             "unprivileged user namespaces (on Ubuntu 24.04: sysctl "
                             "kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for bwrap); "
                             "or pass --no-sandbox")


# Syscalls a submission never needs, denied with EPERM: the kernel keyrings (shared by every
# process of one user: a channel between sandboxes), tracing and reading other processes' memory,
# and interfaces that mostly serve kernel exploits.
_DENIED = {
    "x86_64": (0xC000003E, {"keyctl": 250, "add_key": 248, "request_key": 249, "ptrace": 101,
                            "process_vm_readv": 310, "process_vm_writev": 311, "perf_event_open": 298,
                            "bpf": 321, "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
                            "io_uring_register": 427, "kexec_load": 246, "init_module": 175,
                            "finit_module": 313, "delete_module": 176, "open_by_handle_at": 304, "syslog": 103}),
    "aarch64": (0xC00000B7, {"keyctl": 219, "add_key": 217, "request_key": 218, "ptrace": 117,
                             "process_vm_readv": 270, "process_vm_writev": 271, "perf_event_open": 241,
                             "bpf": 280, "userfaultfd": 282, "io_uring_setup": 425, "io_uring_enter": 426,
                             "io_uring_register": 427, "kexec_load": 104, "init_module": 105,
                             "finit_module": 273, "delete_module": 106, "open_by_handle_at": 265, "syslog": 116}),
}

def seccomp_program(machine=None):
    """A seccomp BPF program (bwrap --seccomp) denying _DENIED with EPERM, and every call of another
    ABI (i386 or x32 numbers differ); None on machines it does not know (the sandbox then has none)."""
    machine = machine or platform.machine()
    if machine not in _DENIED:
        return None
    arch, calls = _DENIED[machine]
    LD, JEQ, JGE, RET = 0x20, 0x15, 0x35, 0x06    # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JGE|K, BPF_RET|K
    ALLOW, EPERM = 0x7FFF0000, 0x00050000 | 1
    program = [(LD, 0, 0, 4), (JEQ, 1, 0, arch), (RET, 0, 0, EPERM), (LD, 0, 0, 0)]
    if machine == "x86_64":   # the x32 ABI: the same arch, numbers with bit 30 set
        program += [(JGE, 0, 1, 0x40000000), (RET, 0, 0, EPERM)]
    numbers = sorted(set(calls.values()))
    for i, number in enumerate(numbers):
        program.append((JEQ, len(numbers) - i, 0, number))   # jump to the EPERM at the end
    program += [(RET, 0, 0, ALLOW), (RET, 0, 0, EPERM)]
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)


def bwrap_command(bwrap, limits, *, python_dirs, hidden, fds, submission_name, extra=("--disable-userns",),
                  home_files=None):
    """The bwrap argument list (without the command); ``fds``: {"connection", "submission",
    "info", "block"} file descriptors it reads from or writes to; ``extra``: what ``probe`` found;
    ``home_files``: {path relative to the home: file descriptor to read it from}."""
    args = [bwrap, "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", *extra, "--uid", str(UID), "--gid", str(UID),
            "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    # The writable tmpfs comes first, so that Python folders under /tmp (a venv there) are bound
    # over it afterwards instead of being hidden by it.
    args += ["--size", str(limits.disk_mb * 2**20), "--tmpfs", TMP]
    args += _system_mounts()
    for path in python_dirs:
        args += ["--ro-bind", path, path]
    for path in hidden:  # course folders that lie inside a bound folder: an empty, read-only stand-in
        if any(_inside(path, bound) for bound in python_dirs) and os.path.isdir(path):
            args += ["--size", "4096", "--tmpfs", path, "--remount-ro", path]
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(16 * 2**20), "--tmpfs", "/dev/shm",
             "--remount-ro", "/dev",
             "--dir", HOME,
             "--size", str(2**20), "--tmpfs", RUN,
             "--file", str(fds["connection"]), RUN + "/kernel.json",
             "--file", str(fds["submission"]), f"{HOME}/{submission_name}",
             *_home_file_args(home_files or {}),
             "--chdir", HOME, "--remount-ro", "/",
             "--info-fd", str(fds["info"]), "--block-fd", str(fds["block"]), "--clearenv"]
    if "seccomp" in fds:
        args += ["--seccomp", str(fds["seccomp"])]
    return args


def _home_file_args(home_files):
    args, folders = [], set()
    for relative, fd in sorted(home_files.items()):
        parts = Path(relative).parts
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder not in folders:
                folders.add(folder)
                args += ["--dir", f"{HOME}/{folder}"]
        args += ["--file", str(fd), f"{HOME}/{relative}"]
    return args


def _kernel_env(home, tmp, extra_path=()):
    env = {"PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]),
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": home, "TMPDIR": tmp, "USER": "student",
           "LOGNAME": "student", "IPYTHONDIR": f"{home}/.ipython", "MPLCONFIGDIR": f"{home}/.matplotlib",
           "JUPYTER_CONFIG_DIR": f"{home}/.jupyter", "JUPYTER_DATA_DIR": f"{home}/.jupyter",
           "JUPYTER_RUNTIME_DIR": f"{home}/.jupyter/runtime", "JUPYTER_PLATFORM_DIRS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
           # One BLAS thread (several kernels share the cores), and figures are not rendered:
           # grading reads functions, and plt.show() costs most of a plotting notebook's time.
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg",
           "MALLOC_ARENA_MAX": "2"}
    if extra_path:
        env["PYTHONPATH"] = os.pathsep.join(extra_path)
    return env


# In the kernel's process, before ipykernel: limits for it and everything it starts. The grader
# never debugs a kernel: without debugpy (pydevd) a kernel starts with about 0.1 s less CPU.
_LAUNCHER = """import resource, sys
names = ("RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NPROC", "RLIMIT_CPU", "RLIMIT_CORE")
for name, value in zip(names, sys.argv[1:6]):
    if int(value) >= 0:
        resource.setrlimit(getattr(resource, name), (int(value), int(value)))
del sys.argv[1:6]
if sys.path and sys.path[0] == "":
    del sys.path[0]
sys.modules["debugpy"] = None   # while ipykernel looks for it: no debugger (the notebook may import it)
try:
    import ipykernel.debugger
except ImportError:
    pass
del sys.modules["debugpy"]
from ipykernel.kernelapp import launch_new_instance
launch_new_instance()
"""


# No input history: nothing reads it, and its SQLite file costs each kernel time and disk. Plain
# one-line tracebacks without colours: the grader reads an error's name and message only, and
# IPython's default tracebacks (source context, syntax colouring) cost a kernel about 0.1 s of CPU
# for its first error (stack_data and pygments are imported then) and about 0.1 s for each error
# raised from nested calls (a failing check cell); an untouched notebook has one per exercise.
KERNEL_OPTIONS = ("--HistoryManager.enabled=False", "--InteractiveShell.xmode=Minimal",
                  "--InteractiveShell.colors=NoColor")


def font_cache(python=sys.executable, timeout=120):
    """{path relative to a kernel's home: bytes}: matplotlib's font list, as a kernel builds it on
    its first ``import matplotlib`` (about 0.4 s of CPU), built here once by the grader's Python
    with the kernels' environment and an empty home (system fonts only, as in the sandbox);
    {} without matplotlib. Each kernel gets its own copy: nothing a kernel writes reaches another."""
    import glob
    import shutil

    folder = tempfile.mkdtemp(prefix="bp-grade-fonts-")
    try:
        site_path = user_site()
        subprocess.run([python, "-c", "import matplotlib.font_manager"], cwd=folder,
                       env=_kernel_env(folder, folder, [site_path] if site_path else []), stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout, check=True)
        found = glob.glob(os.path.join(folder, ".matplotlib", "fontlist-*.json"))
        if len(found) == 1:
            with open(found[0], "rb") as f:
                return {f".matplotlib/{os.path.basename(found[0])}": f.read()}
    except (OSError, subprocess.SubprocessError):
        pass
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {}


def _launcher_args(limits, nproc, address_space):
    return ["-c", _LAUNCHER, str(address_space), str(limits.file_mb * 2**20), str(nproc), str(limits.cpu_seconds), "0"]


def _parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def children_of(pid):
    """Pids whose parent is ``pid`` (a scan of /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _parent_of(int(entry)) == pid:
            found.append(int(entry))
    return found


class _Tail(threading.Thread):
    """Reads a pipe to its end, keeping the last STDERR_TAIL bytes (a kernel's stderr)."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.data, self.lock = stream, bytearray(), threading.Lock()
        self.start()

    def run(self):
        fd = self.stream.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            with self.lock:
                self.data += chunk
                del self.data[:-STDERR_TAIL]

    def text(self):
        with self.lock:
            return bytes(self.data).decode("utf-8", "replace").strip().replace("\n", " | ")[-300:]


def _write_pipe(data):
    """A pipe's read end holding ``data`` (written by a thread if it is larger than the pipe)."""
    read, write = os.pipe()

    def feed():
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(write, view[:65536]):]
        except OSError:
            pass
        finally:
            os.close(write)

    if len(data) < 60000:
        feed()
    else:
        threading.Thread(target=feed, daemon=True).start()
    return read


def _file_name(name):
    """The submission's file name as the kernel sees it: no folders, no leading dot, no odd characters."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name)[:100].lstrip(".") or "submission.ipynb"


# --- launchers ----------------------------------------------------------------------------------------------------------

class _KernelProcess:
    """What a sandboxed and an unsandboxed kernel process share (each sets ``proc`` and ``tail``)."""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def exit_code(self):
        return self.proc.returncode if self.proc else None

    def log(self):
        return self.tail.text() if self.tail else ""

    def _wait(self):
        """Wait for the killed process, 10 s at most."""
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def _close_stderr(self):
        """Collect the rest of its stderr (ends once no process of it holds the pipe) and close it."""
        self.tail.join(timeout=5)
        self.proc.stderr.close()


class Sandbox(_KernelProcess):
    """One bwrap sandbox holding one kernel (see the module docstring)."""

    sandboxed = True

    def __init__(self, bwrap, limits, *, cgroups, python_dirs, hidden, name, data, extra=("--disable-userns",),
                 home_files=None):
        self.bwrap, self.limits, self.bases, self.extra = bwrap, limits, cgroups, extra
        self.python_dirs, self.hidden = python_dirs, hidden
        self.name = _file_name(name)
        self.data = data
        self.home_files = home_files or {}   # {path relative to its home: bytes} (font_cache)
        self.proc = self.init_pid = self.cgroup = self._kernel_pid = self.tail = None
        self.leftover_cgroups = []
        self.stats = {"peak_memory": None, "oom_kills": 0, "cpu_seconds": None}

    def socket_path(self):
        return f"/proc/{self.init_pid}/root{RUN}/k"

    def start(self, connection):
        fds = {"connection": _write_pipe(json.dumps(connection).encode()), "submission": _write_pipe(self.data)}
        program = seccomp_program()
        if program is not None:
            fds["seccomp"] = _write_pipe(program)
        home = {relative: _write_pipe(data) for relative, data in self.home_files.items()}
        fds.update({f"home {relative}": fd for relative, fd in home.items()})
        info_read, fds["info"] = os.pipe()
        fds["block"], block_write = os.pipe()
        if self.bases:
            self.cgroup = Cgroup(self.bases, self.limits)
        site_path = user_site()
        env = _kernel_env(HOME, TMP, [bplib_parent()] + ([site_path] if site_path in self.python_dirs else []))
        command = bwrap_command(self.bwrap, self.limits, python_dirs=self.python_dirs, hidden=self.hidden,
                                fds=fds, submission_name=self.name, extra=self.extra, home_files=home)
        for key, value in env.items():
            command += ["--setenv", key, value]
        # The address space is capped at twice the memory where the cgroup caps the memory itself.
        address_space = self.limits.memory_mb * 2**20 * (2 if "memory" in (self.bases or {}) else 1)
        command += [sys.executable] + _launcher_args(self.limits, self.limits.processes, address_space)
        command += ["-f", RUN + "/kernel.json", *KERNEL_OPTIONS]
        try:
            # bwrap's own environment is visible in the sandbox as /proc/1/environ: keep it bare.
            self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, pass_fds=tuple(fds.values()),
                                         env={"PATH": os.environ.get("PATH", os.defpath)}, start_new_session=True)
        finally:
            for fd in fds.values():
                os.close(fd)
        self.tail = _Tail(self.proc.stderr)
        try:
            info = _read_json(info_read, time.monotonic() + 30)
            self.init_pid = int(info["child-pid"])
            if self.cgroup is not None:
                self.cgroup.join(self.init_pid)   # before the kernel exists: it and its children inherit it
            os.write(block_write, b"1")
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise KernelStartError(f"the sandbox did not start ({error}): {self.log()}") from None
        finally:
            os.close(info_read)
            os.close(block_write)

    def kernel_pid(self):
        """The kernel's pid (outside the sandbox): the child of the sandbox's init."""
        if self._kernel_pid is None and self.init_pid:
            children = children_of(self.init_pid)
            self._kernel_pid = children[0] if children else None
        return self._kernel_pid


    def kill(self):
        """Kill every process of the sandbox and remove its cgroup (its tmpfs goes with it);
        ``stats`` then holds its peak memory, OOM kills and CPU time."""
        for pid in (self.init_pid, self.proc.pid if self.proc else None):
            if pid:
                try:  # the init of its PID namespace: the kernel and all it started die with it
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if self.proc is not None:
            self._wait()
            self._close_stderr()
        if self.cgroup is not None:
            self.stats = self.cgroup.stats()
            self.leftover_cgroups = self.cgroup.remove()


def _read_json(fd, deadline):
    """One JSON object from ``fd`` (bwrap's info: written in parts, closed when complete)."""
    data = b""
    while True:
        try:
            return json.loads(data)
        except ValueError:
            pass
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise ValueError("no sandbox information")
        chunk = os.read(fd, 4096)
        if not chunk:
            return json.loads(data)
        data += chunk


class Unsandboxed(_KernelProcess):
    """A kernel in a temporary folder of its own, with rlimits only (``--no-sandbox``)."""

    sandboxed = False

    def __init__(self, limits, *, name, data, home_files=None):
        self.limits, self.data = limits, data
        self.name = _file_name(name)
        self.root = tempfile.mkdtemp(prefix="bp-grade-")
        self.work = os.path.join(self.root, "work")
        os.makedirs(os.path.join(self.work, "tmp"), mode=0o700)
        with open(os.path.join(self.work, self.name), "wb") as f:
            f.write(data)
        for relative, content in (home_files or {}).items():
            path = os.path.join(self.work, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(content)
        self.token = secrets.token_hex(16)
        self.proc = self.tail = None
        self.leftover_cgroups = []
        self.stats = {"peak_memory": None, "oom_kills": 0, "cpu_seconds": None}

    def socket_path(self):
        return os.path.join(self.root, "k")

    def start(self, connection):
        path = os.path.join(self.root, "kernel.json")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            json.dump(dict(connection, ip=self.socket_path()), f)
        # Only bplib, not the checkout around it (solutions/, the answer key): a folder with a link to it.
        link = os.path.join(self.root, "bplib")
        if not os.path.lexists(link):
            os.symlink(os.path.join(bplib_parent(), "bplib"), link)
        env = dict(_kernel_env(self.work, os.path.join(self.work, "tmp"), [self.root]), BP_GRADE_TOKEN=self.token)
        # RLIMIT_NPROC would count every process of the grader's user: not set here.
        self.proc = subprocess.Popen([sys.executable] + _launcher_args(self.limits, -1, self.limits.memory_mb * 2**20)
                                     + ["-f", path, *KERNEL_OPTIONS],
                                     cwd=self.work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.tail = _Tail(self.proc.stderr)

    def kernel_pid(self):
        return self.proc.pid if self.proc else None

    def kill(self):
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self._wait()
            sweep(self.token, self.root)
            self._close_stderr()
        _remove_tree(self.root)


def sweep(token, root, rounds=5):
    """Kill processes whose environment holds ``token`` or whose working folder is under ``root``;
    return the pids still found after ``rounds`` attempts (Linux /proc; elsewhere a no-op)."""
    if not os.path.isdir("/proc"):
        return []
    marker = f"BP_GRADE_TOKEN={token}".encode()
    me, found = os.getpid(), []
    for _ in range(rounds):
        found = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit() or int(entry.name) == me:
                continue
            pid = int(entry.name)
            hit = False
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    hit = marker in f.read()
            except OSError:
                pass
            if not hit:
                try:
                    hit = _inside(os.readlink(f"/proc/{pid}/cwd"), root)
                except OSError:
                    pass
            if hit and not _zombie(pid):
                found.append(pid)
        if not found:
            return []
        for pid in found:
            with contextlib.suppress(OSError):   # gone since the scan
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    return found


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return True


def _remove_tree(path):
    """Remove a kernel's folder whatever permissions its notebook left on it (links are not followed)."""
    try:
        if os.path.islink(path) or not os.path.isdir(path):
            os.unlink(path)
            return
        os.chmod(path, 0o700)
        for entry in os.scandir(path):
            _remove_tree(entry.path)
        os.rmdir(path)
    except OSError:
        pass


# --- the kernel -----------------------------------------------------------------------------------------------------

class Shell:
    """The grader's end of a kernel's shell socket: ZeroMQ's wire protocol (ZMTP 3.0, NULL
    mechanism, the grader a DEALER) on the Unix socket, without libzmq. libzmq holds every part of
    a multipart message before the first can be read: a notebook that sent one 60 MB buffer as
    the 20 parts of a message (60 MB of its own memory) cost the grader 1.2 GB. Here a message is
    read part by part, each part's size known before it is read, and refused (ConnectionError)
    past MAX_PARTS parts or ``max_message`` bytes; TimeoutError when the deadline passes."""

    MAX_PARTS = 16   # a reply has 6: delimiter, signature, header, parent header, metadata, content
    GREETING = b"\xff" + bytes(8) + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\x00") + bytes(32)
    READY = b"\x05READY\x0bSocket-Type" + (6).to_bytes(4, "big") + b"DEALER"
    MORE, LONG, COMMAND = 1, 2, 4

    def __init__(self, path, max_message):
        self.max_message = max_message
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.sock.connect(path)
        except OSError:
            self.sock.close()
            raise

    def handshake(self, deadline):
        self._send(self.GREETING + self._frame(self.READY, self.COMMAND), deadline)
        greeting = self._read(64, deadline)
        mechanism = greeting[12:32].rstrip(b"\x00")
        if greeting[0] != 0xFF or greeting[9] != 0x7F or greeting[10] < 3 or mechanism != b"NULL":
            raise ConnectionError("not a ZeroMQ peer")
        flags, body = self._part(deadline)
        if not flags & self.COMMAND or not body.startswith(b"\x05READY"):
            raise ConnectionError("no READY from the kernel")

    def _frame(self, body, flags=0):
        if len(body) > 255:
            return bytes([flags | self.LONG]) + len(body).to_bytes(8, "big") + body
        return bytes([flags, len(body)]) + body

    def send(self, parts, deadline):
        last = len(parts) - 1
        data = b"".join(self._frame(part, self.MORE if i < last else 0) for i, part in enumerate(parts))
        self._send(data, deadline)

    def _send(self, data, deadline):
        self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        self.sock.sendall(data)

    def readable(self, seconds):
        return bool(select.select([self.sock], [], [], max(seconds, 0))[0])

    def recv(self, deadline):
        """The parts of the next message (commands between messages, such as PING, are skipped)."""
        parts, total = [], 0
        while True:
            flags, body = self._part(deadline, self.max_message - total)
            if flags & self.COMMAND:
                if parts:
                    raise ConnectionError("a command inside a message")
                continue
            parts.append(body)
            total += len(body)
            if not flags & self.MORE:
                return parts
            if len(parts) >= self.MAX_PARTS:
                raise ConnectionError(f"a message of more than {self.MAX_PARTS} parts")

    def _part(self, deadline, limit=MAX_HEADER_BYTES):
        flags = self._read(1, deadline)[0]
        size = int.from_bytes(self._read(8 if flags & self.LONG else 1, deadline), "big")
        if size > limit or flags & self.COMMAND and size > MAX_HEADER_BYTES:
            raise ConnectionError(f"a message part of {size} bytes")
        return flags, self._read(size, deadline)

    def _read(self, n, deadline):
        data, got = bytearray(n), 0
        view = memoryview(data)
        while got < n:
            if not self.readable(deadline - time.monotonic()):
                raise TimeoutError("no data")
            received = self.sock.recv_into(view[got:], min(n - got, 1 << 20))
            if not received:
                raise ConnectionResetError("the kernel closed its socket")
            got += received
        return bytes(data)

    def close(self):
        self.sock.close()


class Kernel:
    """An IPython kernel in a launcher (Sandbox or Unsandboxed), spoken to over its shell socket only.

    The grader never subscribes to the kernel's output channel: output a notebook prints
    (megabytes or more) is dropped by the kernel and costs the grader nothing."""

    def __init__(self, launcher, max_reply):
        from jupyter_client.session import Session

        self.launcher, self.max_reply = launcher, max_reply
        key = secrets.token_hex(32)
        self.connection = dict(shell_port=1, iopub_port=2, stdin_port=3, control_port=4, hb_port=5,
                               ip=RUN + "/k", key=key, transport="ipc", signature_scheme="hmac-sha256",
                               kernel_name="")
        self.session = Session(key=key.encode(), signature_scheme="hmac-sha256", username="bp-grade")
        self.shell = None
        self.broken = False   # the connection is unusable: every wait is "garbled" (or "dead")

    def start(self, timeout):
        deadline = time.monotonic() + timeout
        self.launcher.start(self.connection)
        path = self.launcher.socket_path() + "-1"
        while True:   # the shell socket, listening, before any notebook code can run
            try:
                if stat.S_ISSOCK(os.lstat(path).st_mode):
                    self.shell = Shell(path, self.max_reply)
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or not self.launcher.alive():
                raise KernelStartError(f"the kernel did not start: {self.launcher.log() or 'no socket'}")
            time.sleep(0.02)
        self._handshake(deadline)
        msg_id = self._request("kernel_info_request", {})
        state, _ = self.wait(msg_id, deadline)
        if state != "reply":
            raise KernelStartError(f"the kernel did not start ({state}): {self.launcher.log()}")

    def connect(self, path, deadline):
        """Connect to a shell socket at ``path`` (start does this; tests use it on their own sockets)."""
        self.shell = Shell(path, self.max_reply)
        self._handshake(deadline)

    def _handshake(self, deadline):
        try:
            self.shell.handshake(deadline)
        except OSError as error:
            state = "timeout" if isinstance(error, TimeoutError) else "garbled"
            raise KernelStartError(f"the kernel did not start ({state}): {self.launcher.log()}") from None

    def alive(self):
        return self.launcher.alive()

    def wait(self, msg_id, deadline):
        """("reply", content), ("dead", exit code), ("garbled", None) or ("timeout", None).

        Only this kernel can send to the socket, and only replies to our requests, one at a time;
        so a message that does not verify or is not the well-formed reply to ``msg_id`` means the
        kernel's messaging is broken (a notebook that patched ``json.dumps`` does that): "garbled".
        A reply that has begun to arrive gets REPLY_GRACE seconds past the deadline to end, and the
        socket is looked at once more when the deadline has passed: a thread of the grader busy
        in C code (parsing another submission) holds this one up, and the reply may be there."""
        while not self.broken:
            remaining = deadline - time.monotonic()
            if self.shell.readable(min(max(remaining, 0), 0.2)):
                try:
                    frames = self.shell.recv(max(deadline, time.monotonic() + REPLY_GRACE))
                    return "reply", self._reply(frames, msg_id)
                except ConnectionResetError:   # its socket closed: the kernel is most likely dying
                    self.broken = True
                except Exception:  # only this kernel can reach the socket: its messaging is broken
                    self.broken = True
                    return "garbled", None
            elif remaining <= 0:
                return "timeout", None
            elif not self.alive():
                return "dead", self.launcher.exit_code()
        return self._gone()

    def _gone(self):
        """After the connection broke: "dead" if the kernel is gone within a few seconds, else "garbled"."""
        end = time.monotonic() + 5
        while self.alive() and time.monotonic() < end:
            time.sleep(0.02)
        return ("garbled", None) if self.alive() else ("dead", self.launcher.exit_code())

    def _reply(self, frames, msg_id):
        """The content of the reply to ``msg_id`` in ``frames``; an exception for anything else.

        The notebook holds the session key, so it can sign what it likes: nothing is parsed before
        its size is known (JSON costs about 70 bytes of memory a value; a 60 MB frame of ``[],``
        parsed to 1.4 GB in the grader's process). The header, parent header and metadata are small
        or refused, and the content is parsed only when it answers ``msg_id`` and holds fewer than
        wire.MAX_VALUES values."""
        from . import wire

        _, parts = self.session.feed_identities(frames)
        if len(parts) != 5 or any(len(part) > MAX_HEADER_BYTES for part in parts[1:4]):
            raise ValueError("not a reply's frames")
        message = self.session.deserialize(parts, content=False)   # the signature is checked first
        parent = message["parent_header"]
        if not isinstance(parent, dict) or parent.get("msg_id") != msg_id:
            raise ValueError("not the reply awaited")
        if wire.json_values(parts[4]) > wire.MAX_VALUES:
            raise ValueError("a reply too large to parse")
        content = self.session.unpack(parts[4])
        if not isinstance(content, dict):
            raise ValueError("a reply without content")
        return content

    def send(self, code, user_expressions=None, store_history=True):
        content = dict(code=code, silent=False, store_history=store_history, user_expressions=user_expressions or {},
                       allow_stdin=False, stop_on_error=False)
        return self._request("execute_request", content)

    def _request(self, msg_type, content):
        """Send a request; its msg_id. A kernel that does not take it within SEND_TIMEOUT (or has
        closed its socket) breaks the connection: the wait for its reply says so."""
        message = self.session.msg(msg_type, content)
        try:
            if not self.broken:
                self.shell.send(self.session.serialize(message), time.monotonic() + SEND_TIMEOUT)
        except OSError:
            self.broken = True
        return message["header"]["msg_id"]

    def interrupt(self):
        """SIGINT to the kernel process (KeyboardInterrupt in the running cell); False if not found."""
        pid = self.launcher.kernel_pid()
        if not pid:
            return False
        try:
            os.kill(pid, signal.SIGINT)
            return True
        except OSError:
            return False

    def close(self):
        """Kill the kernel and everything of its launcher; close the connection."""
        self.launcher.kill()
        if self.shell is not None:
            self.shell.close()
