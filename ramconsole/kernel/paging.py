"""Pages over lists that only grow (events: one per API call, hundreds a second under load)."""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """Pages over the first `limit` rows only, so neither counting them nor the deepest page's
    OFFSET grows with the table. `truncated` tells the page to say that more rows exist."""

    def __init__(self, object_list, per_page: int, *, limit: int) -> None:
        super().__init__(object_list, per_page)
        self.limit = limit

    @cached_property
    def _counted(self) -> int:
        # COUNT(*) over a subquery with LIMIT limit + 1: at most that many rows are read.
        return self.object_list[: self.limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.limit)

    @property
    def truncated(self) -> bool:
        return self._counted > self.limit
