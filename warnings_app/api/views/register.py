"""Companies and contacts (read, create, update through the register services); principals and
works (read: they are kept in the administration)."""

from typing import Any, TypeVar

from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from warnings_app import services
from warnings_app.api import filters
from warnings_app.api.base import ApiViewSet, caller
from warnings_app.api.idempotency import idempotent
from warnings_app.api.serializers.register import (
    CompanySerializer,
    ContactSerializer,
    PrincipalSerializer,
    WorkSerializer,
)
from warnings_app.models import Company, Contact, Principal, Work

P = "warnings_app."
_Stored = TypeVar("_Stored", Company, Contact)


def _read(model: str) -> dict[str, str]:
    return {"list": f"{P}view_{model}", "retrieve": f"{P}view_{model}"}


def _write(model: str) -> dict[str, str]:
    return {
        "create": f"{P}add_{model}",
        "update": f"{P}change_{model}",
        "partial_update": f"{P}change_{model}",
    }


class _WritableViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ApiViewSet[_Stored]
):
    """create/update validate with the serializer, then call `store`, which goes through a
    service; the answer is the stored row, read back."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def store(self, data: dict[str, Any], instance: _Stored | None = None) -> _Stored:
        raise NotImplementedError

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.store(serializer.validated_data)
        return Response(self._read_back(obj), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        serializer = self.get_serializer(
            instance, data=request.data, partial=kwargs.pop("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        obj = self.store(serializer.validated_data, instance)
        return Response(self._read_back(obj))

    def _read_back(self, obj: _Stored) -> dict[str, Any]:
        data: dict[str, Any] = self.get_serializer(self.get_queryset().get(pk=obj.pk)).data
        return data


class CompanyViewSet(_WritableViewSet[Company]):
    queryset = Company.objects.prefetch_related("tags")
    serializer_class = CompanySerializer
    filterset_class = filters.CompanyFilter
    ordering_fields = ["legal_name", "country", "segment", "created_at", "updated_at", "id"]
    action_permissions = {**_read("company"), **_write("company")}

    def store(self, data: dict[str, Any], instance: Company | None = None) -> Company:
        if instance is None:
            return services.company_create(
                by=caller(self.request), tags=data["tags"], **data["values"]
            )
        return services.company_update(
            company=instance, by=caller(self.request), tags=data["tags"], **data["values"]
        )


class ContactViewSet(_WritableViewSet[Contact]):
    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    filterset_class = filters.ContactFilter
    ordering_fields = ["name", "role", "created_at", "updated_at", "id"]
    action_permissions = {**_read("contact"), **_write("contact")}

    def store(self, data: dict[str, Any], instance: Contact | None = None) -> Contact:
        if instance is None:
            return services.contact_create(
                company=data["company"], by=caller(self.request), **data["values"]
            )
        return services.contact_update(contact=instance, by=caller(self.request), **data["values"])


class PrincipalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[Principal]):
    queryset = Principal.objects.all()
    serializer_class = PrincipalSerializer
    filterset_fields = ["kind"]
    ordering_fields = ["name", "created_at", "id"]
    action_permissions = _read("principal")


class WorkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[Work]):
    queryset = Work.objects.all()
    serializer_class = WorkSerializer
    filterset_class = filters.WorkFilter
    ordering_fields = ["title", "artist", "release_year", "created_at", "id"]
    action_permissions = _read("work")
