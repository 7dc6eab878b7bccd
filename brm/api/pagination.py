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
