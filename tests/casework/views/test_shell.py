"""The page shell around every signed-in page (viewflow's base_page with ours on top)."""

import pytest
from django.templatetags.static import static
from django.urls import reverse_lazy


@pytest.mark.parametrize("url", [reverse_lazy("casework:case_list"), reverse_lazy("casework:my_work"), "/process/"])
def test_the_menu_shows_the_default_avatar_without_looking_in_the_media_storage(client, cast, monkeypatch, url):
    """Nobody has an avatar: the menu shows viewflow's default picture, named after the user,
    without asking the media storage (a file stat, or an S3 request) on every page; viewflow's
    own pages (the process) too."""
    import viewflow.contrib.auth

    def looked_up(user):
        raise AssertionError("the avatar was looked up in the media storage")

    monkeypatch.setattr(viewflow.contrib.auth, "get_user_avatar_url", looked_up)
    cast.supervisor.full_name = "王 强"
    cast.supervisor.save()
    client.force_login(cast.supervisor)
    response = client.get(url, follow=True)
    assert response.status_code == 200
    expected = (f'<img class="vf-page__menu-avatar" src="{static("viewflow/img/user.png")}" '
                f'alt="{cast.supervisor.get_full_name() or cast.supervisor.get_username()}"')
    assert expected.encode() in response.content
