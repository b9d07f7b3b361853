"""Topology pictures: valid SVG, deterministic, every host named."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from range.draw import draw
from range.draw_layout import layout
from range.plan import Plan

SVG = "{http://www.w3.org/2000/svg}"


def test_svg_is_valid_xml_with_every_container_and_network(tmp_path: Path, dmz_plan: Plan) -> None:
    path = tmp_path / "dmz.svg"
    draw(dmz_plan, path)
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    texts = " ".join("".join(node.itertext()) for node in root.iter(f"{SVG}text"))
    for container in dmz_plan.containers:
        assert container.host in texts
        for interface in container.interfaces:
            assert interface.address in texts
    for network in dmz_plan.networks:
        assert network.subnet in texts


def test_same_plan_same_svg(tmp_path: Path, dmz_plan: Plan) -> None:
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    draw(dmz_plan, first)
    draw(dmz_plan, second)
    assert first.read_bytes() == second.read_bytes()


def test_layout_gives_each_copy_its_own_column_and_no_shared_x(pivot_plan: Plan) -> None:
    geometry = layout(pivot_plan)
    bars = {bar.name: bar for bar in geometry.bars}
    assert bars["pivot-internet"].x0 == 0.0 and bars["pivot-internet"].x1 == geometry.width
    assert bars["pivot-c1-dmz"].x1 <= bars["pivot-c2-dmz"].x0
    # networks of one copy get rows of their own, nearest the shared part first
    assert bars["pivot-internet"].y > bars["pivot-c1-dmz"].y > bars["pivot-c1-internal"].y
    for copy in (1, 2):
        xs = [node.x for node in geometry.nodes if node.copy == copy]
        assert len(xs) == len(set(xs)), "two containers of a copy on one vertical line"
