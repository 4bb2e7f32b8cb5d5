"""One way to write a time: `YYYY-MM-DD HH:mm:ss UTC` for people (pages, mail), ISO 8601 UTC in
the <time> element and in files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from django.template import Context, Template

from ramconsole.kernel import clock
from ramconsole.web.templatetags.console import utc_time


def test_a_time_is_a_time_element_with_its_utc_value() -> None:
    moment = datetime(2026, 12, 1, 18, 58, 50, 999999, tzinfo=UTC)
    assert utc_time(moment) == (
        '<time datetime="2026-12-01T18:58:50Z" title="2026-12-01 18:58:50 UTC">2026-12-01 18:58:50 UTC</time>'
    )


def test_a_time_in_another_zone_is_written_in_utc() -> None:
    shanghai = timezone(timedelta(hours=8))
    moment = datetime(2026, 12, 2, 2, 58, 50, tzinfo=shanghai)
    assert clock.display_text(moment) == "2026-12-01 18:58:50 UTC"
    assert 'datetime="2026-12-01T18:58:50Z"' in utc_time(moment)


def test_no_time_is_a_dash_and_templates_reach_the_filter_everywhere() -> None:
    assert utc_time(None) == "-"
    rendered = Template("{{ when|utc_time }}").render(Context({"when": datetime(2030, 1, 1, tzinfo=UTC)}))
    assert rendered.endswith(">2030-01-01 00:00:00 UTC</time>")
