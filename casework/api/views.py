"""The API's views: parse and check the input, call the services and selectors the pages use,
and render the result. No business rule lives here."""

from __future__ import annotations

import io

from django.contrib.auth import authenticate
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from casework.api import serializers as s
from casework.api.authentication import ApiTokenAuthentication
from casework.api.exceptions import MAX_BODY_BYTES, ErrorSerializer, RequestTooLarge, UnknownTransition
from casework.api.permissions import ActionPermission
from casework.api.transition_inputs import TRANSITION_INPUTS
from casework.deadlines.calendar import local_date
from casework.files import stored_file_response
from casework.models import AccessChannel, AttachmentKind, Case, CaseEvent, Document, DocumentService
from casework.selectors.cases import CaseFilters, CasePaginator, case_list, case_visible
from casework.selectors.overdue import clock_overdue_queryset
from casework.selectors.people import communities_visible, people_visible, squads_visible
from casework.selectors.persuasion import case_talks
from casework.selectors.stats import can_see_dashboard, case_year_figures
from casework.selectors.transitions import case_available_transitions
from casework.services.api_tokens import api_token_issue, api_token_revoke
from casework.services.approvals import approval_record
from casework.services.attachments import attachment_add
from casework.services.cases import case_register, case_transition
from casework.services.documents import document_serve
from casework.services.personal_data import document_pdf_for, event_data_for, party_views_for
from casework.services.persuasion import talk_log
from casework.transitions import SPECS

ERROR_DESCRIPTIONS = {
    400: _("Invalid input (`code` invalid, `fields` per field) or a body that is not JSON (`parse_error`)."),
    401: _("No token, or an invalid one (`not_authenticated`, `authentication_failed`)."),
    403: _("Your role or squad does not allow this (`forbidden`)."),
    404: _("No such object among those you may see (`not_found`)."),
    409: _("A statutory condition is unmet (`guard_failed`, with `guards`) or the case changed meanwhile (`conflict`)."),
    413: _("The request is larger than 25 MB (`too_large`)."),
    415: _("A content type this endpoint does not read (`unsupported_media_type`)."),
    429: _("Too many attempts; wait and try again (`throttled`)."),
}


def errors(*codes: int) -> dict:
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


READ_ERRORS = (400, 401, 404)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CasePagination(Pagination):
    """The case list's pages, found from the list's indexes (CasePaginator)."""

    django_paginator_class = CasePaginator


class ApiView(generics.GenericAPIView):
    """Refuses bodies over 25 MB before anything reads them (413 in the error shape).

    Authorisation: casework.authorization's rules through ActionPermission; a view names the
    action of each method in `authorization_actions` (the services check them again)."""

    permission_classes = [ActionPermission]
    authorization_actions: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise RequestTooLarge()
        super().initial(request, *args, **kwargs)

    def query(self, serializer_class) -> dict:
        """The query string checked by `serializer_class`; an empty value counts as no value
        only for text (a blank number or choice is an error, not "unfiltered")."""
        serializer = serializer_class(data=self.request.query_params)
        blank = [name for name, field in serializer.fields.items()
                 if self.request.query_params.get(name) == "" and not isinstance(field, serializers.CharField)]
        if blank:
            raise exceptions.ValidationError({name: [gettext("Give a value or leave the parameter out.")] for name in blank})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def visible_case(self, pk: int, queryset=None) -> Case:
        if pk > s.MAX_ID:
            raise Http404
        case = get_object_or_404(queryset if queryset is not None else case_visible(user=self.request.user), pk=pk)
        self.check_object_permissions(self.request, case)
        return case

    def case_detail(self, pk: int) -> Case:
        queryset = case_visible(user=self.request.user).select_related("squad", "community", "party")
        queryset = queryset.prefetch_related("officers", "negotiators", "clocks")
        return self.visible_case(pk, queryset)

    def case_body(self, pk: int) -> dict:
        """The case as CaseDetailSerializer gives it, its party as this user may see it (an
        unmasked party is recorded by casework.services.personal_data)."""
        case = self.case_detail(pk)
        views = party_views_for(user=self.request.user, cases=[case], channel=AccessChannel.API,
                                detail=f"{self.request.method} {self.request.path}")
        return s.CaseDetailSerializer(case, context={"party_views": views}).data


# --- tokens ----------------------------------------------------------------------------------

class TokenView(ApiView):
    """Log in with a username and password; answers a new key for `Authorization: Token <key>`.
    Every key of a person stops working when their password changes."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "api_token"
    serializer_class = s.TokenRequestSerializer

    def _logging_in(self) -> bool:
        return getattr(self.request, "method", None) == "POST"

    def get_authenticators(self):
        # Logging in needs no credentials (and no CSRF token from a browser session); revoking
        # needs the token being revoked.
        return [] if self._logging_in() else [ApiTokenAuthentication()]

    def get_permissions(self):
        return [permissions.AllowAny()] if self._logging_in() else [permissions.IsAuthenticated()]

    def get_throttles(self):
        return super().get_throttles() if self._logging_in() else []

    @extend_schema(request=s.TokenRequestSerializer, responses={201: s.TokenSerializer, **errors(400, 413, 415, 429)},
                   auth=[], tags=["auth"])
    def post(self, request):
        serializer = s.TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, username=serializer.validated_data["username"],
                            password=serializer.validated_data["password"])
        if user is None:
            raise exceptions.ValidationError(
                {"password": [gettext("The username or the password is wrong, or the account is disabled.")]}
            )
        return Response({"token": api_token_issue(user=user)}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None, **errors(401)}, tags=["auth"])
    def delete(self, request):
        """Revoke the token this request is made with (log out of the app)."""
        api_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- cases -----------------------------------------------------------------------------------

class CaseListView(ApiView):
    pagination_class = CasePagination
    serializer_class = s.CaseListSerializer

    @extend_schema(parameters=[s.CaseFilterSerializer], responses={200: s.CaseListSerializer(many=True),
                                                                     **errors(*READ_ERRORS)}, tags=["cases"])
    def get(self, request):
        """The cases you may see (your squad's for officers and supervisors, only those assigned
        to you for negotiators, every squad's for the head of office, legal reviewers and
        administrators), newest first."""
        filters = self.query(s.CaseFilterSerializer)
        cases = case_list(user=request.user, filters=CaseFilters(
            status=filters.get("status") or "", squad=filters.get("squad"), community=filters.get("community"),
            overdue=filters.get("overdue"), q=filters.get("q", ""),
        ), with_urgent_clock=False)
        page = self.paginate_queryset(cases)
        return self.get_paginated_response(s.CaseListSerializer(page, many=True).data)

    @extend_schema(request=s.CaseRegisterSerializer, responses={201: s.CaseDetailSerializer, **errors(*WRITE_ERRORS)},
                   tags=["cases"])
    def post(self, request):
        """Register a lead (线索登记) in a community of your squad."""
        serializer = s.CaseRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        case = case_register(actor=request.user, **data)
        return Response(self.case_body(case.pk), status=status.HTTP_201_CREATED)


class CaseDetailView(ApiView):
    serializer_class = s.CaseDetailSerializer

    @extend_schema(responses={200: s.CaseDetailSerializer, **errors(401, 404)}, tags=["cases"])
    def get(self, request, pk: int):
        """The case with its party, the violation, where it stands, the people and the clocks."""
        return Response(self.case_body(pk))


class CaseTransitionsView(ApiView):
    serializer_class = s.AvailableTransitionSerializer

    @extend_schema(responses={200: s.AvailableTransitionSerializer(many=True), **errors(401, 404)},
                   tags=["transitions"])
    def get(self, request, pk: int):
        """The transitions possible from the case's state, whether you may perform each now, and
        if not, why (role, squad, statutory conditions). Conditions on the data you will enter
        are checked when you perform it."""
        case = self.visible_case(pk)
        available = case_available_transitions(case=case, user=request.user)
        return Response([item.as_dict() for item in available])


class CaseTransitionView(ApiView):
    """Performs one transition; subclassed once per transition so the schema shows its data."""

    transition_name = ""
    serializer_class = s.CaseDetailSerializer

    def post(self, request, pk: int, name: str = ""):
        name = self.transition_name or name
        input_class = TRANSITION_INPUTS.get(name)
        if input_class is None:
            raise UnknownTransition(gettext("Unknown transition: %(name)s.") % {"name": name[:100]})
        case = self.visible_case(pk)
        serializer = input_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        occurred_at = data.pop("occurred_at")
        expected_version = data.pop("expected_version", None)
        case = case_transition(case=case, actor=request.user, name=name, data=data, occurred_at=occurred_at,
                               expected_version=expected_version)
        return Response(self.case_body(case.pk))


@extend_schema(exclude=True)
class UnknownTransitionView(CaseTransitionView):
    pass


def _transition_view(name: str) -> type[CaseTransitionView]:
    spec = SPECS[name]
    roles = ", ".join(sorted(spec.roles))
    schema = extend_schema(
        operation_id=f"cases_transition_{name}",
        summary=format_lazy("{name}: {label}", name=name, label=spec.label),
        description=format_lazy(
            _("Perform `{name}` (procedure.md) with the data it needs. Who: {roles}. Answers the case. "
              "A 409 `guard_failed` lists every unmet statutory condition with its basis."),
            name=name, roles=roles,
        ),
        request=TRANSITION_INPUTS[name],
        responses={200: s.CaseDetailSerializer, **errors(*WRITE_ERRORS)},
        tags=["transitions"],
    )

    def post(self, request, pk: int):
        return CaseTransitionView.post(self, request, pk)

    class_name = f"Case{name.title().replace('_', '')}TransitionView"
    return type(class_name, (CaseTransitionView,), {"transition_name": name, "post": schema(post)})


TRANSITION_VIEWS = {name: _transition_view(name) for name in TRANSITION_INPUTS}


class CaseApprovalsView(ApiView):
    serializer_class = s.ApprovalSerializer

    @extend_schema(request=s.ApprovalInputSerializer, responses={201: s.ApprovalSerializer, **errors(*WRITE_ERRORS)},
                   tags=["transitions"])
    def post(self, request, pk: int):
        """Give an opinion the next transition needs: the legal review before `decide` and
        `decide_execution`, a long commitment, an emergency, an extension of the 90 days."""
        case = self.visible_case(pk)
        serializer = s.ApprovalInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        extra = {"days": data.pop("days")} if "days" in data else None
        approval = approval_record(case=case, actor=request.user, data=extra, **data)
        return Response(s.ApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)


class CaseEventsView(ApiView):
    serializer_class = s.EventSerializer

    @extend_schema(responses={200: s.EventSerializer(many=True), **errors(401, 404)}, tags=["cases"])
    def get(self, request, pk: int):
        """The case's timeline, in the order things happened."""
        case = self.visible_case(pk)
        events = list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("occurred_at", "id"))
        data = event_data_for(user=request.user, case=case, events=events, channel=AccessChannel.API,
                              detail=f"GET {request.path}")
        return Response(s.EventSerializer(events, many=True, context={"event_data": data}).data)


class CaseTalksView(ApiView):
    pagination_class = Pagination
    serializer_class = s.TalkSerializer

    @extend_schema(parameters=[s.PageFilterSerializer], responses={200: s.TalkSerializer(many=True),
                                                                     **errors(*READ_ERRORS)}, tags=["persuasion"])
    def get(self, request, pk: int):
        """The case's persuasion talks (约谈), newest first, with their records and files."""
        case = self.visible_case(pk)
        self.query(s.PageFilterSerializer)
        page = self.paginate_queryset(case_talks(case=case))
        return self.get_paginated_response(s.TalkSerializer(page, many=True).data)

    @extend_schema(request=s.TalkInputSerializer, responses={201: s.TalkSerializer, **errors(*WRITE_ERRORS)},
                   tags=["persuasion"])
    def post(self, request, pk: int):
        """Log a talk as one of the case's negotiators (negotiators read and act only on the
        cases assigned to them), from filing until closure. Issues its 约谈笔录; with a
        `commitment_date` also commits the case to self-demolition. Add photos afterwards with
        `POST /cases/{id}/photos/` naming the talk's `event`."""
        case = self.visible_case(pk)
        serializer = s.TalkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        talk = talk_log(case=case, actor=request.user, **data)
        return Response(s.TalkSerializer(case_talks(case=case).get(pk=talk.pk)).data, status=status.HTTP_201_CREATED)


class CasePhotosView(ApiView):
    authorization_actions = {"POST": "upload_attachment"}
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = s.AttachmentSerializer

    @extend_schema(request={"multipart/form-data": s.PhotoInputSerializer},
                   responses={201: s.AttachmentSerializer, **errors(*WRITE_ERRORS)}, tags=["cases"])
    def post(self, request, pk: int):
        """Upload a photo (checked by its content, at most 20 MB), optionally for one event."""
        case = self.visible_case(pk)
        # A multipart form may repeat a field; the serializer would silently take the last one.
        repeated = [name for name in request.data if len(request.data.getlist(name)) > 1]
        if repeated:
            raise exceptions.ValidationError({name: [gettext("Give this field only once.")] for name in repeated})
        serializer = s.PhotoInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        event = None
        if "event" in data:
            event = case.events.filter(pk=data["event"]).first()
            if event is None:
                raise exceptions.ValidationError({"event": [gettext("No such event on this case.")]})
        attachment = attachment_add(case=case, actor=request.user, upload=data["file"], event=event,
                                    caption=data.get("caption", ""), allowed_kinds=(AttachmentKind.PHOTO,))
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class CaseDocumentsView(ApiView):
    serializer_class = s.DocumentSerializer

    @extend_schema(responses={200: s.DocumentSerializer(many=True), **errors(401, 404)}, tags=["documents"])
    def get(self, request, pk: int):
        """The case's documents, with their numbers, fingerprints and service."""
        case = self.visible_case(pk)
        documents = Document.objects.filter(case=case).select_related("service").order_by("created_at", "id")
        return Response(s.DocumentSerializer(documents, many=True, context={"request": request}).data)


# --- documents -------------------------------------------------------------------------------

class DocumentApiView(ApiView):
    def visible_document(self, pk: int) -> Document:
        if pk > s.MAX_ID:
            raise Http404
        document = get_object_or_404(
            Document.objects.select_related("case").filter(case__in=case_visible(user=self.request.user)), pk=pk
        )
        self.check_object_permissions(self.request, document)
        return document


class DocumentServiceView(DocumentApiView):
    authorization_actions = {"POST": "record_service"}
    serializer_class = s.ServiceSerializer

    @extend_schema(request=s.ServiceInputSerializer, responses={201: s.ServiceSerializer, **errors(*WRITE_ERRORS)},
                   tags=["documents"])
    def post(self, request, pk: int):
        """Record the service (送达) of a document on the party; issues its 送达回证."""
        document = self.visible_document(pk)
        serializer = s.ServiceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = document_serve(document=document, actor=request.user, **serializer.validated_data)
        service = DocumentService.objects.select_related("served_by").get(pk=service.pk)
        return Response(s.ServiceSerializer(service).data, status=status.HTTP_201_CREATED)


class DocumentPdfView(DocumentApiView):
    authorization_actions = {"GET": "download_document"}
    serializer_class = s.DocumentSerializer

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, **errors(401, 404)}, tags=["documents"])
    def get(self, request, pk: int):
        """The document's PDF (404 until it is rendered): the original, or — where the original
        prints the party's full ID number and you are not one of the case's own people — a copy
        with the number masked."""
        document = self.visible_document(pk)
        if not document.pdf:
            raise exceptions.NotFound(gettext("This document has not been rendered yet."))
        pdf = document_pdf_for(user=request.user, document=document, channel=AccessChannel.API,
                               detail=document.number)
        if pdf.original:
            return stored_file_response(document.pdf, content_type="application/pdf",
                                        filename=f"{document.document_type}-{document.pk}.pdf")
        # A copy with the ID number masked (the original prints the full number).
        return FileResponse(io.BytesIO(pdf.content), content_type="application/pdf",
                            filename=f"{document.document_type}-{document.pk}-copy.pdf")


# --- across cases ----------------------------------------------------------------------------

class OverdueView(ApiView):
    pagination_class = Pagination
    serializer_class = s.OverdueClockSerializer

    @extend_schema(parameters=[s.PageFilterSerializer],
                   responses={200: s.OverdueClockSerializer(many=True), **errors(*READ_ERRORS)}, tags=["cases"])
    def get(self, request):
        """Clocks of the cases you may see that ran out without the action they wait for
        (a party's window never counts, nor a suspended case); longest overdue first."""
        self.query(s.PageFilterSerializer)
        clocks = clock_overdue_queryset(as_of=timezone.now(), user=request.user).select_related(
            "case", "case__squad", "case__community").prefetch_related("case__officers")
        page = self.paginate_queryset(clocks)
        return self.get_paginated_response(s.OverdueClockSerializer(page, many=True).data)


class SeesDashboard(permissions.BasePermission):
    """The dashboard page's rule (casework.selectors.stats.can_see_dashboard)."""

    message = _("Only supervisors, the head of office and administrators see the dashboard.")

    def has_permission(self, request, view) -> bool:
        return can_see_dashboard(request.user)


class StatsView(ApiView):
    permission_classes = [permissions.IsAuthenticated, SeesDashboard]
    serializer_class = s.StatsSerializer

    @extend_schema(parameters=[s.StatsQuerySerializer], responses={200: s.StatsSerializer, **errors(400, 401, 403)},
                   tags=["stats"])
    def get(self, request):
        """The supervisors' dashboard figures for a year (default: this year, Beijing time), over
        your squad (supervisors) or the whole office (head of office, administrators), as the
        dashboard page shows them, as of `computed_at` (read for every request)."""
        query = self.query(s.StatsQuerySerializer)
        year = query.get("year") or local_date(timezone.now()).year
        squad = query.get("squad")
        if squad and not squads_visible(user=request.user).filter(pk=squad).exists():
            raise exceptions.ValidationError({"squad": [gettext("No such squad among those you may see.")]})
        figures = case_year_figures(year=year, user=request.user, squad=squad)
        return Response(s.StatsSerializer(figures).data)


# --- lookups ---------------------------------------------------------------------------------

class CommunitiesView(ApiView):
    pagination_class = Pagination
    serializer_class = s.CommunitySerializer

    @extend_schema(parameters=[s.LookupQuerySerializer],
                   responses={200: s.CommunitySerializer(many=True), **errors(*READ_ERRORS)}, tags=["lookups"])
    def get(self, request):
        """The communities of your squad (every squad's for office-wide roles), to choose one by id."""
        query = self.query(s.LookupQuerySerializer)
        page = self.paginate_queryset(communities_visible(user=request.user, squad=query.get("squad")))
        return self.get_paginated_response(s.CommunitySerializer(page, many=True).data)


class PeopleView(ApiView):
    pagination_class = Pagination
    serializer_class = s.PersonRefSerializer

    @extend_schema(parameters=[s.PeopleQuerySerializer],
                   responses={200: s.PersonRefSerializer(many=True), **errors(*READ_ERRORS)}, tags=["lookups"])
    def get(self, request):
        """The active people of your squad (every squad's for office-wide roles), to choose
        officers and negotiators by id: name, squad and roles only."""
        query = self.query(s.PeopleQuerySerializer)
        people = people_visible(user=request.user, role=query.get("role"), squad=query.get("squad"))
        page = self.paginate_queryset(people)
        return self.get_paginated_response(s.PersonRefSerializer(page, many=True).data)


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any other path under /api/v1/: a 404 in the API's error shape, whatever the method."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise exceptions.NotFound()

    def get(self, request, *args, **kwargs):
        raise exceptions.NotFound()

    post = put = patch = delete = get

