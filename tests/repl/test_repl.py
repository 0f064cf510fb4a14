"""The REPL driven in a real terminal: tmux runs slsh, send-keys types,
capture-pane reads what the screen shows."""
import os
import shlex
import shutil
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "..")
SLSH = os.environ.get("SLSH_BIN") or os.path.join(SOURCE, "build", "slsh")
EMULATOR = os.environ.get("SLSH_EMULATOR") or os.path.join(
    SOURCE, "tests", "emulator", "slsh-emulator")


SOCKETS = iter(range(1 << 30))
SOCKET = None


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", SOCKET, *args],
                          check=check, capture_output=True, text=True)


class ReplCase(unittest.TestCase):
    """slsh's REPL in a tmux pane, and how to type into it and read it."""

    def setUp(self):
        global SOCKET
        # One tmux server per test: no test sees another's leftovers.
        SOCKET = "slsh-repl-test-%d-%d" % (os.getpid(), next(SOCKETS))
        self.home = tempfile.mkdtemp()
        self.session = "repl%d" % os.getpid()
        env = ["HOME=" + self.home, "TERM=xterm"] + self.extra_env()
        cmd = " ".join(shlex.quote(a) for a in
                       ["env", *env, os.path.abspath(SLSH), *self.slsh_args()])
        tmux("new-session", "-d", "-s", self.session, "-x", "120", "-y", "50",
             cmd)
        self.addCleanup(self.cleanup)
        self.wait_for("Ctrl-D to quit.\n>")

    def extra_env(self):
        return []

    def slsh_args(self):
        return []

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

    def ready(self, timeout=30.0):
        """Wait for an empty prompt: keys typed before readline is back
        would be echoed by the terminal and redrawn out of place."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            lines = [l for l in self.screen().splitlines() if l.strip()]
            if lines and lines[-1].rstrip() == ">":
                return
            time.sleep(0.05)
        self.fail("no prompt; the screen shows:\n%s" % self.screen())


@unittest.skipUnless(shutil.which("tmux"), "tmux is not installed")
class ReplTest(ReplCase):

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

    def test_help_shows_signature_and_example(self):
        self.line("help(slsh.kms)")
        self.wait_for("kms:describe_key(id_or_alias)")
        self.ready()
        self.type("C-l")
        self.line('help "sls:get_logstore"')
        shown = self.wait_for('local ls = assert(sls:get_logstore(P, "plain"))')
        self.assertIn("`sls:get_logstore(p, ls)`", shown)
        self.assertLess(shown.index("`sls:get_logstore(p, ls)`"),
                        shown.index("example:"))
        self.line("help")
        self.wait_for(":json EXPR")
        self.line("help(print)")
        self.wait_for("no help for print")

    def test_json_view_keeps_order_and_number_kinds(self):
        self.line(":json slsh.json.decode('{\"b\":1,\"a\":[],\"f\":1.0}')")
        self.wait_for('"f": 1.0')
        shown = self.screen()
        self.assertIn('{\n  "b": 1,\n  "a": [],\n  "f": 1.0\n}', shown)
        self.line(":json print")
        self.wait_for("not JSON: a function value cannot be JSON")

    def test_multi_line_chunk_is_one_history_entry(self):
        self.line("for i = 1, 3 do")
        self.line("io.write(i * 11, ' ')")
        self.line("end")
        self.wait_for("11 22 33")
        self.line("print('between')")
        self.wait_for("between")
        self.ready()
        # Up twice: past print('between'), to the whole loop; Enter runs it
        self.type("Up")
        self.type("Up")
        self.type("Enter")
        deadline = time.time() + 30
        while time.time() < deadline and self.screen().count("11 22 33") < 2:
            time.sleep(0.05)
        self.assertEqual(2, self.screen().count("11 22 33"), self.screen())

    def test_history_is_kept_across_sessions(self):
        self.line("x_marks_the_spot = 1")
        self.type("C-d")
        history = os.path.join(self.home, ".slsh_history")
        # the file may exist a moment before it is written
        text, deadline = "", time.time() + 30
        while time.time() < deadline and "x_marks_the_spot" not in text:
            time.sleep(0.05)
            if os.path.exists(history):
                with open(history, encoding="utf-8", errors="replace") as f:
                    text = f.read()
        self.assertIn("x_marks_the_spot", text)


def cloud_state():
    """The test cloud of tests/support/cloud.lua, as the emulator's JSON."""
    code = ("package.path = %r .. '/tests/support/?.lua;' .. package.path "
            "print(slsh.json.encode(require('cloud').state()))" % SOURCE)
    return subprocess.run([SLSH, "-e", code], check=True, capture_output=True,
                          text=True).stdout


@unittest.skipUnless(shutil.which("tmux"), "tmux is not installed")
class LiveCompletionTest(ReplCase):
    """TAB inside a client call completes the names the cloud has."""

    @classmethod
    def setUpClass(cls):
        fd, cls.state = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as f:
            f.write(cloud_state())
        cls.emulator = subprocess.Popen(
            [EMULATOR, "--listen", "127.0.0.1:0", "--state", cls.state],
            stdout=subprocess.PIPE, text=True)
        cls.url = None
        for line in cls.emulator.stdout:
            if line.startswith("listening http://"):
                cls.url = line.split()[1]
                break
        if not cls.url:
            cls.emulator.kill()
            raise RuntimeError("the emulator did not start")

    @classmethod
    def tearDownClass(cls):
        cls.emulator.kill()
        cls.emulator.wait()
        cls.emulator.stdout.close()
        os.remove(cls.state)

    def extra_env(self):
        return ["ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tSlshTestRoot0001",
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET="
                "slsh-test-root-secret-DO-NOT-PRINT-1"]

    def slsh_args(self):
        return ["--region", "cn-hangzhou", "--connect-to", self.url]

    # What TAB inserted is checked by running the line: libedit may redraw
    # a line in odd ways on a loaded machine, the Lua state does not.
    # Keys typed after a TAB wait in the terminal until the completion
    # (and its fetch) is done.

    def test_completes_projects_then_logstores(self):
        self.line("sls = slsh.sls.client{}")
        self.ready()
        self.type("-l", 'ls = sls:get_logstore("')
        self.type("Tab")
        self.type("-l", '", "pla')
        self.type("Tab")
        self.type("-l", '")')
        self.type("Enter")
        self.ready()
        self.line("ls.logstoreName")
        self.wait_for('\n"plain"\n')
        self.line("help(sls.get_logstore)")
        self.wait_for("`sls:get_logstore(p, ls)`")

    def test_completes_key_aliases_and_roles(self):
        self.line("kms = slsh.kms.client{}")
        self.ready()
        self.type("-l", 'k = kms:describe_key("alias/')
        self.type("Tab")
        self.type("-l", '")')
        self.type("Enter")
        self.ready()
        self.line("k.KeyId")
        self.wait_for('\n"key-hzz62f1b1d5tslsh0001"\n')
        self.line("ram = slsh.ram.client{}")
        self.ready()
        self.type("-l", 'r = ram:get_role("slsh-b')
        self.type("Tab")
        self.type("-l", '")')
        self.type("Enter")
        self.ready()
        self.line("r.RoleName")
        self.wait_for('\n"slsh-byok-role"\n')

    def test_no_completion_when_the_cloud_cannot_be_asked(self):
        self.line('bad = slsh.sls.client{connect_to = "http://127.0.0.1:9", '
                  'retries = 0, credentials = slsh.credentials{'
                  'access_key_id = "a", access_key_secret = "b"}}')
        self.ready()
        self.type("-l", 'bad:get_logstore("')
        self.type("Tab")
        self.type("-l", "zz")
        self.wait_for('bad:get_logstore("zz')
        self.assertNotIn("error", self.screen().lower())


if __name__ == "__main__":
    unittest.main()
