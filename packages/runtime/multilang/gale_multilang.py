"""gale's multilang adapter for Python 3 (standard library only).

Write a bolt or spout as a subclass of Bolt, BasicBolt or Spout and call its run() method; gale
(or Apache Storm: this speaks Storm's multilang protocol as documented) starts the script as a
subprocess and talks to it over stdin/stdout. See docs/multilang.md.

    from gale_multilang import BasicBolt

    class Split(BasicBolt):
        def process(self, tup):
            for word in tup.values[0].split():
                self.emit([word])

    Split().run()

Never print to stdout: it carries the protocol. Use self.log(...) or write to stderr.
"""

import json
import os
import sys
import traceback
from collections import deque

__all__ = ["Tuple", "Bolt", "BasicBolt", "Spout", "LOG_TRACE", "LOG_DEBUG", "LOG_INFO", "LOG_WARN", "LOG_ERROR"]

LOG_TRACE, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR = 0, 1, 2, 3, 4

HEARTBEAT_STREAM = "__heartbeat"
TICK_STREAM = "__tick"
SYSTEM_COMPONENT = "__system"


class Tuple(object):
    """A tuple received by a bolt: its id, source component, stream and task, and its values."""

    __slots__ = ("id", "component", "stream", "task", "values")

    def __init__(self, id, component, stream, task, values):
        self.id = id
        self.component = component
        self.stream = stream
        self.task = task
        self.values = values

    def is_heartbeat(self):
        return self.task == -1 and self.stream == HEARTBEAT_STREAM

    def is_tick(self):
        return self.component == SYSTEM_COMPONENT and self.stream == TICK_STREAM

    def __repr__(self):
        return "Tuple(id=%r, component=%r, stream=%r, task=%r, values=%r)" % (
            self.id, self.component, self.stream, self.task, self.values)


class _Channel(object):
    """Messages over stdin/stdout: JSON text, then a line "end".

    A reply with task ids (a JSON list) may arrive after commands sent later by gale, and a command
    may arrive while an emit waits for its task ids: each kind waits in its own queue.
    Output is buffered and flushed before every read, so one answer costs one write.
    """

    def __init__(self, stdin=None, stdout=None):
        self._in = stdin or sys.stdin.buffer
        self._out = stdout or sys.stdout.buffer
        self._commands = deque()
        self._task_ids = deque()

    def send(self, message):
        self._out.write(json.dumps(message, separators=(",", ":")).encode("utf-8"))
        self._out.write(b"\nend\n")

    def flush(self):
        self._out.flush()

    def _read_message(self):
        self.flush()
        lines = []
        while True:
            raw = self._in.readline()
            if not raw:
                # gale closed stdin: the component is stopping.
                raise SystemExit(0)
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "end":
                break
            lines.append(line)
        return json.loads("\n".join(lines))

    def read_command(self):
        if self._commands:
            return self._commands.popleft()
        while True:
            msg = self._read_message()
            if isinstance(msg, list):
                self._task_ids.append(msg)
            else:
                return msg

    def read_task_ids(self):
        if self._task_ids:
            return self._task_ids.popleft()
        while True:
            msg = self._read_message()
            if isinstance(msg, list):
                return msg
            self._commands.append(msg)

    def handshake(self):
        setup = self._read_message()
        pid = os.getpid()
        pid_dir = setup.get("pidDir")
        if pid_dir:
            open(os.path.join(pid_dir, str(pid)), "w").close()
        self.send({"pid": pid})
        self.flush()
        return setup.get("conf") or {}, setup.get("context") or {}


class _Component(object):
    """What bolts and spouts share: the channel, logging, errors, metrics."""

    def __init__(self):
        self._channel = None
        self.conf = {}
        self.context = {}

    def initialize(self, conf, context):
        """Called once after the handshake with the topology config and the task's context."""

    def log(self, message, level=LOG_INFO):
        self._channel.send({"command": "log", "msg": str(message), "level": level})

    def report_error(self, message):
        """Shows in `gale status` under this component (the subprocess keeps running)."""
        self._channel.send({"command": "error", "msg": str(message)})

    def metrics(self, name, params):
        self._channel.send({"command": "metrics", "name": name, "params": params})

    def run(self, channel=None):
        """Handshake, initialize, then serve gale's commands until stdin closes: a bolt processes
        tuples (answering heartbeats), a spout answers next/ack/fail/activate/deactivate with sync.
        An exception escaping the loop is reported (with its traceback) before the process exits."""
        self._start(channel)
        try:
            self._loop()
        except SystemExit:
            raise
        except Exception:
            self.report_error(traceback.format_exc())
            self._channel.flush()
            raise

    def _loop(self):
        raise NotImplementedError

    def _start(self, channel):
        self._channel = channel or _Channel()
        self.conf, self.context = self._channel.handshake()
        self.initialize(self.conf, self.context)

    def _emit(self, message, need_task_ids, direct_task):
        if direct_task is not None:
            message["task"] = direct_task
        elif not need_task_ids:
            message["need_task_ids"] = False
        self._channel.send(message)
        if direct_task is None and need_task_ids:
            return self._channel.read_task_ids()
        return None


class Bolt(_Component):
    """A bolt that acks and fails its input tuples itself (Storm's IRichBolt)."""

    def process(self, tup):
        raise NotImplementedError("override process(self, tup)")

    def emit(self, values, stream=None, anchors=None, direct_task=None, need_task_ids=True):
        """Emits `values`; returns the receiving task ids unless direct or need_task_ids is False."""
        message = {"command": "emit", "tuple": list(values)}
        if stream is not None:
            message["stream"] = stream
        if anchors:
            message["anchors"] = [a.id if isinstance(a, Tuple) else a for a in anchors]
        return self._emit(message, need_task_ids, direct_task)

    def ack(self, tup):
        self._channel.send({"command": "ack", "id": tup.id})

    def fail(self, tup):
        self._channel.send({"command": "fail", "id": tup.id})

    def sync(self):
        self._channel.send({"command": "sync"})

    def _read_tuple(self):
        m = self._channel.read_command()
        return Tuple(m.get("id"), m.get("comp"), m.get("stream"), m.get("task"), m.get("tuple"))

    def _handle(self, tup):
        self.process(tup)

    def _loop(self):
        while True:
            tup = self._read_tuple()
            if tup.is_heartbeat():
                self.sync()
            else:
                self._handle(tup)


class BasicBolt(Bolt):
    """A bolt whose emits are anchored to the input and whose input is acked after process()
    (failed, with the error reported, when process() raises)."""

    _current = None

    def emit(self, values, stream=None, anchors=None, direct_task=None, need_task_ids=True):
        if anchors is None and self._current is not None:
            anchors = [self._current]
        return Bolt.emit(self, values, stream, anchors, direct_task, need_task_ids)

    def _handle(self, tup):
        self._current = tup
        try:
            self.process(tup)
        except Exception:
            self.report_error(traceback.format_exc())
            self.fail(tup)
        else:
            self.ack(tup)
        finally:
            self._current = None


class Spout(_Component):
    """A spout: next_tuple() emits zero or more tuples; ack(id)/fail(id) report their trees."""

    def next_tuple(self):
        raise NotImplementedError("override next_tuple(self)")

    def ack(self, id):
        pass

    def fail(self, id):
        pass

    def activate(self):
        pass

    def deactivate(self):
        pass

    def emit(self, values, id=None, stream=None, direct_task=None, need_task_ids=True):
        """Emits `values` (tracked when `id` is given); returns the receiving task ids unless
        direct or need_task_ids is False."""
        message = {"command": "emit", "tuple": list(values)}
        if id is not None:
            message["id"] = id
        if stream is not None:
            message["stream"] = stream
        return self._emit(message, need_task_ids, direct_task)

    def _loop(self):
        while True:
            m = self._channel.read_command()
            command = m.get("command")
            if command == "next":
                self.next_tuple()
            elif command == "ack":
                self.ack(m.get("id"))
            elif command == "fail":
                self.fail(m.get("id"))
            elif command == "activate":
                self.activate()
            elif command == "deactivate":
                self.deactivate()
            self._channel.send({"command": "sync"})
