import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """`?page=2&page_size=50`; a client cannot ask for more than `max_page_size` rows at once,
    so one request never loads a whole table. A page size that is not a whole number from 1
    up is a 400 (DRF would quietly use the default)."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError({self.page_size_query_param: ["A whole number from 1 up."]})
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        # DRF reads an empty or non-numeric `page` as page 1 (or a 404): say it is wrong.
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw != "last" and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            raise ValidationError({self.page_query_param: ["A page number is a whole number from 1 up."]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1})
                parameter["description"] = (
                    f"Rows per page: {self.page_size} unless given, at most {self.max_page_size}."
                )
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1})
        return parameters


# A list counted at or above this many rows remembers its count for COUNT_CACHE_SECONDS
# (in the shared cache, so every worker reuses it): counting a million rows costs more than
# serving the page.
COUNT_CACHE_FROM = 10_000
COUNT_CACHE_SECONDS = 30


class LargeTablePaginator(Paginator):
    """Page numbers over tables of millions of rows (interactions, escalations, measurements).

    - The page is found on the ordering columns alone (an index-only scan of the matching
      index), then its rows are read by id with their joins: a deep page no longer drags
      every skipped row's joins along.
    - A page in the second half is counted from the end (the ordering reversed), so the
      last pages cost what the first ones do.
    - A count of COUNT_CACHE_FROM rows or more is kept for COUNT_CACHE_SECONDS: such a
      count may lag behind by the rows added meanwhile, as page numbers drift anyway.
    Three queries (count, ids, rows) plus the queryset's prefetches, whatever the page."""

    @cached_property
    def count(self):
        sql, params = self.object_list.query.sql_with_params()
        # The database's name too: two portals (or a benchmark's scales) may share one cache.
        database = connections[self.object_list.db].settings_dict["NAME"]
        key = "brm:api-count:" + hashlib.sha256(repr((database, sql, params)).encode()).hexdigest()
        count = cache.get(key)
        if count is None:
            count = self.object_list.count()
            if count >= COUNT_CACHE_FROM:
                cache.set(key, count, COUNT_CACHE_SECONDS)
        return count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        ids = self.object_list.values_list("pk", flat=True)
        if bottom > self.count // 2 and self.object_list.ordered:
            page_ids = list(ids.reverse()[max(0, self.count - top) : self.count - bottom])[::-1]
        else:
            page_ids = list(ids[bottom:top])
        rows = (
            {row.pk: row for row in self.object_list.order_by().filter(pk__in=page_ids)} if page_ids else {}
        )
        return self._get_page([rows[pk] for pk in page_ids if pk in rows], number, self)


class LargeTablePagination(StandardPagination):
    django_paginator_class = LargeTablePaginator

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count"]["description"] = (
            f"Rows in the list; from {COUNT_CACHE_FROM:,} on, recounted at most every "
            f"{COUNT_CACHE_SECONDS} seconds."
        )
        return schema
