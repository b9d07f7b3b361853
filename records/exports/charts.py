"""Charts for the report, as inline SVG (matplotlib, no pyplot state)."""

from __future__ import annotations

import io
import re

from matplotlib import rc_context
from matplotlib.figure import Figure

from range.draw import colour, render
from range.planner import make_plan
from range.scenario.models import Scenario
from records.scores import ScoreView

RED = "#c0392b"


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
    ticks = [tick for tick, _ in scores.history] or [0]
    for team in scores.teams:
        totals = [totals.get(team.name, 0.0) for _, totals in scores.history] or [0.0]
        # Defenders take their copy's colour from the topology picture.
        shade = RED if team.role == "red" else colour(team.copy) if team.copy else None
        axes.step(ticks, totals, where="post", label=team.name, color=shade)
    axes.set_xlabel("tick")
    axes.set_ylabel("score")
    axes.grid(alpha=0.3)
    if scores.teams:
        axes.legend(loc="upper left", fontsize="small")
    return _svg(figure, "timeline")


def topology(scenario: Scenario, range_name: str) -> str:
    """The range's networks, routers and hosts, every copy (range.draw's picture)."""
    return _svg(render(make_plan(scenario, range_name)), "topology")
