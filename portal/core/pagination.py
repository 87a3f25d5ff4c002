"""A Paginator that counts a plainer queryset of the same rows.

A page whose query carries an aggregate annotation (a board sorted by each case's nearest deadline) makes
`Paginator.count` wrap the whole grouped query in a subquery and aggregate every row to count them; the same
rows without the annotation count from an index. The caller vouches that both querysets hold the same rows.
"""

from functools import cached_property

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, counted, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.counted = counted

    @cached_property
    def count(self) -> int:
        return self.counted.count()
