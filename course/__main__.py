"""python -m course build|autograde|export ... (see course/__init__.py)."""
import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m course")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the nbgrader course folder")
    b.add_argument("root")
    b.add_argument("--exchange", default=None)
    b.add_argument("--modules", nargs="*")
    b.add_argument("--timeout", type=int, default=60)
    a = sub.add_parser("autograde", help="nbgrader autograde + the trusted scores")
    a.add_argument("root")
    a.add_argument("assignment")
    a.add_argument("students", nargs="*")
    a.add_argument("--tasks", nargs="*")
    a.add_argument("--examples", type=int)
    e = sub.add_parser("export", help="grades.csv")
    e.add_argument("root")
    e.add_argument("--to", default="grades.csv")
    args = p.parse_args(argv)
    if args.cmd == "build":
        from .build import build
        print(build(Path(args.root), args.exchange and Path(args.exchange), args.modules, args.timeout))
    elif args.cmd == "autograde":
        from .autograde import autograde
        autograde(Path(args.root), args.assignment, args.students, tasks=args.tasks, examples=args.examples)
    else:
        from .autograde import export_csv
        print(export_csv(Path(args.root), Path(args.to)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
