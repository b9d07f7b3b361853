"""Image discovery, build order and content hashes (no Docker)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from range.errors import NotFoundError
from range.images import (
    ROOTFS_TAG,
    ImageDefinitionError,
    ImageSpec,
    build_order,
    content_hashes,
    context_hash,
    discover,
)
from range.images.rootfs import find_mirror


def make(docker: Path, name: str, base: str, files: dict[str, str] | None = None) -> Path:
    context = docker / name
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text(f"# {name}\nFROM {base}\nRUN true\n")
    for rel, text in (files or {}).items():
        path = context / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return context


@pytest.fixture
def docker(tmp_path: Path) -> Path:
    root = tmp_path / "docker"
    make(root, "base", ROOTFS_TAG, {"rootfs/etc/motd": "hi"})
    make(root, "target", "cyberrange/base")
    make(root, "web", "cyberrange/target:latest", {"shop/app.py": "print(1)"})
    make(root, "router", "cyberrange/base")
    return root


def names(order: list[ImageSpec]) -> list[str]:
    return [spec.name for spec in order]


def test_parents_come_before_children(docker: Path) -> None:
    specs = discover(docker)
    assert specs["web"].parents == ("target",)
    assert specs["base"].needs_rootfs and not specs["target"].needs_rootfs
    order = names(build_order(specs))
    assert sorted(order) == ["base", "router", "target", "web"]
    for child, parent in [("target", "base"), ("web", "target"), ("router", "base")]:
        assert order.index(parent) < order.index(child)


def test_named_images_bring_only_their_ancestors(docker: Path) -> None:
    specs = discover(docker)
    assert names(build_order(specs, ["cyberrange/web"])) == ["base", "target", "web"]
    assert names(build_order(specs, ["router"])) == ["base", "router"]


def test_unknown_image_is_named_with_the_known_ones(docker: Path) -> None:
    with pytest.raises(NotFoundError, match=r"no image named nope .*known: base, router"):
        build_order(discover(docker), ["nope"])


def test_cycle_is_an_error(tmp_path: Path) -> None:
    make(tmp_path, "a", "cyberrange/b")
    make(tmp_path, "b", "cyberrange/a")
    with pytest.raises(ImageDefinitionError, match="cycle: a -> b -> a"):
        build_order(discover(tmp_path))


def test_foreign_base_image_is_refused(tmp_path: Path) -> None:
    make(tmp_path, "x", "debian:bookworm")
    with pytest.raises(ImageDefinitionError, match="no registry"):
        discover(tmp_path)


def test_missing_parent_definition_is_refused(tmp_path: Path) -> None:
    make(tmp_path, "x", "cyberrange/ghost")
    with pytest.raises(ImageDefinitionError, match="ghost"):
        discover(tmp_path)


def test_hash_changes_with_bytes_paths_and_exec_bit(tmp_path: Path) -> None:
    context = make(tmp_path, "x", ROOTFS_TAG, {"a/run": "echo"})
    first = context_hash(context)
    assert context_hash(context) == first
    (context / "a" / "run").write_text("echo!")
    second = context_hash(context)
    assert second != first
    os.chmod(context / "a" / "run", 0o755)
    third = context_hash(context)
    assert third != second
    (context / "a" / "run").rename(context / "a" / "run2")
    assert context_hash(context) != third


def test_hash_ignores_bytecode_caches(tmp_path: Path) -> None:
    context = make(tmp_path, "x", ROOTFS_TAG, {"app/m.py": "x = 1"})
    before = context_hash(context)
    (context / "app" / "__pycache__").mkdir()
    (context / "app" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    assert context_hash(context) == before


def test_hash_is_independent_of_where_the_checkout_lives(tmp_path: Path) -> None:
    one = make(tmp_path / "one", "x", ROOTFS_TAG, {"f": "1"})
    two = make(tmp_path / "two", "x", ROOTFS_TAG, {"f": "1"})
    assert context_hash(one) == context_hash(two)


def test_parent_change_propagates_to_children_only(docker: Path) -> None:
    before = content_hashes(build_order(discover(docker)), "rootfs-1")
    (docker / "target" / "extra").write_text("new file")
    after = content_hashes(build_order(discover(docker)), "rootfs-1")
    assert after["base"] == before["base"]
    assert after["router"] == before["router"]
    assert after["target"] != before["target"]
    assert after["web"] != before["web"]


def test_new_rootfs_changes_every_image(docker: Path) -> None:
    one = content_hashes(build_order(discover(docker)), "rootfs-1")
    two = content_hashes(build_order(discover(docker)), "rootfs-2")
    assert all(one[name] != two[name] for name in one)


def test_repository_images_are_well_formed(root: Path) -> None:
    specs = discover(root / "docker")
    expected = {"base", "router", "checker", "attacker", "target", "web", "db", "fileserver"}
    assert expected <= set(specs)
    assert names(build_order(specs, ["web"])) == ["base", "target", "web"]
    assert specs["base"].needs_rootfs
    assert all(specs[n].parents == ("base",) for n in ("router", "checker", "attacker", "target"))
    assert all(specs[n].parents == ("target",) for n in ("web", "db", "fileserver"))


def test_mirror_comes_from_apt_sources(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n\n"
        "Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n"
    )
    assert find_mirror([tmp_path / "sources.list.d"]) == "http://mirror.example/debian"
    line = "deb [arch=amd64] http://ftp.example/debian bookworm main\n"
    (tmp_path / "sources.list").write_text(line)
    assert find_mirror([tmp_path / "sources.list"]) == "http://ftp.example/debian"
    assert find_mirror([tmp_path / "absent"]) == "http://deb.debian.org/debian"
