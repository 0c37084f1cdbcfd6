#!/usr/bin/env python3
"""devproof(1) from the argument parser's own description of the command tree.

`devproof --experimental-dump-help` prints swift-argument-parser's ToolInfo JSON (the data its
generate-manual plugin reads); this turns it into one roff page covering every subcommand, so the man
page can never drift from `--help`. Usage: gen_manpage.py DEVPROOF_BINARY > devproof.1
(stdlib only: it runs at install time, outside the test venv.)
"""
import json
import subprocess
import sys


def roff(text):
    """Escapes text for roff: backslashes, and a leading dot or quote that would start a request."""
    text = (text or "").replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in text.splitlines() or [""]:
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def flag_names(arg):
    prefix = {"long": "--", "short": "-", "longWithSingleDash": "-"}
    return [prefix.get(n["kind"], "--") + n["name"] for n in arg.get("names", [])]


def argument_items(args):
    out = []
    for a in args:
        if not a.get("shouldDisplay", True):
            continue
        names = flag_names(a)
        value = a.get("valueName", "value")
        if a["kind"] == "positional":
            head = "\\fI" + roff(value) + "\\fR"
        elif a["kind"] == "option":
            head = ", ".join("\\fB" + roff(n) + "\\fR" for n in names) + " \\fI" + roff(value) + "\\fR"
        else:
            head = ", ".join("\\fB" + roff(n) + "\\fR" for n in names)
        body = roff(a.get("abstract", ""))
        extra = []
        if a.get("allValues"):
            extra.append("values: " + ", ".join(a["allValues"]))
        if a.get("defaultValue") not in (None, ""):
            extra.append("default: " + str(a["defaultValue"]))
        if a.get("isRepeating"):
            extra.append("repeatable")
        if extra:
            body += " (" + roff("; ".join(extra)) + ")"
        if a.get("discussion") and isinstance(a["discussion"], str):
            body += "\n" + roff(a["discussion"])
        out.append(".TP\n" + head + "\n" + body)
    return out


def command_section(cmd, path):
    out = []
    name = " ".join(path)
    out.append(".SS " + roff(name))
    if cmd.get("abstract"):
        out.append(roff(cmd["abstract"]))
    if cmd.get("discussion"):
        out.append(".PP\n" + roff(cmd["discussion"]))
    out.extend(argument_items(cmd.get("arguments", [])))
    for sub in cmd.get("subcommands", []) or []:
        if sub.get("shouldDisplay", True) and sub["commandName"] != "help":
            out.extend(command_section(sub, path + [sub["commandName"]]))
    return out


def main():
    binary = sys.argv[1]
    info = json.loads(subprocess.run([binary, "--experimental-dump-help"], check=True,
                                     capture_output=True, text=True).stdout)["command"]
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    subs = [s for s in info.get("subcommands", []) if s.get("shouldDisplay", True) and s["commandName"] != "help"]
    page = [
        '.TH DEVPROOF 1 "" "devproof %s" "User Commands"' % roff(version),
        ".SH NAME",
        "devproof \\- " + roff(info.get("abstract", "")),
        ".SH SYNOPSIS",
        "\\fBdevproof\\fR \\fIsubcommand\\fR [\\fIoptions\\fR]",
        ".br",
        "\\fBdevproof\\fR \\fB\\-\\-version\\fR | \\fB\\-\\-help\\fR",
        ".SH DESCRIPTION",
        roff(info.get("discussion") or info.get("abstract", "")),
        ".PP",
        "Subcommands: " + ", ".join("\\fB" + roff(s["commandName"]) + "\\fR" for s in subs) + ".",
        "Every subcommand prints a report: \\fB\\-\\-format\\fR text, json, junit, sarif or html, "
        "\\fB\\-\\-json\\fR for short, \\fB\\-\\-output\\fR \\fIfile\\fR to write it to a file.",
        ".SH OPTIONS",
    ]
    page.extend(argument_items(info.get("arguments", [])))
    page.append(".SH SUBCOMMANDS")
    for s in subs:
        page.extend(command_section(s, ["devproof", s["commandName"]]))
    page += [
        ".SH EXIT STATUS",
        ".TP\n0\nevery required check passed",
        ".TP\n1\nthe evidence contradicts a claim (a check failed)",
        ".TP\n2\nusage error, or unreadable or malformed input",
        ".TP\n3\ninconclusive: required evidence missing, unreachable or opted out",
        ".SH SEE ALSO",
        "The check IDs, report formats and JSON schema are documented in the project's docs/ directory "
        "(checks.md, formats.md, report.schema.json).",
    ]
    sys.stdout.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()
