"""Loading templates: every problem reported at once, each at the line and column of its node."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from app.sim.apk import build_apk
from app.templates import Issue, TemplateError, load_template
from app.templates.model import STEP_TYPES

HEADER = "kitbench: 1\nname: demo\nversion: 2\n"


def write(directory: Path, body: str, header: str = HEADER) -> Path:
    """A template file of `header` (the required keys) and the indented `body`."""
    path = directory / "t.yaml"
    path.write_text(header + textwrap.dedent(body))
    return path


def problems(path: Path) -> list[str]:
    """Every issue as "LINE:COL: message" (the file name is checked separately)."""
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    for issue in caught.value.issues:
        assert issue.path == str(path)
    return [f"{issue.line}:{issue.column}: {issue.message}" for issue in caught.value.issues]


def test_valid_template_is_typed_and_hashed(tmp_path):
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "pos.apk").write_bytes(build_apk("com.example.pos", 5))
    path = write(
        tmp_path,
        """\
        variables: {site: 7}
        steps:
          - install: {apk: apps/pos.apk, package: com.example.pos}
          - setting: {namespace: global, key: stay_on_while_plugged_in, value: 7}
          - device_name: "POS-{site}-{seq:04d}-{secret:amapi_token}"
            name: Name it
            optional: true
        """,
    )
    loaded = load_template(path)
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert loaded.path == path
    assert loaded.resolve_path("apps/pos.apk") == tmp_path / "apps" / "pos.apk"
    template = loaded.template
    assert (template.name, template.version, template.variables) == ("demo", 2, {"site": "7"})
    assert [step.action for step in template.steps] == ["install", "setting", "device_name"]
    assert isinstance(template.steps[0], STEP_TYPES["install"])
    assert template.steps[0].params.package == "com.example.pos"
    assert template.steps[1].params.value == "7"  # YAML's int becomes Android's text
    assert template.steps[2].params == "POS-{site}-{seq:04d}-{secret:amapi_token}"
    assert (template.steps[2].name, template.steps[2].optional) == ("Name it", True)


def test_every_problem_is_reported_at_once_in_file_order(tmp_path):
    path = write(
        tmp_path,
        header="",
        body="""\
        kitbench: 1
        name: demo
        version: three
        descripton: typo
        steps:
          - instal: {apk: apps/pos.apk}
          - setting: {namespace: globl, key: a, value: "1"}
          - device_name: "POS-{sit}"
        """,
    )
    assert problems(path) == [
        "3:10: version: expected a whole number, not the text 'three'",
        "4:1: unknown key 'descripton'; did you mean 'description'?",
        "6:5: unknown action 'instal'; did you mean 'install'?",
        "7:26: setting.namespace: Input should be 'global', 'secure' or 'system'",
        "8:18: unknown variable {sit}; known: {model}, {port}, {seq}, {serial}, {station}",
    ]
    message = str(TemplateError([Issue("a.yaml", 3, 10, "x"), Issue("a.yaml", 1, 2, "y")]))
    assert message == "a.yaml:1:2: y\na.yaml:3:10: x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "1:1: the file is empty; a template starts with 'kitbench: 1'"),
        ("# only a comment\n", "1:1: the file is empty; a template starts with 'kitbench: 1'"),
        ("- a\n- b\n", "1:1: a template is a mapping (kitbench:, name:, steps: …), not a list"),
        ("kitbench: 2\nname: x\n", "1:11: unsupported template format 2; this Kitbench supports"),
        ("name: x\nversion: 1\n", "1:1: not a Kitbench template: 'kitbench: 1'"),
        (
            "kitbench: 1\nname: x\nversion: 1\nsteps:\n  - timezone: {a: b\n",
            "6:1: YAML syntax: expected ',' or '}', but got '<stream end>'",
        ),
        ("kitbench: 1\nname: x: y\n", "2:8: YAML syntax: mapping values are not allowed here"),
        ("kitbench: 1\n\tname: x\n", "2:1: YAML syntax: found character '\\t'"),
        ("kitbench: 1\n---\nname: x\n", "2:1: a template is one YAML document; remove this '---'"),
        ("kitbench: 1\nname: &a\n  x: *a\n", "1:1: YAML nested too deeply (a recursive alias?)"),
    ],
)
def test_file_level_problems(tmp_path, text, expected):
    path = tmp_path / "t.yaml"
    path.write_text(text)
    [problem] = problems(path)
    assert problem.startswith(expected)


def test_alias_bomb_is_refused_not_expanded(tmp_path):
    lines = ["kitbench: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = tmp_path / "t.yaml"
    path.write_text("\n".join(lines) + "\n")
    [problem] = problems(path)
    assert "more than 200000 YAML nodes" in problem


def test_missing_file_directory_and_bad_encoding(tmp_path):
    assert problems(tmp_path / "nope.yaml") == ["1:1: no such file"]
    assert problems(tmp_path) == ["1:1: is a directory, not a template file"]
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"kitbench: 1\nname: caf\xe9\n")
    assert problems(path) == ["2:10: not UTF-8 text"]


def test_duplicate_keys_point_at_the_second_one(tmp_path):
    path = write(
        tmp_path,
        """\
        steps:
          - reboot: {wait: true}
            name: first
            name: second
        version: 3
        """,
    )
    assert problems(path) == [
        "7:5: duplicate key 'name' (first at line 6)",
        "8:1: duplicate key 'version' (first at line 3)",
    ]


def test_step_shapes(tmp_path):
    path = write(
        tmp_path,
        """\
        steps:
          - timezone: Europe/Berlin
            push: {src: t.yaml, dest: /sdcard/a}
          - name: nothing to do
          - timezone
          - reboot: {wiat: true}
          - install:
          - install: {}
            retries: lots
            timeout: 0
        """,
    )
    assert problems(path) == [
        "6:5: a step has exactly one action, this one has timezone and push; make them separate"
        " steps",
        "7:5: a step needs one action key: " + ", ".join(STEP_TYPES),
        "8:5: a step is a mapping with one action key, e.g. '- timezone: Europe/Berlin',"
        " not the text 'timezone'",
        "9:14: unknown key 'wiat' in reboot; did you mean 'wait'?",
        "10:13: install: expected a mapping of keys, not an empty value",
        "11:14: missing required key 'apk' in install",
        "12:14: retries: expected a whole number, not the text 'lots'",
        "13:14: timeout: Input should be greater than 0",
    ]


def test_rules_inside_actions(tmp_path):
    path = write(
        tmp_path,
        """\
        steps:
          - wifi: {ssid: Shop, security: wpa2}
          - wifi: {ssid: Guest, security: open, password: x}
          - verify: {}
          - verify: {getprop: {name: ro.build.version.sdk}}
          - shell: {command: "awk '{print $1}'"}
          - push: {src: t.yaml, dest: sdcard/x}
        requires: {sdk_min: 30, sdk_max: 29}
        """,
    )
    assert problems(path) == [
        "5:11: wifi: a wpa2 network needs a password",
        "6:11: wifi: an open network takes no password",
        "7:13: verify: name at least one condition: package_installed, package_version_min,"
        " setting, getprop",
        "8:23: verify.getprop: say what to check: 'equals' or 'min'",
        "9:22: {print $1} is not a variable name; write {{ and }} for literal braces",
        "10:31: push.dest must be an absolute path on the device, e.g. /sdcard/Download/file",
        "11:11: requires: sdk_min 30 is above sdk_max 29: no device fits",
    ]


def test_referenced_files_must_exist_relative_to_the_template(tmp_path):
    template_dir = tmp_path / "repo"
    template_dir.mkdir()
    (tmp_path / "outside.json").write_text("{}")
    path = write(
        template_dir,
        """\
        steps:
          - install: {apk: apps/missing.apk}
          - push: {src: ../outside.json, dest: /sdcard/a.json}
          - push: {src: outside.json, dest: /sdcard/b.json}
          - push: {src: ., dest: /sdcard/c}
        enrollment:
          dpc_component: com.example.dpc/.Admin
          dpc_download_url: https://example.com/dpc.apk
          dpc_apk: dpc/dpc.apk
        """,
    )
    assert problems(path) == [
        f"5:20: file not found: apps/missing.apk (looked for {template_dir}/apps/missing.apk)",
        f"7:17: file not found: outside.json (looked for {template_dir}/outside.json)",
        "8:17: . is a directory; name a file",
        f"12:12: file not found: dpc/dpc.apk (looked for {template_dir}/dpc/dpc.apk)",
    ]


def test_pinned_sha256_and_package_must_match_the_apk(tmp_path):
    apk = build_apk("com.example.pos", 3)
    (tmp_path / "pos.apk").write_bytes(apk)
    (tmp_path / "junk.apk").write_bytes(b"not a zip")
    right = hashlib.sha256(apk).hexdigest()
    wrong = "0" * 64
    path = write(
        tmp_path,
        f"""\
        steps:
          - install: {{apk: pos.apk, package: com.example.pos, sha256: "{right.upper()}"}}
          - install: {{apk: pos.apk, sha256: "{wrong}"}}
          - install: {{apk: pos.apk, package: com.example.other}}
          - install: {{apk: junk.apk, package: com.example.junk}}
          - install: {{apk: pos.apk, sha256: abc}}
        """,
    )
    found = problems(path)
    assert found[0] == f"6:37: sha256 does not match pos.apk, which has {right}"
    assert found[1] == "7:38: pos.apk is package com.example.pos, not com.example.other"
    assert found[2].startswith("8:20: junk.apk is not an installable APK: ")  # reason: app.core
    assert found[3:] == ["9:37: install.sha256 must be a SHA-256 in hex (64 characters 0-9, a-f)"]


def test_variables_and_placeholders(tmp_path):
    path = write(
        tmp_path,
        """\
        variables:
          site: WH-01
          serial: mine
          secret: x
          greeting: "hello {site}"
          bad-name: x
        steps:
          - device_name: "{site:04d}-{seq:04q}-{seq:05d}-{sitee}"
          - shell: {command: "echo {{literal}} {secret:wifi_pw} {serial!r}"}
          - timezone: "{}"
          - timezone: "{secret:}"
          - timezone: "}"
        enrollment:
          dpc_component: com.example.dpc/.Admin
          dpc_download_url: https://example.com/dpc.apk
          dpc_signature_checksum: I5YvS0O5hXY46mb01BlRjq4oJJGs2kuUcHvVkAPEXlg
          admin_extras: {token: "{secret:amapi_token}", site: "{site}", who: "{operator}"}
        """,
    )
    found = problems(path)
    assert found == [
        "6:3: 'serial' is a built-in variable; choose another name",
        "7:3: 'secret' is reserved for {secret:NAME}; choose another name",
        "8:13: variable values are plain text: placeholders are not filled in here",
        "9:3: 'bad-name' is not a valid name here: "
        "String should match pattern '^[A-Za-z_][A-Za-z0-9_]*$'",
        "11:18: {site:04d}: Unknown format code 'd' for object of type 'str'",
        "11:18: {seq:04q}: Unknown format code 'q' for object of type 'int'",
        "11:18: unknown variable {sitee}; did you mean {site}?",
        "12:22: {serial!r}: conversions are not supported",
        "13:15: empty placeholder {}; write {{}} for literal braces",
        "14:15: {secret:}: a secret name is letters, digits and _",
        "15:15: Single '}' encountered in format string; write {{ or }} for a literal brace",
        "20:70: unknown variable {operator}; known: {asset}, {greeting}, {model}, {port}, {seq},"
        " {serial}, {site}, {station}",
    ]


def test_an_invalid_expect_regex_is_reported_where_it_is(tmp_path):
    path = write(
        tmp_path,
        """\
        steps:
          - shell: {command: id, expect: "^uid=\\\\d+"}
          - shell:
              command: getprop ro.product.model
              expect: "Pixel (7|8"
          - shell: {command: id, expect: "a**"}
        """,
    )
    assert problems(path) == [
        "8:15: expect is not a valid regular expression: missing ), unterminated subpattern"
        " at position 6",
        "9:34: expect is not a valid regular expression: multiple repeat at position 2",
    ]


@pytest.mark.parametrize(("version", "valid"), [(2**31 - 1, True), (2**31, False)])
def test_a_template_version_fits_the_backends_integer(tmp_path, version, valid):
    header = f"kitbench: 1\nname: demo\nversion: {version}\n"
    path = write(tmp_path, "steps:\n  - timezone: Europe/Berlin\n", header=header)
    if valid:
        assert load_template(path).template.version == version
    else:
        assert problems(path) == ["3:10: version: Input should be less than or equal to 2147483647"]


def test_a_label_section_is_typed_and_its_mistakes_are_placed(tmp_path):
    label = """\
        steps:
          - timezone: Europe/Berlin
        label:
          width_mm: 60
          height_mm: 30
          elements:
            - {kind: text, field: device_name, x_mm: 2, y_mm: 2, height_mm: 4, caption: "Till "}
            - {kind: code128, field: serial, x_mm: 2, y_mm: 9, height_mm: 10}
            - {kind: qr, field: qr, x_mm: 40, y_mm: 2, height_mm: 18}
        """
    layout = load_template(write(tmp_path, label)).template.label
    assert layout is not None and (layout.width_mm, layout.height_mm, layout.dpmm) == (60, 30, 8)
    assert [(e.kind, e.field) for e in layout.elements] == [
        ("text", "device_name"), ("code128", "serial"), ("qr", "qr")]  # fmt: skip

    wrong = label.replace("kind: text", "kind: txt").replace("field: serial", "field: serail")
    wrong = write(tmp_path, wrong.replace("height_mm: 30\n", "height_mm: 30\n          dpmm: 9\n"))
    assert problems(wrong) == [
        "9:9: label.dpmm: Input should be 6, 8, 12 or 24",
        "11:14: label.elements[0].kind: Input should be 'text', 'code128' or 'qr'",
        "12:30: label.elements[1].field: Input should be 'serial', 'imei', 'imei2', 'device_name',"
        " 'asset_tag', 'order', 'date' or 'qr'",
    ]
    too_big = write(tmp_path, label.replace("height_mm: 18", "height_mm: 25"))
    assert problems(too_big) == ["12:7: label.elements[2] does not fit on the 60 x 30 mm label"]
