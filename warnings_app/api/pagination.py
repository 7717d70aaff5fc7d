from typing import Any

from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (at most 200: a client cannot ask for the whole register in
    one response)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        """A page size that is not a positive whole number is an error, not a silent default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        digits = raw.lstrip("0")
        if not (raw.isascii() and raw.isdigit() and digits):
            raise ValidationError({"page_size": ["A whole number from 1 (at most 200 are given)."]})
        # Past a few digits the answer is the maximum anyway; int() refuses thousands of digits.
        return self.max_page_size if len(digits) > 6 else min(int(digits), self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        """`?page=` with no number is a mistake (400), not the first page."""
        if request.query_params.get(self.page_query_param) == "":
            raise ValidationError({"page": ["Give a page number, or leave the parameter out."]})
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = "Results per page (1 or more; more than 200 gives 200)."
        return parameters
