from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self):
        # receivers: answers members' ballot_decided for applications put to the board;
        # tasks: registers the Celery tasks (board terms that end, notices sent after commit).
        from governance import receivers, tasks  # noqa: F401
