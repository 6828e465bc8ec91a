import pytest

from web.conftest import PASSWORD, log_in, page_csrf


def test_plan_page_lists_the_indicators_once_logged_in(client):
    assert client.get("/plan", follow_redirects=False).headers["location"] == "/login?next=/plan"
    log_in(client, "leader")
    page = client.get("/plan")
    assert page.status_code == 200
    assert "30户以上自然村通硬化路里程" in page.text


def test_login_then_logout(client):
    token = log_in(client, "admin")
    assert "督查室" in client.get("/plan").text
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert "退出" not in client.get("/login").text


@pytest.mark.parametrize("beside", ["/favicon.ico", "/", "/plan"])
def test_a_page_asked_beside_the_login_form_keeps_its_csrf_token(client, beside):
    token = page_csrf(client)
    assert client.get(beside, follow_redirects=False).status_code in (303, 404)  # no login: no user read
    response = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303, response.text


def test_login_without_csrf_token_is_refused(client):
    page_csrf(client)
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 403


@pytest.mark.parametrize("password", ["wrong password", ""])
def test_wrong_password_is_refused_in_chinese(client, password):
    token = page_csrf(client)
    response = client.post("/login", data={"username": "admin", "password": password, "csrf_token": token})
    assert response.status_code in (401, 422)


def test_repeated_failures_throttle_the_failing_address_even_for_the_right_password(client):
    token = page_csrf(client)
    for _ in range(6):
        client.post("/login", data={"username": "leader", "password": "nope nope nope", "csrf_token": token})
    response = client.post("/login", data={"username": "leader", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429
    assert "登录尝试过于频繁" in response.text and int(response.headers["retry-after"]) >= 1


def test_session_cookie_is_httponly_and_samesite(client):
    header = client.get("/login").headers.get("set-cookie", "").lower()
    assert "duban_session=" in header and "httponly" in header and "samesite=lax" in header
