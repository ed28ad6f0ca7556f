"""python -m course build|autograde|export|report ... (see course/__init__.py)."""
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
    b.add_argument("--quiz-seed", default="", help="a per-course value mixed into every student's quiz")
    b.add_argument("--quiz-draw", default=None,
                   help="comma-separated question ids: the same multiple-choice questions for everyone")
    a = sub.add_parser("autograde", help="nbgrader autograde + the trusted scores")
    a.add_argument("root")
    a.add_argument("assignment")
    a.add_argument("students", nargs="*")
    a.add_argument("--tasks", nargs="*")
    a.add_argument("--examples", type=int)
    e = sub.add_parser("export", help="grades.csv, with a status column")
    e.add_argument("root")
    e.add_argument("--to", default="grades.csv")
    r = sub.add_parser("report", help="rebuild the quiz's per-question report")
    r.add_argument("root")
    args = p.parse_args(argv)
    if args.cmd == "build":
        from .build import build
        draw = [i.strip() for i in args.quiz_draw.split(",") if i.strip()] if args.quiz_draw else None
        print(build(Path(args.root), args.exchange and Path(args.exchange), args.modules, args.timeout,
                    quiz_seed=args.quiz_seed, quiz_draw=draw))
    elif args.cmd == "autograde":
        from . import status
        from .autograde import autograde
        autograde(Path(args.root), args.assignment, args.students, tasks=args.tasks, examples=args.examples)
        errors = {s: e for s, e in status.load(Path(args.root)).get(args.assignment, {}).items()
                  if e["status"] == "error" and (not args.students or s in args.students)}
        if errors:
            print(f"{len(errors)} submission(s) could not be graded (see status.json and the export):",
                  file=sys.stderr)
            for s, e in sorted(errors.items()):
                print(f"  {s}: {e['reason']}", file=sys.stderr)
            return 1
    elif args.cmd == "export":
        from .autograde import export_csv
        print(export_csv(Path(args.root), Path(args.to)))
    else:
        from .quiz_report import write_report
        print(*write_report(Path(args.root)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
