"""The README's code runs and its two commands are the ones .ci/run uses."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_the_bplib_example_runs_and_reaches_the_accuracy_it_claims():
    code = re.search(r"## bplib in one screen\n\n```python\n(.*?)```", README, re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["accuracy"] >= 0.97  # the README says "about 0.98"


def test_ci_runs_the_readme_commands():
    blocks = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    install, test = blocks[0], blocks[1]
    assert install.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt")
    assert "jupyter lab notebooks/01_start_here.ipynb" in install
    assert test == ".venv/bin/python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 -m venv .venv" in ci and "pip install -q -r requirements.txt" in ci
    assert ci.rstrip().endswith("exec python -m pytest")


def test_the_chinese_readme_has_the_english_commands_and_opens_the_chinese_course():
    chinese = (ROOT / "README.zh.md").read_text(encoding="utf-8")
    fence = re.compile(r"```\w*\n(.*?)```", re.S)
    english_blocks = [block.replace("notebooks/01_start_here.ipynb", "notebooks/zh/01_start_here.ipynb")
                      for block in fence.findall(README)]
    assert fence.findall(chinese) == english_blocks
    assert "jupyter lab notebooks/zh/01_start_here.ipynb" in chinese
    assert (ROOT / "notebooks" / "zh" / "01_start_here.ipynb").exists()
    assert "jupyterlab-language-pack-zh-CN" in chinese and "jupyterlab-language-pack-zh-CN" in README
    assert "README.zh.md" in README


def test_the_install_gives_a_jupyterlab_without_nbgrader_menus_or_a_news_pop_up():
    # requirements.txt installs jupyter-config/, configuration files only, into the environment's
    # etc/jupyter; tests/test_jupyterlab.py looks at the menus themselves in Chromium.
    from jupyter_core.paths import jupyter_config_path
    from jupyter_server.extension.config import ExtensionConfigManager
    from jupyterlab_server.config import get_static_page_config

    assert "./jupyter-config" in (ROOT / "requirements.txt").read_text().splitlines()
    servers = ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions()
    nbgrader = {name: enabled for name, enabled in servers.items() if name.startswith("nbgrader.")}
    assert nbgrader and not any(nbgrader.values()), nbgrader
    disabled = get_static_page_config(level="all").get("disabledExtensions", {})
    assert disabled.get("@jupyter/nbgrader") is True
    assert disabled.get("@jupyterlab/apputils-extension:announcements") is True
