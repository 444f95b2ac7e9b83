"""User text (unit names, file names, cell values) placed inside markdown shows literally."""

_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_{}[]()#+-.!|<>~$:="})


def md_escape(value: object) -> str:
    """No emphasis, links, HTML, maths or directives: every markdown character is escaped."""
    return str(value).translate(_SPECIAL)
