"""`pip install` of the wheel gives a working `cyberrange` outside the checkout.

The wheel is built from a copy of the source files (the checkout stays
untouched) and installed with --no-deps into a fresh virtual environment whose
dependencies come from this test run's environment through a .pth line, so the
test needs no network. Every command then runs from a directory outside the
checkout, with CYBERRANGE_ROOT unset.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from range.config import CHECKOUT_DIR

pytestmark = pytest.mark.slow

PACKAGES = ("range", "scoring", "records", "webui", "cyberrange")
BUILD_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "bundled")


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{argv}\n{result.stdout}\n{result.stderr}"
    return result  # type: ignore[no-any-return]


def bundled_folders() -> tuple[str, ...]:
    """The top-level folders setup.py copies into the wheel (its BUNDLED)."""
    tree = ast.parse((CHECKOUT_DIR / "setup.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "BUNDLED":
            return tuple(ast.literal_eval(node.value))
    raise AssertionError("setup.py names no BUNDLED folders")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ directory of a fresh venv holding the installed wheel."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    for name in (*BUILD_FILES, *PACKAGES, *bundled_folders()):
        origin = CHECKOUT_DIR / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=IGNORED)
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(origin, source / name)
    pip = [sys.executable, "-m", "pip"]
    run(
        [
            *pip,
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(work / "dist"),
            str(source),
        ]
    )
    wheel = next((work / "dist").glob("cyberrange-*.whl"))
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    # Dependencies from this environment; its editable finder (a .pth of its own) is not run.
    Path(site.stdout.strip(), "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([*pip, "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)])
    return venv / "bin"


@pytest.fixture
def outside(tmp_path: Path) -> dict[str, str]:
    """Environment of a user outside the checkout: own home and data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CYBERRANGE_", "PYTHON"))}
    env.update(HOME=str(tmp_path / "home"), CYBERRANGE_DATA_DIR=str(tmp_path / "data"))
    return env


def test_installed_package_reads_its_bundled_files(
    installed: Path, outside: dict[str, str], tmp_path: Path
) -> None:
    code = (
        "import json, os, range.config as c, range.images.specs as s\n"
        "settings = c.Settings.from_env()\n"
        "print(c.project_root())\n"
        "print(settings.inventories_dir)\n"
        "print(json.dumps(sorted(s.discover(settings.docker_dir))))\n"
        "print(os.access(settings.docker_dir / 'base/rootfs/usr/local/sbin/cr-init', os.X_OK))\n"
        "import webui, records.exports.html_export\n"
        "print(webui.__file__)\n"
    )
    lines = run(
        [str(installed / "python"), "-c", code], cwd=tmp_path, env=outside
    ).stdout.splitlines()
    root, inventories, images, executable, webui_file = lines
    assert Path(root).parts[-2:] == ("range", "bundled")
    assert "site-packages" in root and not Path(root).is_relative_to(CHECKOUT_DIR)
    assert inventories == str(tmp_path / "data" / "inventories")
    assert {"base", "router", "web", "checker"} <= set(json.loads(images))
    assert executable == "True"
    assert not Path(webui_file).is_relative_to(CHECKOUT_DIR)


def test_validate_and_plan_the_bundled_scenarios(
    installed: Path, outside: dict[str, str], tmp_path: Path
) -> None:
    root = run(
        [str(installed / "python"), "-c", "import range.config as c; print(c.project_root())"],
        cwd=tmp_path,
        env=outside,
    ).stdout.strip()
    scenarios = sorted(Path(root, "scenarios").glob("*/scenario.yaml"))
    assert len(scenarios) >= 4, scenarios
    cyberrange = str(installed / "cyberrange")
    checked = run([cyberrange, "validate", *map(str, scenarios)], cwd=tmp_path, env=outside)
    assert checked.stdout.count("ok ") == len(scenarios), checked.stdout
    for scenario in scenarios:
        planned = run([cyberrange, "plan", str(scenario)], cwd=tmp_path, env=outside)
        assert "Containers" in planned.stdout or "container" in planned.stdout.lower(), (
            planned.stdout
        )


def test_help_of_every_command(installed: Path, outside: dict[str, str], tmp_path: Path) -> None:
    walker = Path(__file__).with_name("help_walk.py")
    shutil.copy(walker, tmp_path / "help_walk.py")
    listed = run(
        [str(installed / "python"), str(tmp_path / "help_walk.py")], cwd=tmp_path, env=outside
    ).stdout.splitlines()
    assert {
        "cyberrange",
        "cyberrange validate",
        "cyberrange up",
        "cyberrange exercise start",
    } <= set(listed), listed
    top = run([str(installed / "cyberrange"), "--help"], cwd=tmp_path, env=outside)
    assert "validate" in top.stdout


def test_database_is_created_by_the_installed_migrations(
    installed: Path, outside: dict[str, str], tmp_path: Path
) -> None:
    cyberrange = str(installed / "cyberrange")
    created = run([cyberrange, "db", "upgrade"], cwd=tmp_path, env=outside).stdout
    assert created.startswith("created a new database at revision"), created
    shown = run([cyberrange, "db", "current"], cwd=tmp_path, env=outside).stdout.splitlines()
    assert shown[0].removeprefix("database: ") == shown[1].removeprefix("this release: ")
    assert (tmp_path / "data" / "cyberrange.db").is_file()
