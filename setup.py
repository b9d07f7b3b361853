"""Build hook: the wheel carries the scenarios and the image build contexts.

Everything else is declared in pyproject.toml. `scenarios/` (with the Ansible
role library) and `docker/` (Dockerfiles and their build contexts) stay at the
top of the checkout, where trainers edit them; at build time they are copied
into the wheel as ``range/bundled/{scenarios,docker}``, which
``range.config.project_root`` finds in an installed package. File modes are
kept (image build contexts carry executable scripts). Editable installs skip the
copy: they read the checkout itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED = ("scenarios", "docker", "trainings")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache")


class BuildWithBundle(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "range" / "bundled"
        for name in BUNDLED:
            destination = target / name
            if destination.exists():
                shutil.rmtree(destination)
            shutil.copytree(HERE / name, destination, symlinks=False, ignore=IGNORED)


setup(cmdclass={"build_py": BuildWithBundle})
