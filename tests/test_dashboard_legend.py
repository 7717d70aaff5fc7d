"""The response-curve chart stays readable with many campaigns: every line has its own colour
and dash pair, its number at its end and in the legend, and no legend entry runs into the next."""

import xml.etree.ElementTree as ET

from warnings_app.reports.dashboard import charts

SVG = "{http://www.w3.org/2000/svg}"
CHAR_PX = 7  # the legend's 12 px type, a generous average width


def _chart(count: int) -> ET.Element:
    series = [
        charts.Series(
            f"Wave {n}: AI music services in the Nordic and Baltic countries", [(0, 0), (60, n)]
        )
        for n in range(1, count + 1)
    ]
    svg = charts.lines("curves", "Curves", series, x_max=60, y_max=100, x_label="days", y_label="%")
    return ET.fromstring(str(svg))  # noqa: S314 (our own SVG, built just above)


def test_twelve_campaigns_get_twelve_different_line_styles_and_numbers():
    root = _chart(12)
    lines = root.findall(f"{SVG}polyline")
    styles = {(line.get("stroke"), line.get("stroke-dasharray")) for line in lines}
    assert len(lines) == 12
    assert len(styles) == 12
    numbers = [t.text for t in root.findall(f"{SVG}text") if t.get("data-series-number")]
    assert numbers == [str(n) for n in range(1, 13)]


def test_the_legend_entries_do_not_overlap_and_match_their_lines():
    root = _chart(14)
    legend = [t for t in root.findall(f"{SVG}text") if t.get("class") == "chart-legend"]
    samples = [line for line in root.findall(f"{SVG}line") if line.get("stroke-width") == "2"]
    assert len(legend) == len(samples) == 14
    lines = root.findall(f"{SVG}polyline")
    for sample, line in zip(samples, lines, strict=True):
        assert (sample.get("stroke"), sample.get("stroke-dasharray")) == (
            line.get("stroke"),
            line.get("stroke-dasharray"),
        )
    boxes = [
        (float(t.get("x")), float(t.get("y")), float(t.get("x")) + CHAR_PX * len(t.text))
        for t in legend
    ]
    for i, (x, y, right) in enumerate(boxes):
        assert right <= charts.WIDTH, legend[i].text
        for other_x, other_y, other_right in boxes[i + 1 :]:
            same_row = abs(other_y - y) < 14
            assert not (same_row and x < other_right and other_x < right), legend[i].text
    assert legend[0].text.startswith("1 Wave 1: AI music services")
    assert legend[0].text.endswith("…")
    height = float(root.get("viewBox").split()[3])
    assert max(y for _x, y, _r in boxes) < height


def test_a_row_label_too_long_for_its_column_is_cut_and_kept_whole_in_its_tooltip():
    long = "Wave 1: AI music services and dataset providers (demo)"
    svg = str(charts.bars("t", "Title", [(long, 3), ("Short", 1)]))

    assert ">Wave 1: AI music services and…<title>" + long + "</title></text>" in svg
    assert 'class="chart-label">Short</text>' in svg
