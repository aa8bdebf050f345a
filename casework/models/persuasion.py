"""The "一一三" persuasion work: talks with the owner (约谈) and publicity actions (造势).

A talk is recorded once, as evidence: its CaseEvent (kind TALK) carries the moment and drives
the clocks; the Talk row holds what was said and done in a shape lists and analysis can query.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.cases import Case
from casework.models.choices import choice_display
from casework.models.documents import Document
from casework.models.people import Community
from casework.models.records import CaseEvent


class TalkKind(models.TextChoices):
    """三勤: the three kinds of talk."""

    PERSUADE = "persuade", _("Persuasion (勤劝)")
    LEVERAGE = "leverage", _("Leverage through others (勤借)")
    URGE = "urge", _("Urging (勤督促)")


class Attitude(models.TextChoices):
    """The owner's attitude as the negotiator judged it, most to least favourable."""

    COOPERATIVE = "cooperative", _("Cooperative")
    HESITANT = "hesitant", _("Hesitant")
    RESISTANT = "resistant", _("Resistant")
    REFUSING = "refusing", _("Refusing")


class ThirdPartyRelation(models.TextChoices):
    RELATIVE = "relative", _("Relative")
    VILLAGE_CADRE = "village_cadre", _("Village or community cadre")
    PARTY_BRANCH = "party_branch", _("Party branch")
    EMPLOYER = "employer", _("Employer")
    ELDER = "elder", _("Respected elder")
    OTHER = "other", _("Other")


class ExplainedItem(models.TextChoices):
    """一到位: the provisions and consequences a negotiator explains so that the owner's
    awareness is "in place". Stored on a talk as a list of these keys."""

    ILLEGAL_WITHOUT_PERMIT = "planning_law_40", _("Building without a planning permit is illegal (规划法 40)")
    PENALTY_PROVISIONS = "planning_law_64_65", _("Order to stop and demolish, fines (规划法 64, 65)")
    DECISION_AND_DEADLINE = "decision_deadline", _("The demolition decision and its deadline")
    FORCED_DEMOLITION = "forced_demolition", _("Forced demolition if not demolished by the deadline (强制法 44)")
    COSTS_BORNE = "costs_borne", _("Costs of forced demolition are borne by the party")
    NO_COMPENSATION = "no_compensation", _("No compensation for illegal structures")
    REMEDIES = "remedies", _("Rights to reconsideration and litigation")


class Talk(models.Model):
    """A persuasion talk (约谈) with the owner, or through people the owner listens to."""

    _get_FIELD_display = choice_display

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="talks", verbose_name=_("case"))
    event = models.OneToOneField(CaseEvent, on_delete=models.PROTECT, related_name="talk", verbose_name=_("event"))
    document = models.OneToOneField(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="talk", verbose_name=_("talk record")
    )
    occurred_at = models.DateTimeField(_("when"))
    place = models.CharField(_("where"), max_length=200)
    negotiators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="talks", verbose_name=_("negotiators"))
    owner_attendees = models.CharField(_("attending for the owner"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=TalkKind.choices)
    explained = models.JSONField(_("explained"), default=list, blank=True)
    explained_notes = models.TextField(_("also explained"), blank=True)
    owner_acknowledged = models.BooleanField(_("owner acknowledged"), default=False)
    owner_statements = models.TextField(_("owner's statements"), blank=True)
    attitude = models.CharField(_("attitude"), max_length=20, choices=Attitude.choices)
    commitment_date = models.DateField(_("committed demolition date"), null=True, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["case", "occurred_at"])]
        verbose_name = _("talk")
        verbose_name_plural = _("talks")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()} @ {self.occurred_at:%Y-%m-%d}"

    @property
    def explained_labels(self) -> list[str]:
        return [str(ExplainedItem(key).label) for key in self.explained if key in ExplainedItem.values]


class TalkThirdParty(models.Model):
    """Someone the owner listens to who took part in a 勤借 talk."""

    _get_FIELD_display = choice_display

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="third_parties", verbose_name=_("talk"))
    name = models.CharField(_("name"), max_length=100)
    relation = models.CharField(_("relation to the owner"), max_length=20, choices=ThirdPartyRelation.choices)

    class Meta:
        ordering = ["id"]
        verbose_name = _("third party")
        verbose_name_plural = _("third parties")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"


class PublicityKind(models.TextChoices):
    NOTICE = "notice", _("Notice posting")
    BANNER = "banner", _("Banner")
    BROADCAST = "broadcast", _("Loudspeaker broadcast")
    DOOR_TO_DOOR = "door_to_door", _("Door to door")
    MEDIA = "media", _("Media report")


class PublicityAction(models.Model):
    """一造势: a publicity action in a community, linked to the cases it covers."""

    occurred_on = models.DateField(_("date"))
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="publicity_actions", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PublicityKind.choices)
    description = models.TextField(_("description"))
    covers_all_open_cases = models.BooleanField(_("covers all open cases of the community"), default=False)
    cases = models.ManyToManyField(Case, related_name="publicity_actions", blank=True, verbose_name=_("cases"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("publicity action")
        verbose_name_plural = _("publicity actions")

    def __str__(self) -> str:
        return f"{self.community} {self.get_kind_display()} {self.occurred_on}"


def publicity_photo_path(instance: "PublicityPhoto", filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"publicity/{instance.action_id}/{uuid.uuid4().hex}{suffix}"


class PublicityPhoto(models.Model):
    """A photo of a publicity action (it belongs to a community's action, not to one case);
    checked by the same content sniffing and size limit as case attachments."""

    action = models.ForeignKey(PublicityAction, on_delete=models.PROTECT, related_name="photos", verbose_name=_("action"))
    file = models.FileField(_("file"), upload_to=publicity_photo_path)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("publicity photo")
        verbose_name_plural = _("publicity photos")

    def __str__(self) -> str:
        return self.file.name
