"""The student release: its wheel works on its own, gives feedback, and holds no answer key.

The wheel is installed into a fresh virtual environment with nothing of this
repository on the path (its third-party dependencies come from the test's own
environment through a .pth line, so that nothing is downloaded), and the check
cells of the released learner notebooks are run there against a right and a
wrong answer.

The release refuses a course that is out of date with its answer key (build.stale()); whether
this checkout is up to date is tests/test_course.py's test, so here the release is made with
stale() answering that it is (1.4 s of CPU the same, a second time), and the refusal is tested
with stale() answering that it is not.
"""
import contextlib
import io
import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest

from bpcourse import build, release
from bpcourse.__main__ import main as bpcourse_main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    # `python -m bpcourse release` through its main(), in this process: a child process would
    # spend 3 s of CPU importing nbformat and bplib again before doing the same thing.
    out = tmp_path_factory.mktemp("release")
    errors = io.StringIO()
    asked = []
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(errors), \
            pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "stale", lambda: asked.append(1) or [])   # up to date: tests/test_course.py
        status = bpcourse_main(["release", "--out", str(out)])
    assert status == 0, errors.getvalue()
    assert asked == [1]   # the release asked
    return out


def test_a_course_out_of_date_is_not_released(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "stale", lambda: ["notebooks/05_four_equations.ipynb differs from its solution"])
    with pytest.raises(release.ReleaseError, match="out of date.*\n  notebooks/05_four_equations.ipynb differs"):
        release.release(tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def student_python(released, tmp_path_factory):
    """A fresh venv with the released wheel installed and only third-party packages besides."""
    env_dir = tmp_path_factory.mktemp("student") / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # The venv's own site-packages (the interpreter is this one's, so its scheme is too).
    site = Path(sysconfig.get_path("purelib", vars={"base": str(env_dir), "platbase": str(env_dir)}))
    assert site.is_dir(), site
    (wheel,) = released.glob("bplib-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile", "--no-index",
                    "--disable-pip-version-check", "--target", str(site), str(wheel)], check=True)
    # numpy, scikit-learn, ... from this environment; a plain path line, so the editable
    # install of this repository (activated by a .pth inside that folder) stays out.
    (site / "third_party.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def run_student(python, code, folders):
    """Run ``code`` with the student's Python in each of ``folders`` in turn, in one process (the
    feedback's language is read from the working folder at each check, as a notebook's kernel in
    notebooks/zh/ starts there); its output in each."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    end = "--- end of a folder ---"
    program = "import os\n" + "".join(f"os.chdir({str(folder)!r})\nexec(compile({code!r}, 'cell', 'exec'), {{}})\n"
                                      f"print({end!r})\n" for folder in folders)
    done = subprocess.run([str(python), "-c", program], cwd=folders[0], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    outputs = done.stdout.split(end + "\n")
    assert len(outputs) == len(folders) + 1 and outputs[-1] == "", done.stdout[-2000:]
    return outputs[:-1]


def test_the_release_holds_notebooks_wheel_readme_and_requirements(released):
    names = sorted(p.name for p in (released / "notebooks").glob("*.ipynb"))
    assert names == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")) and len(names) == 12
    (wheel,) = released.glob("bplib-*.whl")
    assert f"./{wheel.name}" in (released / "requirements.txt").read_text()
    readme = (released / "README.md").read_text()
    assert "pip install -r requirements.txt" in readme and "jupyter lab notebooks/01_start_here.ipynb" in readme
    chinese = sorted(p.name for p in (released / "notebooks" / "zh").glob("*.ipynb"))
    assert chinese == names and (released / "notebooks" / "zh" / "rise.css").exists()
    assert (released / "notebooks" / "rise.css").read_text() == (ROOT / "notebooks" / "rise.css").read_text()
    readme_zh = (released / "README.zh.md").read_text(encoding="utf-8")
    assert "jupyter lab notebooks/zh/01_start_here.ipynb" in readme_zh
    assert "jupyterlab-language-pack-zh-CN" in readme_zh
    for path in [*(released / "notebooks").glob("*.ipynb"), *(released / "notebooks" / "zh").glob("*.ipynb")]:
        nb = nbformat.read(path, as_version=4)
        assert "### BEGIN SOLUTION" not in json.dumps([c.source for c in nb.cells]), path.name


def test_the_release_installs_the_course_jupyterlab_settings(released):
    # A ready wheel (learners build nothing) whose data files land in the environment's etc/jupyter.
    (wheel,) = released.glob("bp_course_jupyter_config-*.whl")
    assert f"./{wheel.name}" in (released / "requirements.txt").read_text().splitlines()
    data = "-".join(wheel.name.split("-")[:2]) + ".data/data/etc/jupyter"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {f"{data}/labconfig/page_config.d/bp_course.json",
                f"{data}/jupyter_server_config.d/nbgrader_off_bp_course.json"} <= names, names
        disabled = json.loads(archive.read(f"{data}/labconfig/page_config.d/bp_course.json"))["disabledExtensions"]
    assert disabled["@jupyterlab/apputils-extension:announcements"] is True


def test_the_wheel_holds_bplib_and_its_feedback_data_but_no_answer_key(released):
    (wheel,) = released.glob("bplib-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"bplib", wheel.name.split("-py3")[0] + ".dist-info"}
    assert "bplib/exercise_data/hidden-error.json" in names
    assert "bplib/locale/zh_CN/LC_MESSAGES/bplib.mo" in names   # the Chinese feedback
    assert "bplib/playground/__init__.py" in names or "bplib/playground.py" in names
    text = b"".join(zipfile.ZipFile(wheel).read(name) for name in names if name.endswith((".py", ".json")))
    assert b"bpcourse.exercises" not in text and b"hidden_cases" not in text


def test_check_wheel_refuses_an_answer_key(tmp_path):
    bad = tmp_path / "bplib-0-py3-none-any.whl"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("bplib/__init__.py", "")
        archive.writestr("bplib/exercise_data/a.json", "{}")
        archive.writestr("bpcourse/exercises/__init__.py", "")
    with pytest.raises(release.ReleaseError, match="more than bplib"):
        release.check_wheel(bad)


def test_check_cells_run_against_the_installed_wheel(released, student_python, tmp_path):
    nb = nbformat.read(released / "notebooks" / "02_forward_pass.ipynb", as_version=4)
    imports = next(c.source for c in nb.cells if c.cell_type == "code" and "from bplib.checks import" in c.source)
    check_cell = next(c.source for c in nb.cells if c.cell_type == "code" and 'check("sigmoid"' in c.source)
    code = f"""
import bplib, sys
assert bplib.__file__.startswith(sys.prefix), bplib.__file__
for name in ("bpcourse", "bpcourse.exercises", "bplib.exercises"):
    try:
        __import__(name)
    except ImportError:
        print("not importable:", name)
{imports}
import numpy as np
def sigmoid(z):
    return np.exp(-np.logaddexp(0, -z))   # right, and unlike the reference
{check_cell}
def sigmoid(z):
    return 1 / (1 + np.exp(z))            # the sign mistake
try:
{"".join("    " + line + chr(10) for line in check_cell.splitlines())}except AssertionError as error:
    print("failed:", error)
"""
    (tmp_path / "zh").mkdir()   # a notebook in notebooks/zh/ runs there: its feedback is Chinese
    out, out_zh = run_student(student_python, code, [tmp_path, tmp_path / "zh"])
    assert "正确：sigmoid 通过了全部" in out_zh and "可能的错误" in out_zh
    assert "not importable: bpcourse\nnot importable: bpcourse.exercises\nnot importable: bplib.exercises" in out
    assert "Correct: sigmoid passes all" in out
    assert "failed: sigmoid, test case 1" in out and "likely mistake: sign of the exponent" in out


def test_a_release_never_writes_into_a_folder_it_did_not_make(tmp_path, monkeypatch):
    # release --out . from the checkout deleted the course's notebooks/ (it empties OUT/notebooks).
    # A stand-in for the checkout: a test that broke this guard must not delete the real notebooks/.
    monkeypatch.setattr(build, "stale", lambda: [])
    checkout = tmp_path / "course"
    (checkout / "notebooks").mkdir(parents=True)
    (checkout / "notebooks" / "01_start_here.ipynb").write_text("{}")
    (checkout / "README.md").write_text("the course's own")
    other = tmp_path / "other"
    other.mkdir()
    (other / "mine.txt").write_text("someone else's")
    for out in (checkout, other):
        with pytest.raises(release.ReleaseError, match="is not empty and holds no earlier release: give --out a new"):
            release.release(out)
        assert not (out / release.MARKER).exists()
    assert (checkout / "notebooks" / "01_start_here.ipynb").exists() and (checkout / "README.md").read_text() == \
        "the course's own" and (other / "mine.txt").exists()
    (tmp_path / "file").write_text("")
    with pytest.raises(release.ReleaseError, match="--out must be a folder, got the file"):
        release.release(tmp_path / "file")


def test_a_release_marks_its_folder_and_a_new_release_replaces_an_earlier_ones(released, tmp_path, monkeypatch):
    assert (released / release.MARKER).exists()
    earlier = tmp_path / "handout"
    (earlier / "notebooks").mkdir(parents=True)
    (earlier / "notebooks" / "gone.ipynb").write_text("{}")
    (earlier / release.MARKER).write_text("")
    monkeypatch.setattr(build, "stale", lambda: [])
    for name in ("build_wheel", "build_settings_wheel"):   # the wheels: the fixture's release built them
        monkeypatch.setattr(release, name, lambda out, name=name: Path(out) / f"{name}.whl")
    release.release(earlier)
    assert not (earlier / "notebooks" / "gone.ipynb").exists() and (earlier / "notebooks" / "zh").is_dir()
