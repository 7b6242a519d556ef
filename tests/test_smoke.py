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


def test_unknown_api_path_answers_json_404_and_pages_answer_html(client, db):
    response = client.get("/api/v1/councils/0.5/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert b"Page not found" in page.content
