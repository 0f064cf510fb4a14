"""The REPL driven in a real terminal: tmux runs slsh, send-keys types,
capture-pane reads what the screen shows."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

SLSH = os.environ.get("SLSH_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "slsh")


SOCKETS = iter(range(1 << 30))
SOCKET = None


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", SOCKET, *args],
                          check=check, capture_output=True, text=True)


@unittest.skipUnless(shutil.which("tmux"), "tmux is not installed")
class ReplTest(unittest.TestCase):
    def setUp(self):
        global SOCKET
        # One tmux server per test: no test sees another's leftovers.
        SOCKET = "slsh-repl-test-%d-%d" % (os.getpid(), next(SOCKETS))
        self.home = tempfile.mkdtemp()
        self.session = "repl%d" % os.getpid()
        cmd = "env HOME=%s TERM=xterm %s" % (self.home, os.path.abspath(SLSH))
        tmux("new-session", "-d", "-s", self.session, "-x", "120", "-y", "50",
             cmd)
        self.addCleanup(self.cleanup)
        self.wait_for("Ctrl-D to quit.\n>")

    def cleanup(self):
        tmux("kill-server", check=False)
        shutil.rmtree(self.home, ignore_errors=True)

    def screen(self):
        return tmux("capture-pane", "-p", "-t", self.session,
                    check=False).stdout

    def wait_for(self, text, timeout=30.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.05)
        self.fail("screen never showed %r; it shows:\n%s" % (text, self.screen()))

    def type(self, *keys):
        tmux("send-keys", "-t", self.session, *keys)

    def line(self, text):
        self.type("-l", text)
        self.type("Enter")

    def test_banner_and_prompt(self):
        shown = self.screen()
        self.assertIn("slsh", shown)
        self.assertIn("Ctrl-D to quit", shown)

    def test_bare_expression_prints_its_value(self):
        self.line("6 * 7")
        self.wait_for("\n42")

    def test_equals_prefix_prints_values(self):
        self.line("=1, 'two'")
        shown = self.wait_for('"two"')
        self.assertIn("1\n", shown)

    def test_tables_are_pretty_printed(self):
        self.line("t = {b = {c = true}, a = 1}; t.self = t")
        self.line("t")
        shown = self.wait_for("self = <cycle>")
        shown = shown[shown.index("\n> t\n"):]
        self.assertIn("a = 1,", shown)
        self.assertIn("b = {", shown)
        self.assertLess(shown.index("a = 1"), shown.index("b = {"))

    def test_multi_line_input(self):
        self.line("for i = 1, 3 do")
        self.wait_for("\n>>")
        self.line("io.write(i * 11, ' ')")
        self.line("end")
        self.wait_for("11 22 33")

    def test_errors_are_reported_and_the_loop_goes_on(self):
        self.line("error('kaput')")
        self.wait_for("kaput")
        self.line("print('still here')")
        self.wait_for("still here")

    def test_completes_globals_and_fields(self):
        self.type("-l", "slsh.pre")
        self.type("Tab")
        self.wait_for("slsh.pretty")
        self.type("-l", ".for")
        self.type("Tab")
        self.wait_for("slsh.pretty.format")
        self.type("C-u")

    def test_completes_methods_after_colon(self):
        self.line("s = 'abc'")
        self.type("-l", "string.up")
        self.type("Tab")
        self.wait_for("string.upper")

    def test_history_is_kept_across_sessions(self):
        self.line("x_marks_the_spot = 1")
        self.type("C-d")
        history = os.path.join(self.home, ".slsh_history")
        deadline = time.time() + 30
        while time.time() < deadline and not os.path.exists(history):
            time.sleep(0.05)
        with open(history, encoding="utf-8", errors="replace") as f:
            self.assertIn("x_marks_the_spot", f.read())


if __name__ == "__main__":
    unittest.main()
