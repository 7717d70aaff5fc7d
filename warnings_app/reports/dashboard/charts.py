"""Charts drawn on the server as SVG: no script, no CDN, readable without JavaScript. Every
label goes through format_html, so a company or campaign name cannot inject markup. Each page
shows the same numbers as a table next to the chart."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# Okabe–Ito: told apart by people with the common colour-vision deficiencies.
PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#999999",
    "#000000",
]
# With more series than colours, each later round of colours gets its own dash pattern: every
# (colour, dash) pair differs for up to len(PALETTE) * len(DASHES) series, and each line also
# carries its number at its end, as its legend entry does.
DASHES = ["", "6 3", "2 3", "8 3 2 3"]
WIDTH = 640
LABEL_WIDTH = 190
# What fits in LABEL_WIDTH at the labels' size; a longer label is cut with "…" (the full one is
# in the text's tooltip and in the table beside the chart).
LABEL_CHARS = 30
ROW = 26


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[float, float]]  # (x, y)


def _svg(height: int, title: str, body: SafeString, name: str) -> SafeString:
    return format_html(
        '<svg class="chart" data-chart="{}" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-label="{}" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        name,
        WIDTH,
        height,
        title,
        body,
    )


def bars(name: str, title: str, rows: Sequence[tuple[str, int]]) -> SafeString:
    """Horizontal bars, one per (label, value), longest = full width."""
    top = max((value for _, value in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 70
    parts = []
    for i, (label, value) in enumerate(rows):
        y = i * ROW + 4
        length = round(span * value / top, 1)
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" data-value="{}">'
                "<title>{}: {}</title></rect>"
                '<text x="{}" y="{}" class="chart-value">{}</text>',
                LABEL_WIDTH - 8,
                y + 15,
                _row_label(label),
                LABEL_WIDTH,
                y,
                length,
                ROW - 8,
                PALETTE[0],
                value,
                label,
                value,
                LABEL_WIDTH + length + 6,
                y + 15,
                value,
            )
        )
    return _svg(len(rows) * ROW + 8, title, _join(parts), name)


def columns(name: str, title: str, rows: Sequence[tuple[str, int]]) -> SafeString:
    """Vertical columns, e.g. replies per week; labels under every few columns."""
    height, base = 220, 190
    top = max((value for _, value in rows), default=0) or 1
    step = (WIDTH - 40) / max(len(rows), 1)
    every = max(1, len(rows) // 8)
    parts = []
    for i, (label, value) in enumerate(rows):
        x = 30 + i * step
        h = round(170 * value / top, 1)
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" data-value="{}">'
                "<title>{}: {}</title></rect>",
                round(x + 1, 1),
                round(base - h, 1),
                round(max(step - 2, 1), 1),
                h,
                PALETTE[0],
                value,
                label,
                value,
            )
        )
        if i % every == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" class="chart-axis">{}</text>',
                    round(x, 1),
                    base + 16,
                    label,
                )
            )
    parts.append(
        format_html('<text x="0" y="14" class="chart-axis">{}</text>', top if rows else "")
    )
    return _svg(height, title, _join(parts), name)


def stacked(
    name: str,
    title: str,
    rows: Sequence[tuple[str, dict[str, int]]],
    keys: Sequence[tuple[str, str]],
) -> SafeString:
    """One 100% bar per row, split by `keys` (key, label), with a legend underneath."""
    span = WIDTH - LABEL_WIDTH - 10
    parts = []
    for i, (label, counts) in enumerate(rows):
        y = i * ROW + 4
        total = sum(counts.get(key, 0) for key, _ in keys) or 1
        x = float(LABEL_WIDTH)
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>',
                LABEL_WIDTH - 8,
                y + 15,
                _row_label(label),
            )
        )
        for k, (key, key_label) in enumerate(keys):
            value = counts.get(key, 0)
            if not value:
                continue
            width = span * value / total
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" data-value="{}">'
                    "<title>{} — {}: {}</title></rect>",
                    round(x, 1),
                    y,
                    round(width, 1),
                    ROW - 8,
                    PALETTE[k % len(PALETTE)],
                    value,
                    label,
                    key_label,
                    value,
                )
            )
            x += width
    legend_y = len(rows) * ROW + 14
    parts.append(_legend([label for _, label in keys], legend_y))
    return _svg(legend_y + _legend_height(len(keys)), title, _join(parts), name)


def lines(
    name: str,
    title: str,
    series: Sequence[Series],
    *,
    x_max: float,
    y_max: float,
    x_label: str,
    y_label: str,
) -> SafeString:
    """Line per series on shared axes from 0 to x_max and 0 to y_max."""
    left, plot_w, plot_h, top = 40, WIDTH - 60, 180, 10
    x_max, y_max = x_max or 1, y_max or 1

    def point(x: float, y: float) -> str:
        return f"{left + plot_w * x / x_max:.1f},{top + plot_h - plot_h * y / y_max:.1f}"

    parts = [
        format_html(
            '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" class="chart-axis-line"/>'
            '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" class="chart-axis-line"/>'
            '<text x="{l}" y="{lb}" class="chart-axis">0</text>'
            '<text x="{r}" y="{lb}" text-anchor="end" class="chart-axis">{xm} {xl}</text>'
            '<text x="0" y="{ty}" class="chart-axis">{ym}</text>'
            '<text x="0" y="{yl}" class="chart-axis">{ylab}</text>',
            l=left,
            r=left + plot_w,
            t=top,
            b=top + plot_h,
            lb=top + plot_h + 16,
            ty=top + 10,
            yl=top + 24,
            xm=_number(x_max),
            xl=x_label,
            ym=_number(y_max),
            ylab=y_label,
        )
    ]
    for i, line in enumerate(series):
        if not line.points:
            continue
        colour, dash = series_style(i)
        end_x, end_y = point(*line.points[-1]).split(",")
        parts.append(
            format_html(
                '<polyline fill="none" stroke="{}" stroke-width="2" stroke-dasharray="{}" '
                'points="{}" data-series="{}"><title>{}</title></polyline>'
                '<text x="{}" y="{}" class="chart-series-number" data-series-number="{}">{}'
                "</text>",
                colour,
                dash or "none",
                " ".join(point(x, y) for x, y in line.points),
                line.name,
                line.name,
                round(float(end_x) + 3, 1),
                round(float(end_y) + 4, 1),
                i + 1,
                i + 1,
            )
        )
        if len(line.points) == 1:  # one day of history: a dot, since a line needs two
            cx, cy = point(*line.points[0]).split(",")
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="3" fill="{}"/>',
                    cx,
                    cy,
                    colour,
                )
            )
    legend_y = top + plot_h + 34
    parts.append(_line_legend([line.name for line in series], legend_y))
    rows = (len(series) + LINE_LEGEND_PER_ROW - 1) // LINE_LEGEND_PER_ROW
    return _svg(legend_y + rows * 18 + 4, title, _join(parts), name)


def series_style(index: int) -> tuple[str, str]:
    """The colour and dash pattern of the index-th line."""
    return PALETTE[index % len(PALETTE)], DASHES[(index // len(PALETTE)) % len(DASHES)]


LINE_LEGEND_PER_ROW = 2
# Characters that fit one legend column at the chart's 12 px type (about 7 px a character).
LINE_LEGEND_CHARS = (WIDTH // LINE_LEGEND_PER_ROW - 50) // 7


def _row_label(label: str) -> SafeString:
    """A row's label as it fits its column: cut with "…" when too long, the whole label then in
    the text's tooltip."""
    short = legend_label(label, LABEL_CHARS)
    if short == label:
        return format_html("{}", label)
    return format_html("{}<title>{}</title>", short, label)


def legend_label(label: str, chars: int) -> str:
    """The label cut to `chars` characters, an ellipsis saying it was cut."""
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def _line_legend(labels: Sequence[str], y: int) -> SafeString:
    """Two entries a row: the line's own colour and dash as its sample, its number (also
    written at the line's end) and its name cut to fit the column (the table has it whole)."""
    column = WIDTH // LINE_LEGEND_PER_ROW
    entries = []
    for i, label in enumerate(labels):
        x = (i % LINE_LEGEND_PER_ROW) * column
        row_y = y + (i // LINE_LEGEND_PER_ROW) * 18
        colour, dash = series_style(i)
        entries.append(
            (
                x,
                row_y + 5,
                x + 22,
                row_y + 5,
                colour,
                dash or "none",
                x + 26,
                row_y + 10,
                i + 1,
                legend_label(label, LINE_LEGEND_CHARS),
            )
        )
    return format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2" '
        'stroke-dasharray="{}"/><text x="{}" y="{}" class="chart-legend">{} {}</text>',
        entries,
    )


def _join(parts: list[SafeString]) -> SafeString:
    """Concatenate pieces that format_html already escaped (they stay as they are)."""
    return format_html_join("", "{}", ((part,) for part in parts))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


LEGEND_PER_ROW = 3
LEGEND_CHARS = (WIDTH // LEGEND_PER_ROW - 20) // 7


def _legend_height(count: int) -> int:
    return ((count + LEGEND_PER_ROW - 1) // LEGEND_PER_ROW) * 18 + 4


def _legend(labels: Sequence[str], y: int) -> SafeString:
    column = WIDTH // LEGEND_PER_ROW
    return format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
        '<text x="{}" y="{}" class="chart-legend">{}</text>',
        (
            (
                (i % LEGEND_PER_ROW) * column,
                y + (i // LEGEND_PER_ROW) * 18,
                PALETTE[i % len(PALETTE)],
                (i % LEGEND_PER_ROW) * column + 14,
                y + (i // LEGEND_PER_ROW) * 18 + 10,
                legend_label(label, LEGEND_CHARS),
            )
            for i, label in enumerate(labels)
        ),
    )
