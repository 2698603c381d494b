from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """Pages of 50 by default; ``page_size`` from 1 to 500. A page size or page number that is not
    a whole number in range is refused with 400 naming the parameter (as Open311 does), instead of
    being quietly replaced by the default: a client asking for 1000 rows must not believe it got
    them all."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if not 1 <= value <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [
                _("%(name)s must be a whole number from 1 to %(most)d.")
                % {"name": self.page_size_query_param, "most": self.max_page_size}]})
        return value

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw not in (None, "") and raw not in self.last_page_strings:
            try:
                number = int(raw)
            except ValueError:
                number = 0
            if number < 1:
                raise ValidationError({self.page_query_param: [
                    _("%(name)s must be a whole number from 1.") % {"name": self.page_query_param}]})
        return super().paginate_queryset(queryset, request, view)


class PagedAPIView:
    """For an APIView whose GET lists rows it builds itself: ``pagination_class`` makes the schema
    show the page envelope and the ``page``/``page_size`` parameters, and ``paged`` answers with
    one page, ``{count, next, previous, results}`` like every generic list."""

    pagination_class = StandardPagination

    def paged(self, request, rows, serialize):
        """One page of ``rows`` (a queryset or a list); ``serialize`` turns the page's rows into data."""
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(serialize(page))
