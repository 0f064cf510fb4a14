"""SLS management APIs: projects, logstores, full-replace updates, paging,
error shapes, host routing, and the data plane of BYOK logstores."""

import time
import unittest

from emulator import logwire
from emuclient import (ACCOUNT, KEY_ON, OTHER_AK, OTHER_SECRET, EmulatorCase,
                       Http, base_state, logstore)

# A valid PutLogs body: one log group of one log.
ONE_GROUP = logwire.encode_group({"logs": [{"time": 1700000000,
                                            "contents": [("k", "v")]}]})


def many_projects_state():
    """The fixture plus 12 more projects in cn-hangzhou and a project with
    many logstores, for paging."""
    state = base_state()
    for i in range(12):
        state["projects"].append({"name": "bulk-%02d" % i,
                                  "region": "cn-hangzhou",
                                  "account": ACCOUNT,
                                  "description": "bulk project",
                                  "logstores": []})
    state["projects"].append({
        "name": "wide", "region": "cn-hangzhou", "account": ACCOUNT,
        "logstores": [logstore("ls-%03d" % i) for i in range(520)]})
    return state


class ProjectTests(EmulatorCase):

    def state(self):
        return many_projects_state()

    def test_list_project_shows_only_own_projects_in_the_region(self):
        r = self.sls(project="").request("GET", "/", {"size": "500"})
        self.assertOk(r)
        names = [p["projectName"] for p in r.json["projects"]]
        self.assertIn("proj-a", names)
        self.assertNotIn("proj-other", names)
        self.assertNotIn("proj-sh", names)
        self.assertEqual(r.json["total"], 15)
        self.assertEqual(r.json["count"], 15)

    def test_list_project_pages_by_offset_and_size(self):
        seen, offset = [], 0
        while True:
            r = self.sls(project="").request(
                "GET", "/", {"offset": str(offset), "size": "4"})
            self.assertOk(r)
            seen += [p["projectName"] for p in r.json["projects"]]
            offset += r.json["count"]
            if offset >= r.json["total"]:
                break
        self.assertEqual(len(seen), 15)
        self.assertEqual(len(set(seen)), 15)

    def test_list_project_size_limits(self):
        c = self.sls(project="")
        self.assertOk(c.request("GET", "/", {"size": "500"}))
        for size in ("501", "0", "-1", "x"):
            with self.subTest(size=size):
                self.assertError(c.request("GET", "/", {"size": size}),
                                 400, "ParameterInvalid")
        self.assertError(c.request("GET", "/", {"offset": "-3"}),
                         400, "ParameterInvalid")

    def test_list_project_name_filter_is_a_substring(self):
        r = self.sls(project="").request("GET", "/",
                                         {"projectName": "ulk-0"})
        self.assertEqual(r.json["total"], 10)

    def test_get_project(self):
        r = self.sls().request("GET", "/")
        self.assertOk(r)
        self.assertEqual(r.json["projectName"], "proj-a")
        self.assertEqual(r.json["region"], "cn-hangzhou")
        self.assertEqual(r.json["owner"], ACCOUNT)
        self.assertIsInstance(r.json["createTime"], str)

    def test_project_of_another_region_or_account_or_nowhere(self):
        self.assertError(self.sls(project="proj-sh").request("GET", "/"),
                         404, "ProjectNotExist")
        self.assertError(self.sls(project="nope").request("GET", "/"),
                         404, "ProjectNotExist")
        self.assertError(self.sls(project="proj-other").request("GET", "/"),
                         401, "Unauthorized")
        mine = self.sls(project="proj-other", ak=OTHER_AK,
                        secret=OTHER_SECRET)
        self.assertOk(mine.request("GET", "/"))

    def test_intranet_and_share_endpoints_route_to_the_region(self):
        for endpoint in ("cn-hangzhou-intranet.log.aliyuncs.com",
                         "cn-hangzhou-share.log.aliyuncs.com"):
            with self.subTest(endpoint=endpoint):
                c = self.sls(endpoint=endpoint)
                self.assertOk(c.get_logstore("plain"))

    def test_list_logstores_pages_and_filters(self):
        c = self.sls(project="wide")
        r = c.request("GET", "/logstores", {"offset": "0", "size": "500"})
        self.assertEqual((r.json["count"], r.json["total"]), (500, 520))
        r = c.request("GET", "/logstores", {"offset": "500", "size": "500"})
        self.assertEqual(r.json["logstores"][0], "ls-500")
        self.assertEqual(r.json["count"], 20)
        r = c.request("GET", "/logstores", {"logstoreName": "s-01"})
        self.assertEqual(r.json["logstores"],
                         ["ls-%03d" % i for i in range(10, 20)])
        self.assertEqual(c.request("GET", "/logstores").json["count"], 200)
        self.assertError(c.request("GET", "/logstores", {"size": "501"}),
                         400, "ParameterInvalid")


class LogstoreTests(EmulatorCase):

    def test_get_logstore_returns_every_stored_field(self):
        r = self.sls().get_logstore("plain")
        self.assertEqual(r.json["x_unknown"], {"keep": [1, 2]})
        self.assertEqual(r.json["hot_ttl"], 7)
        self.assertError(self.sls().get_logstore("nope"),
                         404, "LogStoreNotExist")

    def test_error_shape_and_request_id(self):
        r = self.sls().get_logstore("nope")
        self.assertEqual(set(r.json), {"errorCode", "errorMessage"})
        self.assertRegex(r.headers["x-log-requestid"], r"^[0-9A-F]{24}$")
        self.assertEqual(r.headers["content-length"], str(len(r.body)))

    def test_create_fills_defaults_and_ignores_read_only_fields(self):
        c = self.sls()
        before = int(time.time())
        r = c.create_logstore({"logstoreName": "new-1", "ttl": 7,
                               "shardCount": 3, "productType": "fake",
                               "createTime": 5, "x_extra": "kept"})
        self.assertOk(r)
        self.assertEqual(r.body, b"")
        got = c.get_logstore("new-1").json
        self.assertEqual(got["shardCount"], 3)
        self.assertEqual(got["mode"], "standard")
        self.assertIs(got["autoSplit"], False)
        self.assertEqual(got["x_extra"], "kept")
        self.assertNotIn("productType", got)
        self.assertGreaterEqual(got["createTime"], before)
        self.assertError(c.create_logstore({"logstoreName": "new-1",
                                            "ttl": 7, "shardCount": 3}),
                         400, "LogStoreAlreadyExist")

    def test_create_requires_name_ttl_and_shard_count(self):
        full = {"logstoreName": "x1", "ttl": 7, "shardCount": 1}
        for field in full:
            body = dict(full)
            del body[field]
            with self.subTest(missing=field):
                r = self.sls().create_logstore(body)
                self.assertError(r, 400, "ParameterInvalid")
                self.assertIn(field, r.json["errorMessage"])

    def test_create_name_rules(self):
        ok = ["ab", "a" * 63, "a-b_c9", "0x"]
        bad = ["a", "a" * 64, "Abc", "-ab", "ab-", "ab_", "a.b", "a b", "ä1"]
        for name in ok:
            with self.subTest(name=name):
                self.assertOk(self.sls().create_logstore(
                    {"logstoreName": name, "ttl": 1, "shardCount": 1}))
        for name in bad:
            with self.subTest(name=name):
                self.assertError(self.sls().create_logstore(
                    {"logstoreName": name, "ttl": 1, "shardCount": 1}),
                    400, "ParameterInvalid")

    def test_create_field_types_and_body(self):
        c = self.sls()
        for body in ({"logstoreName": "t1", "ttl": "7", "shardCount": 1},
                     {"logstoreName": "t1", "ttl": 7, "shardCount": True},
                     {"logstoreName": "t1", "ttl": 7, "shardCount": 1,
                      "autoSplit": "true"},
                     {"logstoreName": "t1", "ttl": 0, "shardCount": 1},
                     {"logstoreName": "t1", "ttl": 7, "shardCount": 1,
                      "hot_ttl": 7}):
            with self.subTest(body=body):
                self.assertError(c.create_logstore(body),
                                 400, "ParameterInvalid")
        self.assertError(c.request("POST", "/logstores", body=b"[1]"),
                         400, "PostBodyInvalid")
        self.assertError(c.request("POST", "/logstores", body=b"{bad"),
                         400, "PostBodyInvalid")

    def test_delete_logstore(self):
        c = self.sls()
        self.assertOk(c.request("DELETE", "/logstores/plain"))
        self.assertError(c.get_logstore("plain"), 404, "LogStoreNotExist")
        self.assertError(c.request("DELETE", "/logstores/plain"),
                         404, "LogStoreNotExist")

    def test_unknown_api_path(self):
        self.assertError(self.sls().request("GET", "/logstores/a/b/c"),
                         400, "InvalidMethod")


class LimitTests(EmulatorCase):

    def state(self):
        s = base_state()
        s["projects"][1]["logstores"] = [logstore("ls-%03d" % i)
                                         for i in range(200)]
        return s

    def test_a_project_holds_at_most_200_logstores(self):
        r = self.sls(project="proj-b").create_logstore(
            {"logstoreName": "one-more", "ttl": 1, "shardCount": 1})
        self.assertError(r, 403, "LogStoreQuotaExceed")


class FullReplaceTests(EmulatorCase):
    """UpdateLogStore replaces the whole logstore."""

    def test_a_careless_partial_update_resets_omitted_fields(self):
        c = self.sls()
        r = c.update_logstore("plain", {"logstoreName": "plain", "ttl": 60,
                                        "shardCount": 2})
        self.assertOk(r)
        got = c.get_logstore("plain").json
        for gone in ("hot_ttl", "infrequentAccessTTL", "x_unknown"):
            self.assertNotIn(gone, got)
        self.assertEqual((got["autoSplit"], got["appendMeta"],
                          got["maxSplitShard"], got["mode"]),
                         (False, False, 0, "standard"))
        self.assertEqual(got["ttl"], 60)
        self.assertEqual(got["productType"], "aliyun")
        self.assertEqual(got["createTime"], 1700000000)
        self.assertEqual(got["resourceQuota"]["storage"],
                         {"preserved": -1, "used": 123})

    def test_a_careful_update_keeps_everything(self):
        c = self.sls()
        body = c.get_logstore("plain").json
        for ro in ("createTime", "lastModifyTime", "productType"):
            body.pop(ro)
        body["ttl"] = 90
        self.assertOk(c.update_logstore("plain", body))
        got = c.get_logstore("plain").json
        self.assertEqual(got["x_unknown"], {"keep": [1, 2]})
        self.assertEqual((got["hot_ttl"], got["infrequentAccessTTL"]),
                         (7, 10))
        self.assertEqual(got["ttl"], 90)
        self.assertGreater(got["lastModifyTime"], 1700000000)

    def test_read_only_fields_in_the_body_are_ignored(self):
        c = self.sls()
        body = c.get_logstore("plain").json
        body.update(productType="mine", createTime=1, lastModifyTime=2,
                    resourceQuota={"storage": {"preserved": 50,
                                               "used": 999}})
        self.assertOk(c.update_logstore("plain", body))
        got = c.get_logstore("plain").json
        self.assertEqual(got["productType"], "aliyun")
        self.assertEqual(got["createTime"], 1700000000)
        self.assertGreater(got["lastModifyTime"], 2)
        self.assertEqual(got["resourceQuota"]["storage"],
                         {"preserved": 50, "used": 123})

    def test_shard_count_cannot_change(self):
        c = self.sls()
        before = self.stored("proj-a", "plain")
        body = c.get_logstore("plain").json
        body["shardCount"] = 4
        r = c.update_logstore("plain", body)
        self.assertError(r, 400, "ParameterInvalid")
        self.assertIn("shard_count could only be modified by split & merge",
                      r.json["errorMessage"])
        self.assertEqual(self.stored("proj-a", "plain"), before)

    def test_update_requires_ttl_and_the_same_name(self):
        c = self.sls()
        before = self.stored("proj-a", "plain")
        self.assertError(c.update_logstore("plain", {"shardCount": 2}),
                         400, "ParameterInvalid")
        self.assertError(c.update_logstore(
            "plain", {"logstoreName": "other", "ttl": 3}),
            400, "ParameterInvalid")
        self.assertEqual(self.stored("proj-a", "plain"), before)

    def test_update_of_a_missing_logstore(self):
        self.assertError(self.sls().update_logstore(
            "nope", {"logstoreName": "nope", "ttl": 3}),
            404, "LogStoreNotExist")


class DataPlaneTests(EmulatorCase):
    """Reads and writes fail while a BYOK logstore's CMK is unusable."""

    def put(self, name, **kw):
        return self.sls(**kw).request(
            "POST", "/logstores/%s/shards/lb" % name, body=ONE_GROUP,
            headers={"Content-Type": "application/x-protobuf"})

    def get(self, name):
        now = int(time.time())
        return self.sls().request("GET", "/logstores/" + name,
                                  {"type": "log", "from": str(now - 60),
                                   "to": str(now)})

    def test_reads_and_writes_work_with_usable_keys(self):
        for name in ("plain", "svc", "byok"):
            with self.subTest(name=name):
                self.assertOk(self.put(name))
                r = self.get(name)
                self.assertOk(r)
                self.assertEqual(r.json, [])
                self.assertEqual(r.headers["x-log-progress"], "Complete")

    def test_a_disabled_cmk_breaks_reads_and_writes(self):
        self.assertError(self.put("byok-off"), 403, "Rejected.Disabled")
        self.assertError(self.get("byok-off"), 403, "Rejected.Disabled")

    def test_disabling_and_scheduling_deletion_through_kms(self):
        kms = self.rpc("kms")
        self.assertOk(kms.call("DisableKey", {"KeyId": KEY_ON}))
        self.assertError(self.put("byok"), 403, "Rejected.Disabled")
        self.assertOk(kms.call("EnableKey", {"KeyId": KEY_ON}))
        self.assertOk(self.put("byok"))
        self.assertOk(kms.call("ScheduleKeyDeletion",
                               {"KeyId": KEY_ON, "PendingWindowInDays": "7"}))
        self.assertError(self.get("byok"), 403, "Rejected.PendingDeletion")
        self.assertOk(self.put("svc"))

    def test_get_logs_needs_a_time_range(self):
        r = self.sls().request("GET", "/logstores/plain", {"type": "log"})
        self.assertError(r, 400, "ParameterInvalid")

    def test_the_data_plane_is_not_meta_throttled_and_logs_no_body(self):
        self.control("POST", "stats/reset")
        self.assertOk(self.put("plain"))
        entry = self.control("GET", "log?n=1").json["entries"][0]
        self.assertEqual(entry["action"], "PutLogs")
        self.assertIsNone(entry["body"])
        self.assertEqual(entry["body_size"], len(ONE_GROUP))


class HostTests(EmulatorCase):

    def test_unknown_hosts_are_refused(self):
        for host in ("example.com", "cn-nowhere.log.aliyuncs.com",
                     "a.b.cn-hangzhou.log.aliyuncs.com", "ram.example.com"):
            with self.subTest(host=host):
                h = Http(self.port)
                r = h.send("GET", "/", {"Host": host})
                h.close()
                self.assertError(r, 400, "InvalidHost")
                self.assertIn("date", r.headers)


if __name__ == "__main__":
    unittest.main()
