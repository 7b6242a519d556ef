from celery import shared_task

from . import services


@shared_task(name="members.tasks.send_compliance_reminders")
def send_compliance_reminders() -> int:
    """Beat task: e-mail members about compliance documents nearing expiry (idempotent)."""
    return services.compliance_reminders_send()
