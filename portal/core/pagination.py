"""A page of a list too long to count on every request, as Django's Paginator does.

`window` reads the page's rows and one more (the training report's overdue assignments: counting 100,000 of them,
joined to their people, took PostgreSQL 130 ms a request).
"""

from dataclasses import dataclass

# The furthest page a window is read at: an OFFSET costs PostgreSQL a walk over every row it skips.
WINDOW_MAX_PAGE = 10_000


@dataclass(frozen=True)
class Window:
    """One page of a list too long to count on every request: its rows, and whether more follow.

    Read as the page's rows and one more, so whether a next page exists is known without counting the list.
    The pager shows Previous and Next but no "of N": the total, where a page shows one, comes from figures
    counted apart (the training report's, kept a minute).
    """

    object_list: list
    number: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)


def window(queryset, per_page: int, number) -> Window:
    """The page `number` (as typed in the address: anything else than 1 to WINDOW_MAX_PAGE reads page 1) of an
    ordered queryset. A page past the end, after the list shrank, gives the first page, as a page number that is
    not one does."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    if not 1 <= number <= WINDOW_MAX_PAGE:
        number = 1
    offset = (number - 1) * per_page
    rows = list(queryset[offset:offset + per_page + 1])
    if not rows and number > 1:
        return window(queryset, per_page, 1)
    return Window(object_list=rows[:per_page], number=number, per_page=per_page, has_next=len(rows) > per_page)
