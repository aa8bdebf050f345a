"""Small charts drawn on the server as inline SVG: no script, no internet resource."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#2e7d32", "#c62828", "#1565c0", "#9e9e9e", "#f9a825", "#6a1b9a"]


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def bar_chart(bars: list[tuple[str, float]], *, title: str = "", width: int = 360) -> SafeString:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    row, label_width, pad = 28, 120, 40
    height = row * len(bars) + 8
    largest = max([v for _, v in bars] + [0]) or 1
    span = width - label_width - pad
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-label="{escape(title)}">'
    ]
    for i, (label, value) in enumerate(bars):
        y = 4 + i * row
        length = span * value / largest
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 17}" text-anchor="end" font-size="12">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="18" fill="{PALETTE[i % len(PALETTE)]}">'
            f"<title>{escape(label)}: {_number(value)}</title></rect>"
            f'<text x="{label_width + length + 4:.1f}" y="{y + 17}" font-size="12">{_number(value)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every label is escaped above


def stacked_bar_chart(rows: list[tuple[str, list[tuple[str, float]]]], *, title: str = "", width: int = 360) -> SafeString:
    """One horizontal bar per row, split into its segments (shares of the row's total), with a legend."""
    row, label_width, pad = 28, 120, 10
    segments = [name for name, _ in rows[0][1]] if rows else []
    legend_height = 20
    height = row * len(rows) + legend_height + 8
    span = width - label_width - pad
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-label="{escape(title)}">'
    ]
    for i, (label, values) in enumerate(rows):
        y = 4 + i * row
        total = sum(v for _, v in values)
        parts.append(f'<text x="{label_width - 6}" y="{y + 17}" text-anchor="end" font-size="12">{escape(label)}</text>')
        x = float(label_width)
        for j, (name, value) in enumerate(values):
            if not total or not value:
                continue
            length = span * value / total
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{length:.1f}" height="18" fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{escape(label)} · {escape(name)}: {_number(value)}</title></rect>"
            )
            x += length
    y = 4 + len(rows) * row + 4
    x = 4
    for j, name in enumerate(segments):
        parts.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"></rect>'
            f'<text x="{x + 14}" y="{y + 10}" font-size="11">{escape(name)}</text>'
        )
        x += 14 + 12 * len(name) + 16
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every label is escaped above
