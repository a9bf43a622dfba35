"""The grader moved to the instructors' package: ``python -m bpcourse grade``.

It is run from a checkout of the course (it is not part of the learners'
library). This alias says so and, where ``bpcourse`` can be imported, runs it.
"""
import sys


def main(argv=None):
    try:
        from bpcourse.grade import main as grade_main
    except ImportError:
        print("the grader is now `python -m bpcourse grade`, run from a checkout of bp-course "
              "(it is not part of bplib)", file=sys.stderr)
        return 2
    print("note: `python -m bplib.grade` is now `python -m bpcourse grade`", file=sys.stderr)
    return grade_main(argv)


if __name__ == "__main__":
    sys.exit(main())
