#!/usr/bin/env python3
"""No secret in git: fails when a tracked file carries a credential.

Checks that `.env` is git-ignored and untracked, and that no tracked file outside
`.env.example` and test code holds a password: a libpq URL with `user:password@`, or a
`password=`/`POSTGRES_PASSWORD=` assignment with a value. Test code (files under `tests/`, and
the `#[cfg(test)]` module that closes a Rust source file) may use made-up credentials.
"""
import re
import subprocess
import sys

# user:password@ in a libpq URL, unless both come from ${VARIABLES} or the password is
# redacted (`***`, as the services log URLs).
URL_WITH_PASSWORD = re.compile(r"postgres(?:ql)?://[^:/@\s\"'${}]+:(?!\*+@)[^@\s\"'${}]+@")
# password=value (libpq key/value, env files) or a YAML `password: value` key.
ASSIGNED_PASSWORD = re.compile(
    r"(?i)(?:\bpassword\s*=\s*['\"]?(?![$*{])[^\s'\"]{2,}|^\s*(?:postgres_)?password\s*:\s*(?![$*{\s])\S)"
)
ALLOWED = {".env.example", ".ci/check-secrets.py"}


def git(*args):
    return subprocess.run(["git", *args], capture_output=True, text=True, check=False)


def main():
    problems = []
    if git("check-ignore", "-q", ".env").returncode != 0:
        problems.append(".env is not git-ignored")
    if git("ls-files", "--error-unmatch", ".env").returncode == 0:
        problems.append(".env is tracked by git")
    for path in git("ls-files").stdout.splitlines():
        if path in ALLOWED or "/tests/" in path or path.startswith("tests/"):
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
            continue
        for number, line in enumerate(lines, 1):
            if path.endswith(".rs") and line.strip() == "#[cfg(test)]":
                break  # the unit-test module closes the file
            for pattern in (URL_WITH_PASSWORD, ASSIGNED_PASSWORD):
                if pattern.search(line):
                    problems.append(f"{path}:{number}: looks like a credential: {line.strip()[:100]}")
    for problem in problems:
        print(f"secret check: {problem}")
    if problems:
        return 1
    print("secret check: no credentials in tracked files; .env is ignored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
