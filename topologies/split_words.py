#!/usr/bin/env python3
"""Split bolt of word-count-shell.yaml, speaking Storm's multilang protocol with only the
standard library: JSON messages, each followed by a line "end". It splits like word-count.ts
(maximal runs of ASCII letters and digits, lower-cased) so both topologies count the same."""
import json
import os
import re
import sys

WORD = re.compile(r"[A-Za-z0-9]+")


def read_message():
    lines = []
    while True:
        line = sys.stdin.readline()
        if not line:
            sys.exit(0)  # the parent closed our stdin: stop
        line = line.rstrip("\n")
        if line == "end":
            return json.loads("\n".join(lines))
        lines.append(line)


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\nend\n")
    sys.stdout.flush()


def main():
    handshake = read_message()
    pid = os.getpid()
    open(os.path.join(handshake["pidDir"], str(pid)), "w").close()
    send({"pid": pid})
    while True:
        msg = read_message()
        if isinstance(msg, list):
            continue  # task ids of an emit: we ask for none, but a peer may still send them
        if msg.get("stream") == "__heartbeat":
            send({"command": "sync"})
            continue
        line = msg["tuple"][0]
        for word in WORD.findall(line if isinstance(line, str) else ""):
            send({"command": "emit", "anchors": [msg["id"]], "tuple": [word.lower()], "need_task_ids": False})
        send({"command": "ack", "id": msg["id"]})


if __name__ == "__main__":
    main()
