import pytest

from consortium.models import Council, ServiceType


@pytest.mark.django_db
def test_reference_data_has_all_22_welsh_councils_with_welsh_names():
    assert Council.objects.count() == 22
    assert Council.objects.get(code="GB-AGY").name_cy == "Ynys Môn"
    assert ServiceType.objects.filter(code="domiciliary-support").exists()


def test_login_page_renders(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Sign in" in response.content
