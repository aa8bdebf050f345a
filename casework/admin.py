from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext_lazy as _

from casework.authorization import permits
from casework.deadlines import periods
from casework.deadlines.calendar import WorkingCalendar
from casework.models import (
    AgencySetting,
    AnnualTarget,
    ApiToken,
    Approval,
    CalendarException,
    Case,
    CaseClock,
    CaseEvent,
    Community,
    Document,
    DocumentService,
    DocumentSetting,
    HolidayYear,
    Notification,
    PeriodSetting,
    PersonalDataAccess,
    Squad,
    User,
)


class RuleAdmin(admin.ModelAdmin):
    """The admin asks casework.authorization rather than Django's per-model permissions: the
    administrator sees the site (`admin_site`) and edits the reference data
    (`edit_reference_data`); nobody else sees or changes anything here."""

    def has_module_permission(self, request):
        return permits(request.user, "admin_site")

    def has_view_permission(self, request, obj=None):
        return permits(request.user, "admin_site")

    def has_add_permission(self, request):
        return permits(request.user, "edit_reference_data")

    def has_change_permission(self, request, obj=None):
        return permits(request.user, "edit_reference_data")

    def has_delete_permission(self, request, obj=None):
        return permits(request.user, "edit_reference_data")


class ReadOnlyAdmin(RuleAdmin):
    """Evidence is shown, never edited or deleted, also not by an administrator."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Squad)
class SquadAdmin(RuleAdmin):
    list_display = ("name", "code")


@admin.register(Community)
class CommunityAdmin(RuleAdmin):
    list_display = ("name", "squad")
    list_filter = ("squad",)


@admin.register(User)
class UserAdmin(RuleAdmin, DjangoUserAdmin):
    list_display = ("username", "full_name", "squad", "certificate_number", "is_active")
    list_filter = ("squad", "is_field_officer", "is_negotiator", "is_supervisor", "is_legal_reviewer",
                   "is_head_of_office", "is_administrator")
    search_fields = ("username", "full_name", "certificate_number")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Office"), {"fields": ("full_name", "squad", "phone", "certificate_number")}),
        (_("Roles"), {"fields": ("is_field_officer", "is_negotiator", "is_supervisor", "is_legal_reviewer",
                                 "is_head_of_office", "is_administrator")}),
    )
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-factor sign-in (lost phone)"))
    def reset_two_factor(self, request, queryset):
        from casework.errors import NotAllowed
        from casework.services.totp import totp_reset

        try:
            reset = [user for user in queryset if totp_reset(user=user, actor=request.user)]
        except NotAllowed as error:
            self.message_user(request, error.message, level=messages.ERROR)
            return
        self.message_user(request, _("Two-factor sign-in reset for %(count)d user(s); they sign in with the password "
                                     "alone until they turn it on again.") % {"count": len(reset)})


class ClocksDependOnThisMixin:
    """Holidays and periods feed every clock: after an edit, recompute the open cases' clocks."""

    def _recompute_clocks(self):
        from casework.tasks import clocks_refresh_open_cases_task, enqueue_on_commit

        WorkingCalendar.forget()
        periods.forget()
        enqueue_on_commit(clocks_refresh_open_cases_task)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._recompute_clocks()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._recompute_clocks()


@admin.register(HolidayYear)
class HolidayYearAdmin(ClocksDependOnThisMixin, RuleAdmin):
    list_display = ("year", "source")


@admin.register(CalendarException)
class CalendarExceptionAdmin(ClocksDependOnThisMixin, RuleAdmin):
    list_display = ("date", "is_working_day", "name")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"


@admin.register(PeriodSetting)
class PeriodSettingAdmin(ClocksDependOnThisMixin, RuleAdmin):
    list_display = ("key", "length")


@admin.register(DocumentSetting)
class DocumentSettingAdmin(RuleAdmin):
    list_display = ("document_type", "type_character")


@admin.register(AgencySetting)
class AgencySettingAdmin(RuleAdmin):
    list_display = ("agency_name", "prefix")


class MaskedDataMixin:
    """Shows a row's `data` with the party's ID number and phone masked: the admin is not one
    of the case's own people (casework.services.personal_data)."""

    exclude = ("data",)
    readonly_fields = ("data_masked",)

    @admin.display(description=_("data (personal data masked)"))
    def data_masked(self, obj):
        import json

        from casework.services.personal_data import mask_party_data

        data = dict(obj.data or {})
        if isinstance(data.get("party"), dict):
            data["party"] = mask_party_data(data["party"])
        return json.dumps(data, ensure_ascii=False, indent=1, cls=DjangoJSONEncoder)


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on the case's admin page, never added, edited or deleted there."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_view_permission(self, request, obj=None):
        return permits(request.user, "admin_site")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("occurred_at", "recorded_at", "kind", "transition", "from_status", "to_status", "actor")


class ClockInline(ReadOnlyInline):
    model = CaseClock
    fields = ("kind", "started_at", "due_at", "satisfied_at", "is_window", "unconfirmed", "rule")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "status", "squad", "community", "location", "illegal_area", "reported_at")
    list_filter = ("status", "squad", "is_newly_added", "source")
    search_fields = ("number", "location", "party__name")
    inlines = [EventInline, ClockInline]


@admin.register(CaseEvent)
class CaseEventAdmin(MaskedDataMixin, ReadOnlyAdmin):
    list_display = ("case", "kind", "transition", "from_status", "to_status", "actor", "occurred_at", "recorded_at")
    list_filter = ("kind", "transition")


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ("case", "step", "decision", "approver", "occurred_at")


@admin.register(Document)
class DocumentAdmin(MaskedDataMixin, ReadOnlyAdmin):
    list_display = ("number", "document_type", "case", "status", "issued_at")
    list_filter = ("document_type", "status")
    search_fields = ("number",)


@admin.register(DocumentService)
class DocumentServiceAdmin(ReadOnlyAdmin):
    list_display = ("document", "served_at", "method", "recipient", "served_by")


@admin.register(ApiToken)
class ApiTokenAdmin(RuleAdmin):
    """Keys of the JSON API: an administrator sees who has one and may delete (revoke) it."""

    list_display = ["user", "prefix", "created_at"]
    search_fields = ["user__username", "user__full_name", "prefix"]
    readonly_fields = ["user", "prefix", "created_at"]
    exclude = ["key_digest", "password_fingerprint"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AnnualTarget)
class AnnualTargetAdmin(RuleAdmin):
    list_display = ("year", "squad", "area_investigated_target", "area_demolished_target")
    list_filter = ("year", "squad")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "case", "clock_kind", "threshold", "created_at", "sent_at", "read_at")
    list_filter = ("threshold", "clock_kind")


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """Who saw a party's ID number or phone unmasked: administrators only, read only."""

    list_display = ("accessed_at", "user", "case", "channel", "fields", "detail")
    list_filter = ("channel", "accessed_at")
    search_fields = ("user__username", "user__full_name", "case__number")
    date_hierarchy = "accessed_at"
    list_select_related = ("user", "case")
    raw_id_fields = ("user", "case")
