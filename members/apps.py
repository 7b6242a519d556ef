from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Member co-ops")

    def ready(self):
        # tasks: registers the Celery tasks that services queue by name (consortium.jobs);
        # read_motion: a notification's ballot motion, read in each reader's language.
        from consortium.notifications import MOTION, register_reader
        from members import tasks  # noqa: F401
        from members.governance import read_motion

        register_reader(MOTION, read_motion)
