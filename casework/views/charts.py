"""Bar charts drawn as SVG on the server: no script, no font or file from the internet."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import mark_safe

COLOURS = ("#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a")


def bar_chart(*, labels: list[str], series: list[tuple[str, list]], targets: list | None = None,
              width: int = 720, height: int = 260, title: str = "") -> str:
    """Grouped bars, one group per label, one bar per series; optional target tick per group."""
    left, bottom, top = 60, 40, 30
    plot_w, plot_h = width - left - 10, height - bottom - top
    values = [float(v or 0) for _, vs in series for v in vs] + [float(t or 0) for t in (targets or [])]
    peak = max(values + [1.0])
    groups = max(1, len(labels))
    group_w = plot_w / groups
    bar_w = max(2.0, group_w * 0.8 / max(1, len(series)))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" style="max-width:100%;height:auto;font:11px sans-serif">']
    parts.append(f'<title>{escape(title)}</title>')
    for step in range(5):
        y = top + plot_h - plot_h * step / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{peak * step / 4:,.0f}</text>')
    for g, label in enumerate(labels):
        x0 = left + g * group_w + group_w * 0.1
        for s, (name, vs) in enumerate(series):
            value = float(vs[g] or 0)
            h = plot_h * value / peak
            parts.append(
                f'<rect x="{x0 + s * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[s % len(COLOURS)]}"><title>{escape(label)} {escape(name)}: {value:,.2f}</title></rect>')
        if targets and targets[g]:
            y = top + plot_h - plot_h * float(targets[g]) / peak
            parts.append(f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x0 + group_w * 0.8:.1f}" y2="{y:.1f}" '
                         f'stroke="#c62828" stroke-width="2" stroke-dasharray="4 2"/>')
        parts.append(f'<text x="{x0 + group_w * 0.4:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
                     f'fill="#333">{escape(label[:8])}</text>')
    for s, (name, _vs) in enumerate(series):
        parts.append(f'<rect x="{left + s * 140}" y="6" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>'
                     f'<text x="{left + s * 140 + 16}" y="16" fill="#333">{escape(name)}</text>')
    if targets:
        x = left + len(series) * 140
        parts.append(f'<line x1="{x}" y1="12" x2="{x + 14}" y2="12" stroke="#c62828" stroke-width="2" '
                     f'stroke-dasharray="4 2"/><text x="{x + 18}" y="16" fill="#333">{escape(_target_label())}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _target_label() -> str:
    from django.utils.translation import gettext

    return gettext("Target")


