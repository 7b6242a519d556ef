from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """Each person's desk: what needs them, by when (the work queues of every role), and the
    activity of their consortium. It reads every other app, so it sits above them all."""

    name = "desk"
    verbose_name = _("Work queues")
