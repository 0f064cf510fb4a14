"""The two command line tools as subprocesses: slsh-emulator (start-up
lines, TLS with its generated CA, --state/--dump, --clock, fault options)
and make-estate (determinism, mix, loading into the emulator)."""

import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import tempfile
import unittest

from emuclient import REGION, EmulatorCase, Http, SlsClient, base_state
from emulator.estate import ESTATE_AK, ESTATE_SECRET

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "slsh-emulator")
MAKE_ESTATE = os.path.join(HERE, "make-estate")


class Process:
    """A running slsh-emulator and the lines it printed at start."""

    def __init__(self, *args, lines=1):
        self.proc = subprocess.Popen([EMULATOR, *args],
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = [self.proc.stdout.readline().strip()
                      for _ in range(lines)]
        if not re.match(r"^listening http://127\.0\.0\.1:\d+$",
                        self.lines[0]):
            self.kill()
            raise AssertionError("unexpected first line %r" % self.lines)
        self.port = int(self.lines[0].rsplit(":", 1)[1])

    def stop(self):
        """SIGTERM, then the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(10)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


def write_json(data):
    """A temporary JSON file holding data."""
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    return path


class EmulatorCommandTests(unittest.TestCase):

    def start(self, *args, lines=1):
        """Starts the emulator, killed when the test ends."""
        p = Process(*args, lines=lines)
        self.addCleanup(p.kill)
        return p

    def test_starts_serves_and_stops_on_sigterm(self):
        p = self.start()
        h = Http(p.port)
        self.assertEqual(h.send("GET", "/__emulator/stats",
                                {"Host": "x"}).status, 200)
        h.close()
        self.assertEqual(p.stop(), 0)

    def test_state_and_dump_on_exit(self):
        state = write_json(base_state())
        dump = state + ".dump"
        self.addCleanup(os.remove, state)
        p = self.start("--state", state, "--dump", dump)
        c = SlsClient(p.port, "proj-a")
        body = c.get_logstore("plain").json
        body["ttl"] = 99
        self.assertEqual(c.update_logstore("plain", body).status, 200)
        c.http.close()
        self.assertEqual(p.stop(), 0)
        with open(dump) as f:
            dumped = json.load(f)
        os.remove(dump)
        self.assertEqual(dumped["projects"][0]["logstores"][0]["ttl"], 99)
        self.assertEqual(dumped["x_top_unknown"], {"kept": True})

    def test_fixed_clock_and_offset(self):
        state = write_json(base_state())
        self.addCleanup(os.remove, state)
        p = self.start("--state", state, "--clock", "2022-01-03T08:33:47Z",
                       "--clock-offset", "60")
        c = SlsClient(p.port, "proj-a")
        self.addCleanup(c.http.close)
        fixed = 1641198827 + 60
        r = c.get_logstore("plain")
        self.assertEqual(r.json["errorCode"], "RequestTimeExpired")
        self.assertEqual(r.headers["date"], "Mon, 03 Jan 2022 08:34:47 GMT")
        self.assertEqual(c.get_logstore("plain", t=fixed).status, 200)

    def test_bad_state_exits_2(self):
        path = write_json({"projects": [{"name": "x"}]})
        self.addCleanup(os.remove, path)
        done = subprocess.run([EMULATOR, "--state", path],
                              capture_output=True, text=True, timeout=10)
        self.assertEqual(done.returncode, 2)
        self.assertIn("bad state", done.stderr)

    def test_fault_options(self):
        p = self.start("--fault-rate", "1", "--seed", "5")
        h = Http(p.port)
        r = h.send("GET", "/", {"Host": "cn-hangzhou.log.aliyuncs.com"})
        h.close()
        self.assertIn(r.status, (500, 503))
        self.assertIn(r.json["errorCode"], ("InternalServerError",
                                            "ServerBusy",
                                            "ServiceUnavailable"))

    def test_listen_option(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        p = self.start("--listen", "127.0.0.1:%d" % port)
        self.assertEqual(p.port, port)


class TlsTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.state = write_json(base_state())
        cls.proc = Process("--tls", "--state", cls.state, lines=3)
        cls.https_port = int(cls.proc.lines[1].rsplit(":", 1)[1])

    @classmethod
    def tearDownClass(cls):
        ca = cls.proc.lines[2][len("ca "):]
        cls.proc.stop()
        cls.proc.kill()
        os.remove(cls.state)
        assert not os.path.exists(ca), "the generated CA outlived the run"

    def handshake(self, name):
        """Completes a verified TLS handshake for server name `name`."""
        ctx = ssl.create_default_context(cafile=self.ca)
        with socket.create_connection(("127.0.0.1", self.https_port), 5) as s:
            with ctx.wrap_socket(s, server_hostname=name) as t:
                return t.version()

    @property
    def ca(self):
        return self.proc.lines[2][len("ca "):]

    def test_start_lines(self):
        self.assertRegex(self.proc.lines[1],
                         r"^listening https://127\.0\.0\.1:\d+$")
        self.assertTrue(self.proc.lines[2].startswith("ca /"))
        self.assertTrue(os.path.exists(self.ca))

    def test_certificate_covers_every_endpoint(self):
        names = ["localhost", "127.0.0.1", "ram.aliyuncs.com",
                 "sts.aliyuncs.com", "cn-hangzhou.log.aliyuncs.com",
                 "proj-a.cn-hangzhou.log.aliyuncs.com",
                 "cloudfirewall-project-1-ap-southeast-1.ap-southeast-1."
                 "log.aliyuncs.com",
                 "p.me-central-1-intranet.log.aliyuncs.com",
                 "p.eu-west-1-share.log.aliyuncs.com",
                 "kms.eu-central-1.aliyuncs.com",
                 "sts.us-east-1.aliyuncs.com"]
        for name in names:
            with self.subTest(name=name):
                self.assertTrue(self.handshake(name))

    def test_wildcards_match_one_label_only(self):
        for name in ("a.b.cn-hangzhou.log.aliyuncs.com", "example.com",
                     "p.cn-nowhere.log.aliyuncs.com"):
            with self.subTest(name=name):
                with self.assertRaises(ssl.SSLCertVerificationError):
                    self.handshake(name)

    def test_signed_request_over_tls(self):
        ctx = ssl.create_default_context(cafile=self.ca)
        host = "proj-a.%s.log.aliyuncs.com" % REGION
        # Connect to 127.0.0.1 but verify the certificate for the real SLS
        # host name, as a client with --connect-to does.
        conn = http.client.HTTPSConnection("127.0.0.1", self.https_port,
                                           context=ctx, timeout=5)
        sock = socket.create_connection(("127.0.0.1", self.https_port), 5)
        conn.sock = ctx.wrap_socket(sock, server_hostname=host)
        c = SlsClient(0, "proj-a")
        c.http.conn = conn
        r = c.get_logstore("plain")
        conn.close()
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["logstoreName"], "plain")


class MakeEstateTests(EmulatorCase):

    def run_tool(self, *args):
        done = subprocess.run([MAKE_ESTATE, *args], capture_output=True,
                              timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)
        return done

    def estate(self, *args):
        return json.loads(self.run_tool(*args).stdout)

    def state(self):
        return self.estate("--projects", "6", "--logstores", "8",
                           "--regions", "cn-hangzhou,ap-southeast-1",
                           "--seed", "11")

    def test_same_arguments_give_the_same_bytes(self):
        args = ("--projects", "5", "--logstores", "4", "--regions",
                "cn-hangzhou,eu-central-1", "--seed", "3")
        a, b = self.run_tool(*args).stdout, self.run_tool(*args).stdout
        self.assertEqual(a, b)
        self.assertNotEqual(a, self.run_tool(*args[:-1], "4").stdout)
        self.assertIn(ESTATE_AK.encode(), self.run_tool(*args).stderr)

    def test_shape_mix_and_cloud_firewall_projects(self):
        s = self.emu.app.state.data
        projects = s["projects"]
        self.assertEqual(len(projects), 8)
        cf = [p for p in projects if p["name"].startswith(
            "cloudfirewall-project-")]
        self.assertEqual(sorted(p["region"] for p in cf),
                         ["ap-southeast-1", "cn-hangzhou"])
        for p in cf:
            self.assertEqual(p["name"], "cloudfirewall-project-%s-%s"
                             % (p["account"], p["region"]))
            self.assertEqual([ls["logstoreName"] for ls in p["logstores"]],
                             ["cloudfirewall-logstore"])
        stores = [ls for p in projects for ls in p["logstores"]]
        self.assertEqual(len(stores), 6 * 8 + 2)
        confs = [ls.get("encrypt_conf") for ls in stores]
        self.assertTrue(any(c is None for c in confs))
        self.assertTrue(any(c and c.get("user_cmk_info") for c in confs))
        fields = set().union(*stores)
        for f in ("hot_ttl", "infrequentAccessTTL", "resourceQuota",
                  "shardingPolicy", "x_future_field", "productType"):
            self.assertIn(f, fields)
        only = self.estate("--projects", "3", "--logstores", "5",
                           "--mix", "unencrypted=1", "--no-cloudfirewall")
        self.assertFalse(any("encrypt_conf" in ls for p in only["projects"]
                             for ls in p["logstores"]))
        self.assertEqual(len(only["projects"]), 3)

    def test_estate_works_against_the_emulator(self):
        s = self.emu.app.state.data
        account = s["accounts"][0]["id"]
        c = self.sls(project="", ak=ESTATE_AK, secret=ESTATE_SECRET)
        listed = c.request("GET", "/", {"size": "500"})
        self.assertOk(listed)
        self.assertEqual(listed.json["total"], 4)
        cf = self.sls(project="cloudfirewall-project-%s-cn-hangzhou"
                      % account, ak=ESTATE_AK, secret=ESTATE_SECRET)
        self.assertOk(cf.get_logstore("cloudfirewall-logstore"))
        enabled = next(k["KeyId"] for k in s["keys"]
                       if k["region"] == "cn-hangzhou"
                       and k["KeyState"] == "Enabled")
        project = next(p for p in s["projects"]
                       if p["region"] == "cn-hangzhou"
                       and any("encrypt_conf" not in ls
                               for ls in p["logstores"]))
        plain = next(ls for ls in project["logstores"]
                     if "encrypt_conf" not in ls)
        body = {k: v for k, v in plain.items()
                if k not in ("createTime", "lastModifyTime", "productType")}
        body["encrypt_conf"] = {
            "enable": True, "encrypt_type": "default",
            "user_cmk_info": {"cmk_key_id": enabled,
                              "arn": "acs:ram::%s:role/slsh-byok-role"
                                     % account,
                              "region_id": "cn-hangzhou"}}
        sls = self.sls(project=project["name"], ak=ESTATE_AK,
                       secret=ESTATE_SECRET)
        self.assertOk(sls.update_logstore(plain["logstoreName"], body))
        broken = [(p["name"], ls["logstoreName"]) for p in s["projects"]
                  if p["region"] == "cn-hangzhou" for ls in p["logstores"]
                  if (ls.get("encrypt_conf") or {}).get("user_cmk_info")
                  and ls["encrypt_conf"]["user_cmk_info"]["cmk_key_id"]
                  != enabled]
        for name, ls in broken[:2]:
            r = self.sls(project=name, ak=ESTATE_AK,
                         secret=ESTATE_SECRET).request(
                "POST", "/logstores/%s/shards/lb" % ls, body=b"x",
                headers={"Content-Type": "application/x-protobuf"})
            self.assertEqual(r.status, 403)

    def test_bad_arguments(self):
        for args in (["--regions", "mars-1"], ["--mix", "plain=1"],
                     ["--mix", "byok=0"], ["--logstores", "201"]):
            with self.subTest(args=args):
                done = subprocess.run([MAKE_ESTATE, *args],
                                      capture_output=True, timeout=30)
                self.assertEqual(done.returncode, 2)


if __name__ == "__main__":
    unittest.main()
