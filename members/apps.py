from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Member co-ops")

    def ready(self):
        # tasks: registers the Celery tasks that services queue by name (consortium.jobs).
        from members import tasks  # noqa: F401
