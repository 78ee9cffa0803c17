"""``label_distribution.svg``: a horizontal bar chart of label counts, written as plain SVG text.

Hand-written rather than drawn with a plotting library so the bytes depend only on the counts
(no library version, font cache, hash salt or date metadata), which keeps rebuilds identical.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

BAR_H = 18
GAP = 6
LABEL_W = 190
BAR_W = 360
WIDTH = LABEL_W + BAR_W + 90


def render_svg(sections: Sequence[tuple[str, Mapping[str, int], Mapping[str, str]]], title: str) -> str:
    """SVG text for ``(section title, {label: count}, {label: colour})`` sections, labels in given order."""
    rows: list[str] = []
    y = 40
    for heading, counts, colors in sections:
        rows.append(f'<text x="10" y="{y}" font-weight="bold">{escape(heading)}</text>')
        y += 10
        top = max(counts.values(), default=0) or 1
        for label, n in counts.items():
            w = round(BAR_W * n / top, 1)
            color = colors.get(label, "#888888")
            rows.append(f'<text x="{LABEL_W - 8}" y="{y + 13}" text-anchor="end">{escape(label)}</text>')
            rows.append(f'<rect x="{LABEL_W}" y="{y}" width="{w}" height="{BAR_H}" fill="{escape(color)}"/>')
            rows.append(f'<text x="{LABEL_W + w + 6:.1f}" y="{y + 13}">{n}</text>')
            y += BAR_H + GAP
        y += 24
    height = y
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">'
    )
    body = [head, f"<title>{escape(title)}</title>", f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
            f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>', *rows, "</svg>"]
    return "\n".join(body) + "\n"
