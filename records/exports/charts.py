"""Charts for the report, as inline SVG (matplotlib, no pyplot state)."""

from __future__ import annotations

import io
import re

import networkx as nx
from matplotlib import rc_context
from matplotlib.figure import Figure

from range.scenario.models import Scenario
from records.scores import ScoreView

_COLORS = {"red": "#c0392b", "blue": "#2471a3", "purple": "#7d3c98", "white": "#7f8c8d"}


_ID = re.compile(r'(id="|href="#|url\(#)([^"\)]+)')


def _svg(figure: Figure, prefix: str) -> str:
    """Inline SVG; ids get ``prefix`` so several charts can share one page."""
    buffer = io.StringIO()
    # Text as text (searchable in the PDF); no date metadata (repeatable output).
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": prefix}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]  # drop the XML prolog and doctype for inlining
    return _ID.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)


def score_timeline(scores: ScoreView) -> str:
    figure = Figure(figsize=(7.5, 3.2))
    axes = figure.add_subplot()
    roles = {t.name: t.role for t in scores.teams}
    for team in roles:
        ticks = [tick for tick, _ in scores.history]
        totals = [totals.get(team, 0.0) for _, totals in scores.history]
        axes.step(ticks or [0], totals or [0.0], where="post", label=team,
                  color=_COLORS.get(roles[team]))
    axes.set_xlabel("tick")
    axes.set_ylabel("score")
    axes.grid(alpha=0.3)
    if roles:
        axes.legend(loc="upper left", fontsize="small")
    return _svg(figure, "timeline")


def topology(scenario: Scenario) -> str:
    """Hosts and networks of one copy of the range (a bipartite graph)."""
    graph = nx.Graph()
    for name in scenario.networks:
        graph.add_node(f"net:{name}", kind="network", label=name)
    for name, host in scenario.hosts.items():
        graph.add_node(f"host:{name}", kind="router" if host.router else "host", label=name)
        for network in host.addresses():
            graph.add_edge(f"host:{name}", f"net:{network}")
    positions = nx.spring_layout(graph, seed=7)
    figure = Figure(figsize=(6.5, 4))
    axes = figure.add_subplot()
    axes.set_axis_off()
    for a, b in graph.edges:
        axes.plot([positions[a][0], positions[b][0]], [positions[a][1], positions[b][1]],
                  color="#95a5a6", zorder=1)
    styles = {"network": ("s", "#d6eaf8"), "router": ("D", "#f9e79f"), "host": ("o", "#d5f5e3")}
    for node, attrs in graph.nodes(data=True):
        marker, color = styles[attrs["kind"]]
        x, y = positions[node]
        axes.scatter([x], [y], s=900, marker=marker, color=color, edgecolors="#34495e", zorder=2)
        axes.annotate(attrs["label"], (x, y), ha="center", va="center", fontsize=8, zorder=3)
    return _svg(figure, "topology")
