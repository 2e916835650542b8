"""Server-rendered SVG: a score trend needs no chart library and no JavaScript."""

from __future__ import annotations

from html import escape


def trend_svg(points: list[tuple[str, float | None]], pass_score: float | None = None, width: int = 640, height: int = 180) -> str:
    """Mean score per day as a line over 0-100, with the pass line dashed."""
    known = [(label, v) for label, v in points if v is not None]
    if not known:
        return '<p class="muted">暂无评分数据</p>'
    left, right, top, bottom = 36, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(known) - 1, 1)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / 100)

    xy = [(left + i * step if len(known) > 1 else left + plot_w / 2, y(v)) for i, (_, v) in enumerate(known)]
    parts = [f'<svg class="trend" viewBox="0 0 {width} {height}" role="img" aria-label="评分趋势">']
    for v in (0, 50, 100):
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}"/><text class="axis" x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>')
    if pass_score is not None:
        parts.append(f'<line class="pass-line" x1="{left}" x2="{width - right}" y1="{y(pass_score):.1f}" y2="{y(pass_score):.1f}"><title>合格线 {pass_score:g}</title></line>')
    parts.append('<polyline class="line" points="' + " ".join(f"{px:.1f},{py:.1f}" for px, py in xy) + '"/>')
    for (label, v), (px, py) in zip(known, xy):
        parts.append(f'<circle class="dot" cx="{px:.1f}" cy="{py:.1f}" r="4"><title>{escape(label)}: {v:g}</title></circle>')
        parts.append(f'<text class="axis" x="{px:.1f}" y="{height - 8}" text-anchor="middle">{escape(label[5:] if len(label) == 10 else label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
