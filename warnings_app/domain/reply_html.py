"""The HTML of a reply that we keep and show: a short list of tags for reading, no images
(remote images track the reader), no styles, no forms. Applied when a reply is stored and again
when it is shown, so a rule tightened later covers replies stored before."""

import nh3

# Tags a reply may keep for reading; no img (remote images), no style, no forms.
SAFE_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "i", "li", "ol", "p", "pre", "span",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
SAFE_ATTRIBUTES = {"a": {"href", "title"}}


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=SAFE_TAGS,
        attributes=SAFE_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
