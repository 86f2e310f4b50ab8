"""Page-number pagination for every list: a page size the caller may choose up to a cap,
and a bad `page` or `page_size` answered with a 400 that names the parameter (DRF's own
would silently fall back to the default size, or answer 404 for a page past the end).
An empty `page=` or `page_size=` is a 400 too, as any empty parameter but a text one."""

from __future__ import annotations

from django.core.paginator import InvalidPage
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def _positive(raw: str | None, *, name: str, default: int, cap: int | None = None) -> int:
    if raw is None:
        return default
    if raw == "":
        # As an empty filter (api.filters.FilterSet): a mistake to show, not a default.
        raise ValidationError(
            {name: [_("Пустое значение: укажите значение или уберите параметр.")]}
        )
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValidationError({name: [_("Укажите целое число не меньше 1.")]})
    value = int(raw)
    if cap is not None and value > cap:
        raise ValidationError({name: [_("Не больше %(cap)s.") % {"cap": cap}]})
    return value


class ApiPagination(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        return _positive(
            request.query_params.get(self.page_size_query_param),
            name=self.page_size_query_param,
            default=self.page_size,
            cap=self.max_page_size,
        )

    def get_page_number(self, request, paginator) -> int:
        return _positive(
            request.query_params.get(self.page_query_param),
            name=self.page_query_param,
            default=1,
        )

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        number = self.get_page_number(request, paginator)
        try:
            # A page past the end is an empty page, not an error: a list that shrank
            # between two calls should not break an integration's loop.
            self.page = paginator.page(min(number, max(paginator.num_pages, 1)))
        except InvalidPage as exc:  # pragma: no cover - the number is already checked
            raise ValidationError({self.page_query_param: [str(exc)]}) from None
        if number > paginator.num_pages:
            return []
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            param["schema"]["minimum"] = 1
            if param["name"] == self.page_size_query_param:
                param["schema"]["maximum"] = self.max_page_size
        return params
