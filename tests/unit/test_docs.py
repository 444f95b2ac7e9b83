"""The README's reference tables are generated from the dictionary and must match it."""

from pathlib import Path

from etl.core.settings import SETTINGS
from etl.outputs.docs import BEGIN, END, generated_block

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_reference_matches_the_dictionary() -> None:
    text = README.read_text(encoding="utf-8")
    block = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert block == generated_block(), "README is stale: paste the output of `python -m etl docs`"


def test_readme_gives_the_two_commands_and_every_setting() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
    for name in SETTINGS:
        assert f"`{name}`" in text
