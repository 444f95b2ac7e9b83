"""User text (unit names, file names, cell values) placed inside markdown shows literally."""

import re

_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_{}[]()#+-.!|<>~$:="})
# GitHub-flavoured markdown turns bare URLs, www. names and e-mail addresses into links after
# escapes are resolved; an invisible word joiner inside them keeps them plain text.
_AUTOLINK = re.compile(r"(?i)(?<=https)(?=\\:)|(?<=http)(?=\\:)|(?<=www)(?=\\\.)|(?<=@)(?=\w)")
_JOINER = "\u2060"


def md_escape(value: object) -> str:
    """No emphasis, links, HTML, maths or directives: every markdown character is escaped,
    and what would become a link by itself (http://…, www.…, a@b.org) is broken up invisibly."""
    return _AUTOLINK.sub(_JOINER, str(value).translate(_SPECIAL))
