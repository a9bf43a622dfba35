"""The student release: what an instructor hands out.

    python -m bpcourse release --out DIR

writes into DIR:

* ``notebooks/``: the learner notebooks (exercises as stubs, stored outputs), with
  ``rise.css`` for slides, and ``notebooks/zh/``, the same in Simplified Chinese;
* ``bplib-<version>-py3-none-any.whl``: the learners' library with its
  feedback data, and without the answer key (no ``bpcourse``, no reference
  answers, no hidden test cases): the wheel is built from ``bplib/`` alone
  and its file list is checked before it is written;
* ``bp_course_jupyter_config-<version>-py3-none-any.whl``: the course's JupyterLab settings
  (``jupyter-config/``, configuration files only), installed by ``requirements.txt`` as in the
  repository;
* ``requirements.txt``, ``README.md`` and ``README.zh.md``: how to install it and start.

The feedback data and the learner notebooks must be up to date with the
answer key (``python -m bpcourse check``); the release refuses otherwise.
"""
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from . import build, translations

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "bplib"
NOTEBOOKS = ROOT / "notebooks"
JUPYTER_CONFIG = ROOT / "jupyter-config"


class ReleaseError(RuntimeError):
    """The release cannot be made; the message says why and what to run."""


def version():
    """bplib's version, read from pyproject.toml (the one place it is written)."""
    match = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    return match.group(1)


STUDENT_README = """# bp-course: backpropagation, from the chain rule to a digit classifier

Twelve Jupyter notebooks in `notebooks/`, to be worked through in order, and `bplib`, the small
library they use. Each exercise is a function you write, followed by a check cell that tells you
at once whether it is right, and if not, what is likely wrong.

## Install and start (one command)

With Python 3.11 or newer, in this folder (on Windows use `.venv\\Scripts\\activate`):

```bash
python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt && jupyter lab notebooks/01_start_here.ipynb
```

Start with `01_start_here`. Nothing is downloaded while you work: the data sets are generated or
come with scikit-learn.
"""

STUDENT_README_ZH = """# bp-course：从链式法则到手写数字分类器，一步步学会反向传播

`notebooks/zh/` 中是 12 个中文 Jupyter 笔记本，请按顺序学习；`bplib` 是它们使用的小型 Python 库。
每个练习都是一个由你来写的函数，后面紧跟一个检查单元格：它会立刻告诉你答案是否正确，
如果不正确，还会指出最可能错在哪里（检查结果也用中文显示）。英文原版在 `notebooks/` 中。

## 安装并启动（一条命令）

需要 Python 3.11 或更新版本。在本文件夹中运行（Windows 上请用 `.venv\\Scripts\\activate`）：

```bash
python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt && jupyter lab notebooks/zh/01_start_here.ipynb
```

从 `01_start_here` 开始。学习过程中不会下载任何东西：数据集要么由代码生成，要么随 scikit-learn 一起安装。
想让 JupyterLab 的菜单也显示中文，可以再安装语言包 `pip install jupyterlab-language-pack-zh-CN`，
然后在 JupyterLab 的 Settings → Language 中选择“中文 (简体, 中国)”。
"""

STUDENT_REQUIREMENTS = """# The course's library (numpy, scikit-learn, matplotlib and ipywidgets come with it) and JupyterLab.
./{wheel}
jupyterlab>=4.2
# The course's JupyterLab settings (configuration files only): no news pop-up.
./{settings}
"""

BUILD_BACKEND = "setuptools.build_meta"
WHEEL_PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "{backend}"

[project]
name = "bplib"
version = "{version}"
description = "Backpropagation from the four equations: the library of the bp-course notebooks"
readme = "README.md"
requires-python = ">=3.11"
dependencies = {dependencies}

[tool.setuptools.packages.find]
include = ["bplib", "bplib.*"]

[tool.setuptools.package-data]
bplib = ["exercise_data/*.json", "locale/*/LC_MESSAGES/*.mo"]
"""


def _dependencies():
    match = re.search(r"^dependencies\s*=\s*(\[.*?\])", (ROOT / "pyproject.toml").read_text(), re.M | re.S)
    return match.group(1)


def _pep517_wheel(source, wheels):
    """Build the project in ``source`` into the folder ``wheels``; return the wheel's path.

    The build backend's own PEP 517 hook, in one child process with this environment's
    setuptools (no build isolation, so nothing is downloaded): what `pip wheel
    --no-build-isolation` ends up calling, without pip's start-up (2.3 s of CPU against 0.5 s).
    A child process, because setuptools builds from the current directory and patches
    distutils and logging in the process that runs it."""
    command = [sys.executable, "-c", f"import sys, {BUILD_BACKEND} as backend; backend.build_wheel(sys.argv[1])",
               str(wheels)]
    done = subprocess.run(command, cwd=source, capture_output=True, text=True)
    if done.returncode != 0:
        raise ReleaseError(f"building the wheel failed ({' '.join(command)} in {source}):\n"
                           f"{done.stderr[-2000:]}")
    (wheel,) = Path(wheels).glob("*.whl")
    return wheel


def build_wheel(out_dir):
    """Build the bplib wheel from ``bplib/`` alone into ``out_dir``; return its path."""
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="bplib-wheel-") as tmp:
        source = Path(tmp) / "src"
        shutil.copytree(LIBRARY, source / "bplib",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))
        (source / "pyproject.toml").write_text(WHEEL_PYPROJECT.format(backend=BUILD_BACKEND, version=version(),
                                                                      dependencies=_dependencies()))
        (source / "README.md").write_text(STUDENT_README)
        wheels = Path(tmp) / "wheels"
        wheels.mkdir()
        wheel = _pep517_wheel(source, wheels)
        check_wheel(wheel)
        target = out_dir / wheel.name
        shutil.copy2(wheel, target)
    return target


def build_settings_wheel(out_dir):
    """Build the wheel of the course's JupyterLab settings (``jupyter-config/``) into ``out_dir``:
    learners then install two ready wheels and build nothing. Returns its path."""
    with tempfile.TemporaryDirectory(prefix="settings-wheel-") as tmp:
        source = Path(tmp) / "src"
        shutil.copytree(JUPYTER_CONFIG, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
        wheels = Path(tmp) / "wheels"
        wheels.mkdir()
        wheel = _pep517_wheel(source, wheels)
        target = Path(out_dir) / wheel.name
        shutil.copy2(wheel, target)
    return target


def check_wheel(wheel):
    """Raise ReleaseError unless the wheel holds bplib, its feedback data and nothing of the answer key."""
    names = zipfile.ZipFile(wheel).namelist()
    packages = {name.split("/", 1)[0] for name in names}
    foreign = sorted(p for p in packages if p != "bplib" and not p.endswith(".dist-info"))
    if foreign:
        raise ReleaseError(f"{wheel.name} holds more than bplib: {foreign}")
    if not any(name.startswith("bplib/exercise_data/") and name.endswith(".json") for name in names):
        raise ReleaseError(f"{wheel.name} has no feedback data (bplib/exercise_data/*.json)")
    leaked = [name for name in names if re.search(r"(^|/)(exercises|answer|solutions?)(\.py|/)", name)]
    if leaked:
        raise ReleaseError(f"{wheel.name} holds files of the answer key: {leaked}")


MARKER = ".bp-course-release"   # in a folder a release wrote: the next release may replace what is there


def release(out_dir):
    """Write the student release into ``out_dir``; return the paths written."""
    problems = build.stale()
    if problems:
        raise ReleaseError("the course is out of date with the answer key; run python -m bpcourse build:\n  "
                           + "\n  ".join(problems))
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ReleaseError(f"--out must be a folder, got the file {out_dir}")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        # A release empties its notebooks/ and writes README.md: never into a folder it did not make
        # (the course's own checkout, say, whose notebooks/ it would delete).
        raise ReleaseError(f"{out_dir} is not empty and holds no earlier release: give --out a new or empty folder "
                           "(or one an earlier release wrote, which it replaces)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / MARKER).write_text("written by python -m bpcourse release; a new release replaces this folder's "
                                      "contents\n", encoding="utf-8")
    except OSError as error:
        raise ReleaseError(f"cannot write into {out_dir}: {error.strerror or error}") from None
    notebooks = out_dir / "notebooks"
    if notebooks.exists():
        shutil.rmtree(notebooks)
    notebooks.mkdir()
    written = []
    for folder in [NOTEBOOKS] + [NOTEBOOKS / lang for lang in translations.LANGUAGES]:
        target = notebooks / folder.relative_to(NOTEBOOKS)
        target.mkdir(exist_ok=True)
        for path in sorted(folder.glob("*.ipynb")) + [folder / build.RISE_CSS]:
            shutil.copy2(path, target / path.name)
            written.append(target / path.name)
    for old in [*out_dir.glob("bplib-*.whl"), *out_dir.glob("bp_course_jupyter_config-*.whl")]:
        old.unlink()
    wheel, settings = build_wheel(out_dir), build_settings_wheel(out_dir)
    (out_dir / "requirements.txt").write_text(STUDENT_REQUIREMENTS.format(wheel=wheel.name, settings=settings.name))
    (out_dir / "README.md").write_text(STUDENT_README, encoding="utf-8")
    (out_dir / "README.zh.md").write_text(STUDENT_README_ZH, encoding="utf-8")
    return written + [wheel, settings, out_dir / "requirements.txt", out_dir / "README.md", out_dir / "README.zh.md"]
