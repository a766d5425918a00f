#!/usr/bin/env python3
"""The word-count split bolt in Python for `npm run bench` (bench/local-scenario.ts): gale's
standard-library multilang adapter, one emit per word. argv[1] == "task-ids": every emit asks for
the task ids it went to (need_task_ids true, Storm's default: one reply read per emit)."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "packages", "runtime", "multilang"))
from gale_multilang import BasicBolt  # noqa: E402

WORD = re.compile(r"[A-Za-z0-9]+")
NEED_TASK_IDS = len(sys.argv) > 1 and sys.argv[1] == "task-ids"


class Split(BasicBolt):
    def process(self, tup):
        line = tup.values[0]
        for word in WORD.findall(line if isinstance(line, str) else ""):
            self.emit([word.lower()], need_task_ids=NEED_TASK_IDS)


if __name__ == "__main__":
    Split().run()
