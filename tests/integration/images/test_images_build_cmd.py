"""`cyberrange images build|list` against the real engine: a second build skips everything."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from imgtest_support import RANGE_IMAGES

from cyberrange.cli import cli
from range.errors import ImageMissingError
from range.images import (
    BuildEvent,
    BuildResult,
    build_images,
    ensure_images,
    list_images,
    missing_images,
    require_images,
)

pytestmark = pytest.mark.docker


def test_second_build_skips_every_image(built_images: list[BuildResult]) -> None:
    events: list[BuildEvent] = []
    again = build_images(RANGE_IMAGES, progress=events.append)
    assert {r.image for r in again} == {r.image for r in built_images}
    assert {r.status for r in again} == {"up-to-date"}
    assert [r.content_hash for r in again] == [r.content_hash for r in built_images]
    assert {e.kind for e in events} == {"planned", "skipped"}


def test_cli_build_and_list_report_up_to_date(built_images: list[BuildResult]) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["images", "build", "web"])
    assert result.exit_code == 0, result.output
    assert "0 built, 3 up to date" in result.output
    listing = runner.invoke(cli, ["images", "list"])
    assert listing.exit_code == 0, listing.output
    rows = {r.tag: r for r in list_images() if r.name in RANGE_IMAGES}
    assert all(r.built and r.up_to_date and r.size for r in rows.values())
    for tag in rows:
        assert tag in listing.output


def test_unknown_image_is_a_clear_cli_error(built_images: list[BuildResult]) -> None:
    result = CliRunner().invoke(cli, ["images", "build", "nosuchimage"])
    assert result.exit_code == 1
    assert "no image named nosuchimage" in result.output


def test_missing_images_and_the_build_command(built_images: list[BuildResult]) -> None:
    absent = "cyberrange/imgtest-never-built"
    assert missing_images(["cyberrange/web", absent, "cyberrange/web:latest"]) == [absent]
    with pytest.raises(ImageMissingError, match="cyberrange images build imgtest-never-built"):
        require_images(["cyberrange/target", absent])
    with pytest.raises(ImageMissingError, match="cannot be pulled"):
        ensure_images(["imgtest/foreign:1"])
    assert ensure_images(["cyberrange/target", "cyberrange/db"]) == []


def test_changed_context_is_rebuilt(built_images: list[BuildResult], tmp_path: Path) -> None:
    """A private image FROM base: rebuilt when its context changes, skipped otherwise."""
    root = Path(__file__).resolve().parents[3] / "docker"
    docker_dir = tmp_path / "docker"
    shutil.copytree(root / "base", docker_dir / "base", symlinks=True)
    child = docker_dir / "imgtest-child"
    child.mkdir()
    (child / "Dockerfile").write_text(
        "FROM cyberrange/base\nLABEL org.opencontainers.image.title=imgtest\n"
        "COPY marker /etc/imgtest-marker\n"
    )
    (child / "marker").write_text("one\n")
    try:
        first = {r.image: r.status for r in build_images(docker_dir=docker_dir)}
        assert first == {"cyberrange/base": "up-to-date", "cyberrange/imgtest-child": "built"}
        again = {r.image: r.status for r in build_images(docker_dir=docker_dir)}
        assert set(again.values()) == {"up-to-date"}
        (child / "marker").write_text("two\n")
        changed = {r.image: r.status for r in build_images(docker_dir=docker_dir)}
        assert changed["cyberrange/imgtest-child"] == "built"
        assert changed["cyberrange/base"] == "up-to-date"
        forced = build_images(["imgtest-child"], force=True, docker_dir=docker_dir)
        assert {r.image: r.status for r in forced} == {
            "cyberrange/base": "up-to-date", "cyberrange/imgtest-child": "built"}
    finally:
        subprocess.run(["docker", "image", "rm", "-f", "cyberrange/imgtest-child"],
                       capture_output=True, check=False)
