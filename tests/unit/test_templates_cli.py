"""`kitbench validate`, `kitbench schema` and `kitbench secret`, and the example templates."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import jsonschema
import yaml
from click.testing import CliRunner

from app.cli import cli
from app.core.paths import data_dir
from app.templates import SecretStore, load_template

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "templates"
EXAMPLE_NAMES = ["retail-pos.yaml", "warehouse-scanner.yaml"]


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_examples_are_valid_templates(examples):
    retail = load_template(examples / "retail-pos.yaml").template
    assert (retail.name, retail.version) == ("retail-pos", 3)
    assert retail.requires.models == ["SM-T*", "Pixel *"]
    assert retail.enrollment is not None
    scanner = load_template(examples / "warehouse-scanner.yaml").template
    assert scanner.requires.manufacturers == ["Zebra*"]
    actions = {step.action for template in (retail, scanner) for step in template.steps}
    assert actions >= {"install", "setting", "push", "wifi", "reboot", "verify", "wait_for"}


def test_validate_prints_ok_per_file_and_exits_0(examples):
    paths = [str(examples / name) for name in EXAMPLE_NAMES]
    result = run("validate", *paths)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{paths[0]}: OK (retail-pos v3, 12 steps)",
        f"{paths[1]}: OK (warehouse-scanner v1, 17 steps)",
    ]


def test_validate_reports_every_bad_file_and_exits_1(examples, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kitbench: 1\nname: x\nversion: 1\nsteps:\n  - instal: {apk: a.apk}\n")
    missing = tmp_path / "missing.yaml"
    good = examples / "retail-pos.yaml"
    result = run("validate", str(bad), str(missing), str(good))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{bad}:5:5: unknown action 'instal'; did you mean 'install'?",
        f"{missing}:1:1: no such file",
        f"{good}: OK (retail-pos v3, 12 steps)",
    ]
    assert result.stderr == "2 of 3 templates invalid\n"
    assert "Traceback" not in result.output


def test_validate_in_the_repository_reports_the_uncommitted_apks():
    result = run("validate", str(EXAMPLES / "retail-pos.yaml"))
    assert result.exit_code == 1
    assert "retail-pos.yaml:13:20: file not found: apps/pos.apk" in result.stdout


def test_validate_without_a_file_is_a_usage_error():
    result = run("validate")
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_schema_accepts_the_examples_and_rejects_mistakes(examples):
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for name in EXAMPLE_NAMES:
        document = yaml.safe_load((examples / name).read_text())
        assert list(validator.iter_errors(document)) == []
    step_refs = [ref["$ref"] for ref in schema["properties"]["steps"]["items"]["anyOf"]]
    assert "#/$defs/InstallStep" in step_refs and len(step_refs) == 15
    assert schema["$defs"]["InstallStep"]["description"].startswith("Install an APK")
    wrong = {"kitbench": 1, "name": "x", "version": 1, "steps": [{"instal": {"apk": "a"}}]}
    assert list(validator.iter_errors(wrong))
    assert list(validator.iter_errors({"kitbench": 2, "name": "x", "version": 1}))


def test_secret_set_from_argument_and_stdin_never_prints_the_value():
    result = run("secret", "set", "warehouse_wifi", "s3cret-wifi")
    assert result.exit_code == 0, result.output
    result = run("secret", "set", "amapi_token", input="tok-from-stdin\n")
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output and "tok-from" not in result.output
    store = SecretStore()
    assert store.get("warehouse_wifi") == "s3cret-wifi"
    assert store.get("amapi_token") == "tok-from-stdin"  # the trailing newline is not the secret
    path = data_dir() / "secrets.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    listed = run("secret", "list")
    assert listed.exit_code == 0
    assert listed.stdout.splitlines() == ["amapi_token", "warehouse_wifi"]


def test_secret_errors_have_exit_codes_and_store_nothing():
    assert run("secret", "set", "bad name", "x").exit_code == 2
    empty = run("secret", "set", "pin", input="")
    assert empty.exit_code == 1
    assert "Error: the value of secret 'pin' is empty; nothing stored" in empty.stderr
    assert SecretStore().names() == []
    gone = run("secret", "delete", "pin")
    assert gone.exit_code == 1
    assert "secret 'pin' is not set on this station" in gone.stderr
    run("secret", "set", "pin", "1234")
    assert run("secret", "delete", "pin").exit_code == 0
    assert SecretStore().names() == []
    (data_dir() / "secrets.json").write_text("not json")
    damaged = run("secret", "list")
    assert damaged.exit_code == 1
    assert "is not a secrets file" in damaged.stderr
    assert "Traceback" not in damaged.output
