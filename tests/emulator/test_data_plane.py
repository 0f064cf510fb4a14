"""The SLS data plane and what a migration reads: CreateProject, CreateLogStore
with encrypt_conf, indexes, ListShards, GetCursor, PullLogs and PutLogs with
protobuf and lz4 bodies and their limits, per-shard quotas, refusal while the
CMK is disabled, and the listings that name a logstore."""

import json
import unittest

from emuclient import (ACCOUNT, KEY_OFF, KEY_ON, EmulatorCase, base_state,
                       byok_conf, logstore)
from emulator import logwire


def group(n, word="x", topic="t"):
    """A LogGroup of n logs."""
    return logwire.encode_group({
        "topic": topic, "source": "10.0.0.1", "tags": [("h", "host1")],
        "logs": [{"time": 1700000000 + i, "contents": [("msg", "%s%d"
                                                        % (word, i))]}
                 for i in range(n)]})


def data_state():
    state = base_state()
    p = state["projects"][0]
    p["logstores"].append(logstore("data", shardCount=2))
    p["logtail_configs"] = [{"configName": "nginx", "inputType": "file",
                             "outputType": "LogService",
                             "outputDetail": {"logstoreName": "data"}}]
    p["jobs"] = [{"name": "alert-1", "type": "Alert",
                  "configuration": {"queryList": [{"store": "data"}]}},
                 {"name": "etl-1", "type": "ETL",
                  "configuration": {"logstore": "data"}}]
    p["dashboards"] = [{"dashboardName": "dash", "charts": [
        {"title": "c", "search": {"logstore": "data", "query": "*"}}]}]
    p["savedsearches"] = [{"savedsearchName": "s1", "logstore": "data",
                           "searchQuery": "*"}]
    p["shippers"] = [{"logstore": "data", "shipperName": "to-oss"}]
    return state


class DataPlaneTests(EmulatorCase):

    def state(self):
        return data_state()

    def put(self, body, ls="data", compress=False, headers=None, path="lb"):
        raw = len(body)
        h = {"Content-Type": "application/x-protobuf",
             "x-log-bodyrawsize": str(raw)}
        if compress:
            body = logwire.lz4_compress(body)
            h["x-log-compresstype"] = "lz4"
        h.update(headers or {})
        return self.sls().request("POST", "/logstores/%s/shards/%s"
                                  % (ls, path), body=body, headers=h)

    def cursor(self, shard, where="begin", ls="data"):
        r = self.sls().request("GET", "/logstores/%s/shards/%d" % (ls, shard),
                               {"type": "cursor", "from": where})
        self.assertOk(r)
        return r.json["cursor"]

    def pull(self, shard, cursor, count=1000, lz4=True, end=None):
        q = {"type": "logs", "cursor": cursor, "count": str(count)}
        if end:
            q["end_cursor"] = end
        h = {"Accept": "application/x-protobuf"}
        if lz4:
            h["Accept-Encoding"] = "lz4"
        return self.sls().request("GET", "/logstores/data/shards/%d" % shard,
                                  q, headers=h)

    def body_of(self, r):
        raw = int(r.headers["x-log-bodyrawsize"])
        if r.headers.get("x-log-compresstype") == "lz4":
            return logwire.lz4_decompress(r.body, raw)
        return r.body

    def test_list_shards_covers_the_hash_space(self):
        r = self.sls().request("GET", "/logstores/data/shards")
        self.assertOk(r)
        self.assertEqual([s["shardID"] for s in r.json], [0, 1])
        self.assertEqual(r.json[0]["inclusiveBeginKey"], "0" * 32)
        self.assertEqual(r.json[0]["exclusiveEndKey"],
                         r.json[1]["inclusiveBeginKey"])

    def test_put_then_pull_gives_back_the_same_groups(self):
        for i in range(4):
            self.assertOk(self.put(group(3, "w%d-" % i), compress=i % 2))
        got = []
        for shard in (0, 1):
            r = self.pull(shard, self.cursor(shard))
            self.assertOk(r)
            self.assertEqual(r.headers["content-type"],
                             "application/x-protobuf")
            groups = logwire.decode_list(self.body_of(r))
            self.assertEqual(int(r.headers["x-log-count"]), len(groups))
            got += groups
            # the next cursor is the end: nothing more
            r2 = self.pull(shard, r.headers["x-log-cursor"])
            self.assertEqual(r2.headers["x-log-count"], "0")
            self.assertEqual(r.headers["x-log-cursor"],
                             self.cursor(shard, "end"))
        self.assertEqual(len(got), 4)
        self.assertEqual(sorted(g["logs"][0]["contents"][0][1] for g in got),
                         [b"w0-0", b"w1-0", b"w2-0", b"w3-0"])

    def test_pull_count_and_end_cursor_bound_the_answer(self):
        for _ in range(6):
            self.assertOk(self.put(group(1), headers={"x-log-hashkey":
                                                      "0" * 32}))
        begin = self.cursor(0)
        r = self.pull(0, begin, count=2, lz4=False)
        self.assertEqual(r.headers["x-log-count"], "2")
        self.assertNotIn("x-log-compresstype", r.headers)
        mid = r.headers["x-log-cursor"]
        r = self.pull(0, begin, end=mid)
        self.assertEqual(r.headers["x-log-count"], "2")
        for bad in ("0", "1001", "x"):
            self.assertError(self.pull(0, begin, count=bad), 400,
                             "ParameterInvalid")
        self.assertError(self.pull(0, "bm90IGEgbnVtYmVy"), 400,
                         "InvalidCursor")

    def test_hash_key_picks_the_shard(self):
        self.assertOk(self.put(group(1), headers={"x-log-hashkey": "f" * 32}))
        self.assertOk(self.put(group(1), path="route?key=" + "0" * 32))
        self.assertEqual(self.pull(1, self.cursor(1)).headers["x-log-count"],
                         "1")
        self.assertEqual(self.pull(0, self.cursor(0)).headers["x-log-count"],
                         "1")

    def test_cursor_from_a_time(self):
        self.assertOk(self.put(group(1), headers={"x-log-hashkey": "0"}))
        future = str(int(self.emu.app.clock.now()) + 3600)
        self.assertEqual(self.cursor(0, future), self.cursor(0, "end"))
        self.assertEqual(self.cursor(0, "1"), self.cursor(0, "begin"))
        r = self.sls().request("GET", "/logstores/data/shards/0",
                               {"type": "cursor", "from": "yesterday"})
        self.assertError(r, 400, "ParameterInvalid")
        r = self.sls().request("GET", "/logstores/data/shards/9",
                               {"type": "cursor", "from": "begin"})
        self.assertError(r, 400, "ShardNotExist")

    def test_put_logs_limits_and_bad_bodies(self):
        self.assertError(self.put(group(4097)), 400, "InvalidLogSize")
        self.assertOk(self.put(group(4096)))
        big = logwire.encode_group({"logs": [{"time": 1, "contents": [
            ("k", "v" * (5 * 1024 * 1024))]}]})
        self.assertError(self.put(big, compress=True), 400,
                         "PostBodyTooLarge")
        self.assertError(self.put(b"\x0a\x05\x08"), 400, "PostBodyInvalid")
        self.assertError(self.put(group(1), headers={
            "Content-Type": "application/json"}), 400, "InvalidContentType")
        bad = self.put(group(2), compress=True,
                       headers={"x-log-bodyrawsize": "3"})
        self.assertError(bad, 400, "PostBodyInvalid")

    def test_shard_quotas(self):
        self.emu.app.state.data["sls_limits"] = {"write_qps": 2,
                                                 "read_qps": 1}
        key = {"x-log-hashkey": "0" * 32}
        self.assertOk(self.put(group(1), headers=key))
        self.assertOk(self.put(group(1), headers=key))
        self.assertError(self.put(group(1), headers=key), 403,
                         "ShardWriteQuotaExceed")
        # another shard has its own quota
        self.assertOk(self.put(group(1), headers={"x-log-hashkey": "f"}))
        c = self.cursor(0)
        self.assertOk(self.pull(0, c))
        self.assertError(self.pull(0, c), 403, "ShardReadQuotaExceed")

    def test_disabled_cmk_refuses_reads_and_writes(self):
        r = self.sls().create_logstore({
            "logstoreName": "enc", "ttl": 30, "shardCount": 1,
            "encrypt_conf": byok_conf(key=KEY_ON)})
        self.assertOk(r)
        self.assertOk(self.put(group(1), ls="enc"))
        for k in self.emu.app.state.data["keys"]:
            if k["KeyId"] == KEY_ON:
                k["KeyState"] = "Disabled"
        self.assertError(self.put(group(1), ls="enc"), 403,
                         "Rejected.Disabled")
        r = self.sls().request("GET", "/logstores/enc/shards/0",
                               {"type": "cursor", "from": "begin"})
        self.assertError(r, 403, "Rejected.Disabled")


class CreateTests(EmulatorCase):

    def state(self):
        return data_state()

    def test_create_logstore_with_encrypt_conf_follows_the_rules(self):
        c = self.sls()
        self.assertOk(c.create_logstore({
            "logstoreName": "new-byok", "ttl": 30, "shardCount": 3,
            "encrypt_conf": byok_conf()}))
        got = c.get_logstore("new-byok").json
        self.assertEqual(got["encrypt_conf"]["user_cmk_info"]["cmk_key_id"],
                         KEY_ON)
        self.assertEqual(got["shardCount"], 3)
        self.assertEqual(len(c.request("GET",
                                       "/logstores/new-byok/shards").json), 3)
        r = c.create_logstore({"logstoreName": "new-off", "ttl": 30,
                               "shardCount": 1,
                               "encrypt_conf": byok_conf(key=KEY_OFF)})
        self.assertEqual(r.status // 100, 4, r.body)
        self.assertIsNone(self.stored("proj-a", "new-off"))
        r = c.create_logstore({"logstoreName": "new-bad", "ttl": 30,
                               "shardCount": 1,
                               "encrypt_conf": {"enable": True,
                                                "encrypt_type": "rot13"}})
        self.assertEqual(r.status, 400, r.body)

    def test_delete_logstore_forgets_data_and_index(self):
        c = self.sls()
        self.assertOk(c.request("POST", "/logstores/data/index",
                                body={"line": {"token": [","]}}))
        self.assertOk(c.request("DELETE", "/logstores/data"))
        self.assertError(c.get_logstore("data"), 404, "LogStoreNotExist")
        self.assertOk(c.create_logstore({"logstoreName": "data", "ttl": 3,
                                         "shardCount": 1}))
        self.assertError(c.request("GET", "/logstores/data/index"), 400,
                         "IndexConfigNotExist")

    def test_create_project(self):
        c = self.sls(project="", region="cn-shanghai")
        self.assertOk(c.request("POST", "/", body={
            "projectName": "proj-new", "description": "moved here"}))
        r = self.sls(project="proj-new", region="cn-shanghai").request(
            "GET", "/")
        self.assertOk(r)
        self.assertEqual(r.json["description"], "moved here")
        self.assertEqual(r.json["region"], "cn-shanghai")
        self.assertEqual(r.json["owner"], ACCOUNT)
        self.assertError(c.request("POST", "/", body={
            "projectName": "proj-a"}), 400, "ProjectAlreadyExist")
        self.assertError(c.request("POST", "/", body={
            "projectName": "Bad_Name"}), 400, "ParameterInvalid")

    def test_index_apis_keep_the_whole_config(self):
        c = self.sls()
        index = {"line": {"token": [",", " "], "caseSensitive": False},
                 "keys": {"status": {"type": "long"}},
                 "x_future": {"kept": [1]}, "ttl": 30}
        self.assertError(c.request("GET", "/logstores/data/index"), 400,
                         "IndexConfigNotExist")
        self.assertOk(c.request("POST", "/logstores/data/index", body=index))
        self.assertError(c.request("POST", "/logstores/data/index",
                                   body=index), 400, "IndexAlreadyExist")
        got = c.request("GET", "/logstores/data/index").json
        self.assertIn("lastModifyTime", got)
        del got["lastModifyTime"]
        self.assertEqual(got, index)
        index["keys"]["code"] = {"type": "text"}
        self.assertOk(c.request("PUT", "/logstores/data/index", body=index))
        self.assertIn("code", c.request("GET",
                                        "/logstores/data/index").json["keys"])
        self.assertError(c.request("PUT", "/logstores/nope/index",
                                   body=index), 404, "LogStoreNotExist")
        self.assertError(c.request("POST", "/logstores/plain/index",
                                   body={"keys": []}), 400,
                         "ParameterInvalid")

    def test_listings_that_name_a_logstore(self):
        c = self.sls()
        r = c.request("GET", "/configs")
        self.assertEqual(r.json["configs"], ["nginx"])
        r = c.request("GET", "/configs/nginx")
        self.assertEqual(r.json["outputDetail"]["logstoreName"], "data")
        self.assertError(c.request("GET", "/configs/none"), 404,
                         "ConfigNotExist")
        r = c.request("GET", "/jobs", {"jobType": "Alert"})
        self.assertEqual([j["name"] for j in r.json["results"]], ["alert-1"])
        r = c.request("GET", "/jobs", {"jobType": "ETL"})
        self.assertEqual(r.json["total"], 1)
        r = c.request("GET", "/dashboards")
        self.assertEqual(r.json["dashboardItems"][0]["dashboardName"],
                         "dash")
        r = c.request("GET", "/dashboards/dash")
        self.assertEqual(r.json["charts"][0]["search"]["logstore"], "data")
        r = c.request("GET", "/savedsearches/s1")
        self.assertEqual(r.json["logstore"], "data")
        r = c.request("GET", "/logstores/data/shipper")
        self.assertEqual(r.json["shipper"], ["to-oss"])
        # none of it leaks into GetProject
        r = c.request("GET", "/")
        for key in ("jobs", "dashboards", "logtail_configs", "shippers"):
            self.assertNotIn(key, r.json)
        self.assertEqual(json.loads(json.dumps(r.json))["projectName"],
                         "proj-a")


if __name__ == "__main__":
    unittest.main()
