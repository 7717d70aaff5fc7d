"""Reading figures off rendered pages, as a person would read them."""

import re

from django.contrib.auth import get_user_model


def page_as(client, username: str, url: str) -> str:
    """The page's HTML as `username` sees it (the page must answer 200)."""
    client.force_login(get_user_model().objects.get(username=username))
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def figure_shown(html: str, attribute: str, key: str) -> str:
    """The number shown in the element marked data-<attribute>="<key>"."""
    found = re.search(
        rf'data-{attribute}="{key}"[^>]*>(?:<span class="tile-figure">)?(?:<a [^>]*>)?([^<]*)<',
        html,
    )
    assert found, f"no data-{attribute}={key} on the page"
    return found.group(1)
