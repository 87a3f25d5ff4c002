"""Every external program that a test or script calls must come from a package the test command installs.

    python scripts/check_programs.py --static     # the calls in the code against scripts/debian-packages.txt
    python scripts/check_programs.py STAGE...     # and each listed program of these stages is installed

The static part reads the Python code (subprocess calls and `shutil.which` with a literal program name)
and the shell scripts under scripts/ (the first word of each command). A program that is neither listed
nor part of Debian's essential base system (bash, coreutils and the like) fails with its name, as does a
listed program that is not on PATH after the install step.
"""

import ast
import re
import shutil
import sys
from glob import glob
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "scripts" / "debian-packages.txt"
PYTHON_DIRS = ("tests", "bench", "scripts", "portal", "controls", "incidents", "training")
# Programs every Debian system has (essential packages), the project's own virtualenv, and the
# PostgreSQL server programs' directory, which is not on PATH.
BASE_SYSTEM = {
    "bash", "sh", "env", "cat", "cp", "mv", "rm", "mkdir", "chmod", "chown", "ln", "ls", "mktemp", "head",
    "tail", "tr", "od", "cut", "sort", "uniq", "wc", "seq", "sleep", "date", "dirname", "basename",
    "readlink", "realpath", "touch", "tee", "test", "true", "false", "id", "kill", "timeout", "nproc",
    "grep", "sed", "find", "xargs", "gzip", "tar", "dpkg", "apt-get", "runuser", "flock", "awk", "sha256sum",
    "make", "git", "python3", "python3.11", "mount", "umount", "mountpoint", "chroot",
}
VENV_PROGRAMS = {"python", "pytest", "ruff", "celery", "gunicorn", "pip"}
PG_SERVER_PROGRAMS = {"initdb", "pg_ctl", "createdb", "postgres", "pg_dump", "pg_restore", "pg_ctlcluster"}
SHELL_WORDS = {
    "if", "then", "else", "elif", "fi", "for", "in", "do", "done", "while", "until", "case", "esac", "function",
    "return", "exit", "time", "local", "export", "unset", "source", "set", "trap", "echo", "printf", "cd", "wait",
    "declare", "shift", "read", "command", "exec", "eval", "type", "break", "continue", "pwd", "umask", "let",
}


def manifest() -> dict[str, dict]:
    """{package: {"stages": {...}, "programs": [...]}} from scripts/debian-packages.txt."""
    packages = {}
    for line in MANIFEST.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        package, stages, *programs = line.split()
        packages[package] = {"stages": set(stages.split(",")), "programs": [p for p in programs if p != "-"]}
    return packages


def listed_programs() -> set[str]:
    return {program for entry in manifest().values() for program in entry["programs"]}


def packages_for(stages: list[str]) -> list[str]:
    return [name for name, entry in manifest().items() if entry["stages"] & set(stages)]


def _where(path: Path, lineno: int) -> str:
    """A call's place, relative to the checkout when it is inside it."""
    return f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{lineno}"


def _literal_program(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split()[0] if node.value.strip() else None
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        return _literal_program(node.elts[0])
    return None


def python_calls(path: Path) -> set[tuple[str, str]]:
    """(program, where) for every subprocess call or shutil.which with a literal program name."""
    found = set()
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in {"run", "Popen", "call", "check_call", "check_output", "which"}:
            owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
            if owner in {"subprocess", "shutil"} or name in {"Popen", "check_output", "check_call"}:
                program = _literal_program(node.args[0])
                if program:
                    found.add((Path(program).name, _where(path, node.lineno)))
    return found


# The first word of a command, unless it is an assignment (`name=`, `name+=`, `name[...]=`).
_COMMAND_START = re.compile(
    r"(?:^|&&|\|\||[|;(]|\$\(|\bthen\b|\bdo\b|\belse\b|!)\s*([A-Za-z_][\w.-]*)(?![\w.-]*(?:\+?=|\[))"
)


def shell_functions(paths: list[Path]) -> set[str]:
    return {name for path in paths for name in re.findall(r"^\s*([A-Za-z_][\w-]*)\s*\(\)", path.read_text(), re.M)}


def shell_calls(path: Path, functions: set[str] = frozenset()) -> set[tuple[str, str]]:
    """(program, where) for the first word of each command in a shell script."""
    text = path.read_text()
    found = set()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"", "''", raw)  # quoted text is never a command
        line = line.split(" #", 1)[0]
        line = re.sub(r"\$\(\(.*?\)\)", "0", line)  # arithmetic, not a command
        # `NAME=value command ...`: the command after the environment assignments.
        line = re.sub(r"(^\s*|&&\s*|\|\|\s*|[;|(]\s*)(?:\w+=[^\s$();|&]*\s+)+(?=[A-Za-z_])", r"\1", line)
        if line.lstrip().startswith("#"):
            continue
        for word in _COMMAND_START.findall(line):
            if word in SHELL_WORDS or word in functions:
                continue
            found.add((word, _where(path, lineno)))
    return found


def called_programs() -> set[tuple[str, str]]:
    calls = set()
    for directory in PYTHON_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            if "migrations" not in path.parts:
                calls |= python_calls(path)
    scripts = [Path(name) for name in sorted(glob(str(ROOT / "scripts" / "*.sh")))] + [ROOT / ".ci" / "run"]
    functions = shell_functions(scripts)
    for path in scripts:
        calls |= shell_calls(path, functions)
    return calls


def unlisted_calls(calls: set[tuple[str, str]] | None = None) -> list[str]:
    known = listed_programs() | BASE_SYSTEM | VENV_PROGRAMS | PG_SERVER_PROGRAMS
    calls = called_programs() if calls is None else calls
    return sorted(f"{program} ({where})" for program, where in calls if program not in known)


def pg_bin_dirs() -> list[str]:
    return sorted(glob("/usr/lib/postgresql/*/bin"), reverse=True)


def missing_programs(stages: list[str]) -> list[str]:
    search = ":".join([*pg_bin_dirs(), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
    missing = []
    for package, entry in manifest().items():
        if entry["stages"] & set(stages):
            missing += [f"{program} (Debian package {package})"
                        for program in entry["programs"] if not shutil.which(program, path=search)]
    return missing


def main(argv: list[str]) -> int:
    if argv[:1] == ["--packages"]:
        print(" ".join(packages_for(argv[1:])))
        return 0
    problems = [f"called but not installed by the test command: {call}" for call in unlisted_calls()]
    stages = [arg for arg in argv if arg != "--static"]
    problems += [f"listed but not installed: {program}" for program in missing_programs(stages)]
    for problem in problems:
        print(problem)
    if not problems:
        print(f"external programs: {len(listed_programs())} listed, every call covered"
              + (f", all installed for {', '.join(stages)}" if stages else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
