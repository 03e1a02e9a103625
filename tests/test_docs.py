"""Documentation that cannot silently rot: every setting and every command is documented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = (ROOT / "docs" / "operations.md").read_text()


def test_every_environment_variable_read_by_settings_is_documented():
    source = (ROOT / "needlecare" / "settings.py").read_text()
    variables = set(re.findall(r'(?:environ\.get|env_bool|env_list)\("([A-Z_]+)"', source))
    assert len(variables) > 10
    missing = sorted(v for v in variables if f"`{v}`" not in OPERATIONS)
    assert missing == [], f"document these in docs/operations.md: {missing}"


def test_every_management_command_is_documented():
    commands = {p.stem for p in ROOT.glob("needlecare/*/management/commands/*.py") if p.stem != "__init__"}
    assert commands
    missing = sorted(c for c in commands if f"manage.py {c}" not in OPERATIONS)
    assert missing == [], f"document these commands in docs/operations.md: {missing}"


def test_readme_gives_the_two_commands_and_a_screenshot():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    image = re.search(r"!\[[^\]]*\]\(([^)]+)\)", readme)
    assert image and (ROOT / image.group(1)).is_file()
