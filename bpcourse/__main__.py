"""python -m bpcourse build | check | translate | messages | grade | slides | release  (--help lists them)."""
import argparse
import sys

COMMANDS = {
    "build": ("regenerate the feedback data and notebooks/ from solutions/, execute both folders, and make the "
              "translated editions (solutions/zh/, notebooks/zh/)"),
    "check": ("exit 1 if notebooks/, the translated editions or the feedback data are out of date with "
              "solutions/, the translations and the answer key"),
    "translate": "list what each translation lacks or no longer matches (--skeleton LANG STEM starts one)",
    "grade": "grade submitted notebooks, each in its own sandboxed kernel (grade --help for its options)",
    "slides": "export slide decks that open with no network (slides --help for its options)",
    "release": "write what an instructor hands out: learner notebooks, a bplib wheel, a student README",
    "messages": "re-extract the feedback's messages into bplib/locale, update the translations and compile them",
}


def _parser():
    parser = argparse.ArgumentParser(prog="python -m bpcourse",
                                     description="The course's tools for instructors and authors.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build = sub.add_parser("build", help=COMMANDS["build"], description=COMMANDS["build"])
    build.add_argument("names", nargs="*", help="notebook stems, e.g. 05_four_equations (default: all)")
    build.add_argument("--no-execute", action="store_true",
                       help="write the notebooks without running them (unchanged code cells keep their stored outputs)")
    sub.add_parser("check", help=COMMANDS["check"], description=COMMANDS["check"])
    translate = sub.add_parser("translate", help=COMMANDS["translate"], description=COMMANDS["translate"])
    translate.add_argument("--skeleton", nargs=2, metavar=("LANG", "STEM"),
                           help="print a translation file for STEM that still holds the English text")
    for name in ("grade", "slides"):
        command = sub.add_parser(name, help=COMMANDS[name], add_help=False)
        command.add_argument("args", nargs=argparse.REMAINDER)
    release = sub.add_parser("release", help=COMMANDS["release"], description=COMMANDS["release"])
    release.add_argument("--out", required=True, help="folder to write the release into")
    messages = sub.add_parser("messages", help=COMMANDS["messages"], description=COMMANDS["messages"])
    messages.add_argument("--check", action="store_true",
                          help="write nothing; exit 1 naming what is stale (messages of the code missing from "
                               "the .pot or a .po, untranslated or fuzzy entries, a .mo that differs from its .po)")
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    # grade and slides have their own options: everything after the command is theirs.
    if argv and argv[0] in ("grade", "slides"):
        if argv[0] == "grade":
            from .grade import main as grade_main
            return grade_main(argv[1:])
        from .slides import main as slides_main
        return slides_main(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "messages":
        from . import messages

        return messages.main(check=args.check)
    from . import build

    if args.command == "build":
        try:
            problems = build.build(args.names, run=not args.no_execute)
        except build.CourseError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        for problem in problems:
            print(f"problem: {problem}", file=sys.stderr)
        return 1 if problems else 0
    if args.command == "check":
        try:
            problems = build.stale()
        except build.CourseError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        for problem in problems:
            print(problem)
        print("notebooks/ and the feedback data are up to date" if not problems
              else f"{len(problems)} problem(s): run python -m bpcourse build")
        return 1 if problems else 0
    if args.command == "translate":
        return _translate(args, build)
    from . import release

    try:
        written = release.release(args.out)
    except release.ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted: the release in {args.out} is incomplete; run the same command again", file=sys.stderr)
        return 130
    except OSError as error:
        print(f"error: cannot write the release into {args.out}: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} files into {args.out}: learner notebooks, "
          f"{', '.join(p.name for p in written if p.suffix == '.whl')}, requirements.txt, README.md, README.zh.md")
    return 0


def _translate(args, build):
    import nbformat

    from . import translations

    if args.skeleton:
        lang, stem = args.skeleton
        path = build.SOLUTIONS / f"{stem}.ipynb"
        if not path.exists():
            print(f"error: no solution notebook {path.name}", file=sys.stderr)
            return 2
        sys.stdout.write(translations.skeleton(nbformat.read(path, as_version=4)))
        return 0
    problems = build.check_translations(build._stems(()))
    for problem in problems:
        print(problem)
    print("every translation matches the English text" if not problems
          else "update the translations above, then run python -m bpcourse build")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
