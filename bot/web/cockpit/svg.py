"""The cockpit's pictures, drawn as SVG on the server (no script, no tiles, no CDN): the map of the grids and
the line charts. Text in them uses the page's web font (the CJK subset the report charts use).

The map projects longitude and latitude onto the page with the cosine of the middle latitude (close
enough over a district), colours each grid by its cases in the period (five classes) and puts the
red-light cases on it as markers: at their own place when they have one, else spread inside their grid.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from handlers.reports.dashboard import GridArea, Pulse
from storage.stats.live import Marker

MAP_WIDTH = 300.0
CLASSES = 5
GOLDEN_ANGLE = 2.399963


@dataclass(frozen=True)
class Projection:
    """From (lon, lat) to SVG units."""

    west: float
    north: float
    scale_x: float
    scale_y: float
    width: float
    height: float

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        """Return where a place falls on the map."""
        return ((lon - self.west) * self.scale_x, (self.north - lat) * self.scale_y)


def projection(grids: Sequence[GridArea], width: float = MAP_WIDTH) -> Projection | None:
    """Return a projection that fits every grid's outline, or None when no grid has one."""
    points = [p for g in grids for p in g.polygon]
    if not points:
        return None
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((north + south) / 2))
    span_x, span_y = max((east - west) * squeeze, 1e-9), max(north - south, 1e-9)
    scale = width / span_x
    return Projection(west, north, scale * squeeze, scale, width, span_y * scale)


def marker_radius(proj: Projection) -> float:
    """Return the red-light dots' radius in map units."""
    return max(proj.width, proj.height) / 130


def grid_class(received: int, top: int) -> int:
    """Return a grid's colour class (0: no cases, 1-4: quarters of the busiest grid's count)."""
    if received <= 0 or top <= 0:
        return 0
    return min(CLASSES - 1, 1 + (received * (CLASSES - 1) - 1) // top)


def centroid(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Return the mean of a polygon's corners (good enough to label a convex grid)."""
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def marker_point(marker: Marker, pulse: Pulse, proj: Projection, index: int) -> tuple[float, float] | None:
    """Return where a red-light case is drawn: its own place, else spread around its grid's middle."""
    if marker.lat is not None and marker.lon is not None:
        return proj.point(marker.lon, marker.lat)
    grid = pulse.grid_of(marker.grid_id)
    if grid is None or not grid.polygon:
        return None
    x, y = centroid([proj.point(*p) for p in grid.polygon])
    xs = [proj.point(*p)[0] for p in grid.polygon]
    reach = (max(xs) - min(xs)) * 0.35
    radius = reach * math.sqrt((index % 12 + 1) / 12)
    return (x + radius * math.cos(index * GOLDEN_ANGLE), y + radius * math.sin(index * GOLDEN_ANGLE) + reach * 0.25)


def map_svg(pulse: Pulse, link: Callable[[GridArea], str], texts: Callable[..., str]) -> Markup:
    """Draw the grids (each a link to its cases), their case counts, community names and the red-light markers."""
    proj = projection(pulse.grids)
    if proj is None:
        return Markup(f'<p class="empty">{escape(texts("cockpit.map.none"))}</p>')
    top = max((g.received for g in pulse.grids), default=0)
    size = max(proj.width, proj.height)  # text and dots keep their size on the page whatever the district's shape
    count_size, label_size, radius = size / 38, size / 56, marker_radius(proj)
    parts = [
        f'<svg class="map" viewBox="-4 -4 {proj.width + 8:.1f} {proj.height + 8:.1f}" role="img" '
        f'aria-label="{escape(texts("cockpit.map.title"))}" data-top="{top}" data-marker-r="{radius:.1f}" '
        f'stroke-width="{size / 400:.2f}">'
    ]
    communities: dict[str, list[tuple[float, float]]] = {}
    for grid in pulse.grids:
        if not grid.polygon:
            continue
        corners = [proj.point(*p) for p in grid.polygon]
        outline = " ".join(f"{x:.1f},{y:.1f}" for x, y in corners)
        x, y = centroid(corners)
        communities.setdefault(grid.community, []).extend(corners)
        title = texts("cockpit.map.grid_title", name=grid.name, received=grid.received, open=grid.load.open, red=grid.load.red)
        parts.append(
            f'<a href="{escape(link(grid))}" class="grid-link" data-grid="{escape(grid.code)}">'
            f"<title>{escape(title)}</title>"
            f'<polygon points="{outline}" class="grid c{grid_class(grid.received, top)}" data-grid="{escape(grid.code)}"/>'
            f'<text x="{x:.1f}" y="{y - label_size * 0.4:.1f}" font-size="{count_size:.1f}" class="count" '
            f'data-grid-count="{escape(grid.code)}">{grid.received}</text></a>'
        )
    for name, corners in communities.items():
        x, y = centroid(corners)
        parts.append(f'<text x="{x:.1f}" y="{y + label_size * 1.6:.1f}" font-size="{label_size:.1f}" stroke-width="{label_size / 4:.1f}" class="community">{escape(name)}</text>')
    parts.append('<g class="markers">')
    for index, marker in enumerate(pulse.markers):
        point = marker_point(marker, pulse, proj, index)
        if point is not None:
            tip = texts("cockpit.map.marker_title", number=marker.number, hours=f"{marker.overdue_hours:.0f}")
            parts.append(f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="{radius:.1f}" class="marker"><title>{escape(tip)}</title></circle>')
    parts.append("</g></svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Series:
    """One line of a chart: its CSS class, its name and a value per label."""

    css: str
    name: str
    values: Sequence[int]


def line_chart(labels: Sequence[str], series: Sequence[Series], *, width: float = 640, height: float = 220) -> Markup:
    """Draw lines over labelled points (days or weeks), with a value axis and a legend."""
    left, right, top, bottom = 34.0, 8.0, 22.0, 24.0
    peak = max([1, *(v for s in series for v in s.values)])
    step = 10 ** max(0, len(str(peak)) - 1)
    ceiling = math.ceil(peak / step) * step
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(1, len(labels) - 1)

    def xy(i: int, value: int) -> tuple[float, float]:
        return (left + plot_w * i / count, top + plot_h * (1 - value / ceiling))

    parts = [f'<svg class="chart" viewBox="0 0 {width:.0f} {height:.0f}" role="img">']
    for tick in range(5):
        value = ceiling * tick / 4
        y = top + plot_h * (1 - tick / 4)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="gridline"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" class="axis" text-anchor="end">{value:g}</text>')
    every = max(1, math.ceil(len(labels) / 10))
    for i, label in enumerate(labels):
        if i % every == 0:
            x, _ = xy(i, 0)
            parts.append(f'<text x="{x:.1f}" y="{height - 6:.1f}" class="axis" text-anchor="middle">{escape(label)}</text>')
    for index, line in enumerate(series):
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(line.values)))
        parts.append(f'<polyline points="{points}" class="line {escape(line.css)}"/>')
        legend_x = left + 8 + index * 90
        parts.append(f'<rect x="{legend_x}" y="4" width="14" height="4" class="swatch {escape(line.css)}"/>')
        parts.append(f'<text x="{legend_x + 18}" y="11" class="legend">{escape(line.name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(values: Sequence[int], *, width: float = 160, height: float = 28) -> Markup:
    """Draw a small line of values (a category's cases per day)."""
    peak = max([1, *values])
    count = max(1, len(values) - 1)
    points = " ".join(f"{width * i / count:.1f},{height - 2 - (height - 4) * v / peak:.1f}" for i, v in enumerate(values))
    return Markup(f'<svg class="spark" viewBox="0 0 {width:.0f} {height:.0f}"><polyline points="{points}" class="line received"/></svg>')
