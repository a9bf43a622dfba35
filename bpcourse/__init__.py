"""bpcourse: the instructors' and authors' side of bp-course.

Learners import ``bplib``; this package is the rest, run from a checkout of
the course with one command line, ``python -m bpcourse``:

==========  ==============================================================
build       feedback data from the answer key, learner notebooks from
            ``solutions/``, both executed (``bpcourse.build``)
check       fail when notebooks/ or the feedback data is out of date
grade       grade submitted notebooks in sandboxed kernels (``bpcourse.grade``)
slides      slide decks that open with no network (``bpcourse.slides``)
release     what to hand out: notebooks, a bplib wheel, a README (``bpcourse.release``)
==========  ==============================================================

``bpcourse.exercises`` is the answer key: every exercise with its reference
answer, public and hidden test cases and known mistakes. It never ships to
learners.
"""
