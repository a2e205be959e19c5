"""The SVG bar charts: figures as text, a title and a description for assistive technology, hostile
labels escaped, long ones shortened in the picture but whole in the description."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from bot.web.admin.charts import ChartBar, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_each_bar_has_its_label_count_and_share_as_text() -> None:
    svg = ET.fromstring(str(bar_chart("c1", "Vad oroar er mest?", [
        ChartBar("Leveranser", 7, 7 / 11), ChartBar("Parkering för kunder", 3, 3 / 11), ChartBar("Skyltning", 0, 0.0),
    ], "sv")))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").text == "Vad oroar er mest?"  # type: ignore[union-attr]
    assert svg.find(f"{SVG}desc").text == (  # type: ignore[union-attr]
        "Leveranser: 7 (64\u00a0%); Parkering för kunder: 3 (27\u00a0%); Skyltning: 0 (0\u00a0%)"
    )
    assert [t.text for t in svg.iter(f"{SVG}text")] == [
        "Leveranser", "7 (64\u00a0%)", "Parkering för kunder", "3 (27\u00a0%)", "Skyltning", "0 (0\u00a0%)"
    ]
    widths = [float(r.get("width", "0")) for r in svg.iter(f"{SVG}rect")]
    assert widths == [310.0, round(310 * 3 / 7, 1)]  # the longest fills the bars' span; an empty bar has none


def test_labels_are_escaped_and_long_ones_shortened_in_the_picture_only() -> None:
    long = "Framkomlighet till entrén under hela byggtiden, även helger"
    markup = str(bar_chart("c2", "<script>", [ChartBar("<b>&", 2), ChartBar(long, 1, 0.5)], "en"))
    assert "<script>" not in markup and "&lt;script&gt;" in markup and "&lt;b&gt;&amp;" in markup
    svg = ET.fromstring(markup)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts[2] == long[:31].rstrip() + "…" and texts[3] == "1 (50%)"
    assert long in (svg.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    assert re.search(r'viewBox="0 0 640 72"', markup)  # two rows of 28 and the margins
