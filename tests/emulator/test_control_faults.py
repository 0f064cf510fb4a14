"""Control endpoints (state, dump, stats, log) and injected faults
(queue, drops, delays, random errors, latency, QPS limit)."""

import http.client
import json
import os
import tempfile
import threading
import time
import unittest

from emuclient import (AK, OTHER_AK, OTHER_SECRET, SECRET, STS_AK,
                       STS_SECRET, STS_TOKEN, EmulatorCase, Http, RpcClient,
                       SlsClient, base_state)
from emulator.main import build_app, launch


class StatsTests(EmulatorCase):

    def test_keep_alive_reuses_one_connection(self):
        self.control("POST", "stats/reset")
        c = self.sls()
        for _ in range(5):
            self.assertOk(c.get_logstore("plain"))
        stats = self.control("GET", "stats").json
        self.assertEqual(stats["api_connections"], 1)
        self.assertEqual(stats["requests"], 5)
        self.assertEqual(stats["by_service"]["sls"]["GetLogStore"], 5)
        self.assertEqual(stats["by_status"]["200"], 5)
        self.assertOk(self.sls().get_logstore("plain"))
        self.assertEqual(self.control("GET", "stats").json[
            "api_connections"], 2)

    def test_concurrent_connections_are_served(self):
        self.control("POST", "stats/reset")
        results = []

        def worker():
            c = SlsClient(self.port, "proj-a")
            try:
                results.extend(c.get_logstore("plain").status
                               for _ in range(10))
            finally:
                c.http.close()
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(results, [200] * 80)
        stats = self.control("GET", "stats").json
        self.assertEqual((stats["api_connections"], stats["requests"]),
                         (8, 80))

    def test_reset_zeroes_counters_and_log(self):
        self.sls().get_logstore("plain")
        self.control("POST", "stats/reset")
        stats = self.control("GET", "stats").json
        self.assertEqual((stats["requests"], stats["by_service"]), (0, {}))
        self.assertEqual(self.control("GET", "log").json["entries"], [])


class LogTests(EmulatorCase):

    def test_sls_writes_are_logged_with_the_full_body(self):
        c = self.sls()
        body = c.get_logstore("plain").json
        body["ttl"] = 44
        self.assertOk(c.update_logstore("plain", body))
        entry = self.control("GET", "log?n=1").json["entries"][0]
        self.assertEqual(entry["action"], "UpdateLogStore")
        self.assertEqual(entry["body"], body)
        self.assertEqual((entry["method"], entry["path"], entry["status"]),
                         ("PUT", "/logstores/plain", 200))
        self.assertEqual(entry["host"],
                         "proj-a.cn-hangzhou.log.aliyuncs.com")

    def test_errors_are_logged_with_their_code(self):
        self.sls().get_logstore("missing")
        entry = self.control("GET", "log?n=1").json["entries"][0]
        self.assertEqual((entry["status"], entry["error_code"]),
                         (404, "LogStoreNotExist"))

    def test_no_secret_reaches_the_log(self):
        self.sls(ak=STS_AK, secret=STS_SECRET, token=STS_TOKEN).get_logstore(
            "plain")
        self.sls(sig="v4").get_logstore("plain")
        for style in ("get", "post-form", "acs3"):
            self.rpc("ram", style=style, ak=STS_AK, secret=STS_SECRET,
                     token=STS_TOKEN).call("GetRole",
                                           {"RoleName": "AdminRole"})
        r = self.rpc("sts").call("AssumeRole", {
            "RoleArn": "acs:ram::1234567890123456:role/adminrole",
            "RoleSessionName": "s1"})
        issued = r.json["Credentials"]
        text = self.control("GET", "log?n=1000").body.decode()
        for secret in (SECRET, STS_SECRET, STS_TOKEN,
                       issued["AccessKeySecret"], issued["SecurityToken"],
                       "Signature", "Authorization", "LOG " + AK):
            self.assertNotIn(secret, text)
        entries = json.loads(text)["entries"]
        rpc = [e for e in entries if e["service"] == "ram"]
        self.assertEqual(rpc[0]["params"], {"RoleName": "AdminRole"})


class StateTests(EmulatorCase):

    def test_get_state_keeps_unknown_keys(self):
        state = self.control("GET", "state").json
        self.assertEqual(state["x_top_unknown"], {"kept": True})
        plain = state["projects"][0]["logstores"][0]
        self.assertEqual(plain["x_unknown"], {"keep": [1, 2]})

    def test_put_state_replaces_everything(self):
        new = base_state()
        new["projects"] = [{"name": "fresh", "region": "eu-west-1",
                            "account": new["accounts"][0]["id"],
                            "logstores": []}]
        self.assertOk(self.control("PUT", "state", new))
        self.assertError(self.sls().get_logstore("plain"), 404,
                         "ProjectNotExist")
        c = self.sls(project="fresh", region="eu-west-1")
        self.assertOk(c.request("GET", "/logstores"))
        bad = self.control("PUT", "state", {"projects": [{"name": "x"}]})
        self.assertEqual(bad.status, 400)
        self.assertIn("region", bad.json["error"])

    def test_unknown_control_endpoint(self):
        self.assertEqual(self.control("GET", "nothing").status, 404)


class DumpTests(EmulatorCase):

    def setUp(self):
        folder = tempfile.mkdtemp()
        self.path = os.path.join(folder, "dump.json")
        self.addCleanup(lambda: os.path.exists(self.path)
                        and os.remove(self.path))
        self.options = {"dump_path": self.path}
        super().setUp()

    def test_dump_writes_the_file_and_answers_the_state(self):
        c = self.sls()
        body = c.get_logstore("plain").json
        body["ttl"] = 77
        c.update_logstore("plain", body)
        r = self.control("POST", "dump")
        self.assertOk(r)
        with open(self.path) as f:
            on_disk = json.load(f)
        self.assertEqual(on_disk, r.json)
        self.assertEqual(on_disk["projects"][0]["logstores"][0]["ttl"], 77)
        self.assertEqual(on_disk["x_top_unknown"], {"kept": True})


class FaultQueueTests(EmulatorCase):

    def test_queued_error_matches_service_and_action(self):
        r = self.control("POST", "faults", {"next": [
            {"status": 503, "code": "ServerBusy", "retry_after": 2,
             "match": {"service": "sls", "action": "UpdateLogStore"}}]})
        self.assertOk(r)
        c = self.sls()
        body = c.get_logstore("plain").json
        r = c.update_logstore("plain", body)
        self.assertError(r, 503, "ServerBusy")
        self.assertEqual(r.headers["retry-after"], "2")
        self.assertEqual(r.headers["x-acs-retry-after"], "2000")
        self.assertTrue(r.headers["x-log-requestid"])
        self.assertOk(c.update_logstore("plain", body))
        self.assertEqual(self.control("GET", "faults").json["next"], [])

    def test_first_matching_entry_is_consumed_in_the_rpc_shape(self):
        self.control("POST", "faults", {"next": [
            {"status": 500, "code": "InternalError",
             "match": {"service": "kms"}},
            {"status": 400, "code": "Throttling.User"}]})
        r = self.rpc("ram").call("GetRole", {"RoleName": "AdminRole"})
        self.assertError(r, 400, "Throttling.User")
        self.assertEqual(self.control("GET", "faults").json["next"],
                         [{"status": 500, "code": "InternalError",
                           "match": {"service": "kms"}}])
        r = self.rpc("kms").call("ListKeys")
        self.assertError(r, 500, "InternalError")
        self.assertEqual(set(r.json), {"RequestId", "HostId", "Code",
                                       "Message", "Recommend"})

    def test_drop_closes_the_connection_without_an_answer(self):
        self.control("POST", "faults", {"next": [{"drop": True}]})
        c = self.sls()
        with self.assertRaises((http.client.RemoteDisconnected,
                                ConnectionError)):
            c.get_logstore("plain")
        entry = self.control("GET", "log?n=1").json["entries"][0]
        self.assertEqual(entry["status"], "dropped")
        self.assertOk(self.sls().get_logstore("plain"))

    def test_drop_after_carries_the_request_out_then_drops(self):
        self.control("POST", "faults", {"next": [{"drop": "after"}]})
        c = self.sls()
        with self.assertRaises((http.client.RemoteDisconnected,
                                ConnectionError)):
            c.request("DELETE", "/logstores/plain")
        entry = self.control("GET", "log?n=1").json["entries"][0]
        self.assertEqual(entry["status"], "dropped")
        self.assertError(self.sls().get_logstore("plain"), 404,
                         "LogStoreNotExist")

    def test_delay_then_answer(self):
        self.control("POST", "faults", {"next": [{"delay_ms": 300}]})
        start = time.monotonic()
        self.assertOk(self.sls().get_logstore("plain"))
        self.assertGreaterEqual(time.monotonic() - start, 0.3)

    def test_bad_fault_settings_are_refused(self):
        for body in ({"fault_rate": 2}, {"next": [{"status": 200}]},
                     {"next": [{"match": {}}]}, {"colour": 1},
                     {"clock_offset": "soon"},
                     {"next": [{"drop": True, "match": {"host": "x"}}]}):
            with self.subTest(body=body):
                self.assertEqual(self.control("POST", "faults", body).status,
                                 400)

    def test_random_settings_change_at_run_time(self):
        self.assertOk(self.control("POST", "faults", {"fault_rate": 1.0}))
        self.assertIn(self.sls().get_logstore("plain").status, (500, 503))
        self.control("POST", "faults", {"fault_rate": 0, "drop_rate": 1.0})
        with self.assertRaises((http.client.RemoteDisconnected,
                                ConnectionError)):
            self.sls().get_logstore("plain")
        self.control("POST", "faults", {"drop_rate": 0, "latency_ms": 200})
        start = time.monotonic()
        self.assertOk(self.sls().get_logstore("plain"))
        self.assertGreaterEqual(time.monotonic() - start, 0.2)
        self.assertEqual(self.control("GET", "faults").json["latency_ms"],
                         200)

    def test_control_endpoints_ignore_faults(self):
        self.control("POST", "faults", {"fault_rate": 1.0})
        self.assertOk(self.control("GET", "stats"))


class RandomFaultTests(unittest.TestCase):

    def statuses(self, seed, n=30, **options):
        emu = launch(build_app(base_state(), seed=seed, **options))
        self.addCleanup(emu.stop)
        out = []
        for _ in range(n):
            c = Http(emu.port)
            try:
                out.append(c.send("GET", "/__x", {
                    "Host": "proj-a.cn-hangzhou.log.aliyuncs.com"}).status)
            except (http.client.HTTPException, ConnectionError):
                out.append("dropped")
            finally:
                c.close()
        return out

    def test_fault_rate_is_deterministic_for_a_seed(self):
        a = self.statuses(7, fault_rate=0.5)
        self.assertEqual(a, self.statuses(7, fault_rate=0.5))
        self.assertTrue({500, 503} & set(a))
        self.assertIn(401, a)                # unsigned: reaches auth
        self.assertLessEqual(set(a), {500, 503, 401})

    def test_drop_rate(self):
        self.assertEqual(set(self.statuses(1, n=5, drop_rate=1.0)),
                         {"dropped"})

    def test_latency(self):
        start = time.monotonic()
        self.statuses(1, n=3, latency_ms=100)
        self.assertGreaterEqual(time.monotonic() - start, 0.3)

    def test_random_rpc_errors_use_rpc_codes(self):
        emu = launch(build_app(base_state(), seed=3, fault_rate=1.0))
        self.addCleanup(emu.stop)
        c = RpcClient(emu.port, "sts")
        self.addCleanup(c.http.close)
        codes = {c.call("GetCallerIdentity").code for _ in range(20)}
        self.assertLessEqual(codes, {"InternalError", "ServerBusy",
                                     "ServiceUnavailable"})
        self.assertIn("InternalError", codes)


class QpsTests(EmulatorCase):

    options = {"qps_limit": 3}

    def burst(self, send, n=4):
        """n calls inside one second of the limiter's clock."""
        time.sleep(1 - time.monotonic() % 1 + 0.01)
        return [send() for _ in range(n)]

    def test_sls_answers_meta_operation_qps_limit(self):
        c = self.sls()
        rs = self.burst(lambda: c.get_logstore("plain"))
        self.assertEqual([r.status for r in rs[:3]], [200] * 3)
        self.assertError(rs[3], 403, "MetaOperationQpsLimitExceeded")

    def test_rpc_answers_throttling_user_per_account(self):
        c = self.rpc("sts")
        rs = self.burst(lambda: c.call("GetCallerIdentity"))
        self.assertError(rs[3], 400, "Throttling.User")
        self.assertOk(self.rpc("sts", ak=OTHER_AK, secret=OTHER_SECRET)
                      .call("GetCallerIdentity"))

    def test_limit_changes_at_run_time(self):
        self.control("POST", "faults", {"qps_limit": 0})
        c = self.sls()
        rs = self.burst(lambda: c.get_logstore("plain"), n=6)
        self.assertEqual({r.status for r in rs}, {200})


if __name__ == "__main__":
    unittest.main()
