"""Drawing a plan's topology to SVG or PNG (matplotlib, Agg, no pyplot state).

Networks are bars, hosts circles, routers diamonds, checkers small grey
triangles; each copy has its colour, the shared part is grey and drawn once.
Text stays text in SVG files, so host names can be searched for.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from range.draw_layout import Layout, Node, layout
from range.errors import CyberrangeError
from range.plan import ROLE_CHECKER, ROLE_ROUTER, Plan

FORMATS = (".svg", ".png")
MAX_PIXELS = 30000
SHARED_COLOUR = "#6b6b6b"
MARKERS = {ROLE_ROUTER: "D", ROLE_CHECKER: "^"}


def colour(copy: int) -> str:
    if copy == 0:
        return SHARED_COLOUR
    palette = matplotlib.colormaps["tab10"]
    return to_hex(palette((copy - 1) % palette.N))


def draw(plan: Plan, path: Path) -> None:
    """Write the topology picture of ``plan`` to ``path`` (.svg or .png)."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise CyberrangeError(f"{path}: unsupported picture format, use .svg or .png")
    figure = render(plan)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cyberrange"}):
        try:
            figure.savefig(path, format=suffix[1:], metadata=_metadata(suffix), dpi=_dpi(figure))
        except OSError as exc:
            raise CyberrangeError(f"{path}: cannot write picture ({exc.strerror or exc})") from None


def _dpi(figure: Figure) -> float:
    # Huge ranges still fit under the raster size limits of PNG writers.
    width, height = figure.get_size_inches()
    return min(120.0, MAX_PIXELS / float(max(width, height)))


def _metadata(suffix: str) -> dict[str, str | None]:
    # No creation date: the same plan always gives the same SVG file.
    return {"Date": None} if suffix == ".svg" else {}


def render(plan: Plan) -> Figure:
    geometry = layout(plan)
    height = geometry.top - geometry.bottom
    figure = Figure(figsize=(max(6.0, geometry.width * 1.1), max(3.0, height * 0.9)))
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.01, 0.01, 0.98, 0.94))
    axes.set_xlim(-0.3, geometry.width + 0.9)  # room for the last label
    axes.set_ylim(geometry.bottom, geometry.top)
    axes.axis("off")
    figure.suptitle(f"range {plan.range} (scenario {plan.scenario}, {plan.copies} copies)")
    _draw_bars(axes, geometry)
    for node in geometry.nodes:
        _draw_node(axes, node)
    return figure


def _draw_bars(axes: Axes, geometry: Layout) -> None:
    for bar in geometry.bars:
        shade = colour(bar.copy)
        axes.add_patch(
            FancyBboxPatch(
                (bar.x0, bar.y - 0.16),
                bar.x1 - bar.x0,
                0.32,
                boxstyle="round,pad=0.02,rounding_size=0.12",
                facecolor=shade,
                alpha=0.25,
                edgecolor=shade,
            )
        )
        axes.text(bar.x0 + 0.08, bar.y, bar.label, fontsize=7, va="center", color="#202020")
    for copy in sorted({bar.copy for bar in geometry.bars if bar.copy > 0}):
        x0 = min(bar.x0 for bar in geometry.bars if bar.copy == copy)
        axes.text(x0, geometry.bottom + 0.3, f"copy {copy}", fontsize=9, color=colour(copy))


def _draw_node(axes: Axes, node: Node) -> None:
    shade = colour(node.copy)
    low, high = min((*node.attachments, node.y)), max((*node.attachments, node.y))
    axes.plot([node.x, node.x], [low, high], color=shade, linewidth=1.0, zorder=1)
    axes.scatter([node.x] * len(node.attachments), node.attachments, s=10, color=shade, zorder=2)
    checker = node.role == ROLE_CHECKER
    axes.scatter(
        [node.x],
        [node.y],
        s=60 if checker else 170,
        marker=MARKERS.get(node.role, "o"),
        color="#b0b0b0" if checker else shade,
        edgecolors="black",
        linewidths=0.6,
        zorder=3,
    )
    axes.text(node.x + 0.16, node.y, node.label, fontsize=6.5, va="center", zorder=4)
