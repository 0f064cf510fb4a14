"""ECS instance metadata (IMDSv1/v2) and the credentials URI hand out STS
credentials that really work against the emulator."""

import unittest

from emuclient import ACCOUNT, EmulatorCase, Http, base_state

IMDS = {"Host": "100.100.100.200"}
CREDS = "/latest/meta-data/ram/security-credentials/"


class ImdsTests(EmulatorCase):

    def get(self, path, token=None):
        h = dict(IMDS)
        if token:
            h["X-aliyun-ecs-metadata-token"] = token
        c = Http(self.port)
        self.addCleanup(c.close)
        return c.send("GET", path, h)

    def token(self, ttl="21600"):
        c = Http(self.port)
        self.addCleanup(c.close)
        h = dict(IMDS)
        if ttl is not None:
            h["X-aliyun-ecs-metadata-token-ttl-seconds"] = ttl
        return c.send("PUT", "/latest/api/token", h)

    def test_imdsv1_role_listing_and_credentials(self):
        r = self.get(CREDS)
        self.assertOk(r)
        self.assertEqual(r.body, b"AdminRole")
        r = self.get(CREDS + "AdminRole")
        self.assertOk(r)
        creds = r.json
        self.assertEqual(creds["Code"], "Success")
        for field in ("AccessKeyId", "AccessKeySecret", "SecurityToken",
                      "Expiration", "LastUpdated"):
            self.assertIn(field, creds)
        self.assertEqual(self.get(CREDS + "AdminRole").json["AccessKeyId"],
                         creds["AccessKeyId"], "reused until near expiry")
        sts = self.rpc("sts", ak=creds["AccessKeyId"],
                       secret=creds["AccessKeySecret"],
                       token=creds["SecurityToken"])
        who = sts.call("GetCallerIdentity").json
        self.assertEqual((who["AccountId"], who["IdentityType"]),
                         (ACCOUNT, "AssumedRoleUser"))
        sls = self.sls(ak=creds["AccessKeyId"],
                       secret=creds["AccessKeySecret"],
                       token=creds["SecurityToken"])
        self.assertOk(sls.get_logstore("plain"))

    def test_imdsv2_token(self):
        r = self.token()
        self.assertOk(r)
        token = r.body.decode()
        self.assertOk(self.get(CREDS, token))
        self.assertEqual(self.get(CREDS, "forged").status, 401)
        for ttl in (None, "0", "21601", "x"):
            with self.subTest(ttl=ttl):
                self.assertEqual(self.token(ttl).status, 400)

    def test_imdsv2_token_expires_with_the_emulator_clock(self):
        token = self.token("60").body.decode()
        self.control("POST", "faults", {"clock_offset": 61})
        self.assertEqual(self.get(CREDS, token).status, 401)

    def test_wrong_role_and_unknown_paths(self):
        self.assertEqual(self.get(CREDS + "OtherRole").status, 404)
        self.assertEqual(self.get("/latest/meta-data/instance-id").status,
                         404)


class HardenedImdsTests(EmulatorCase):

    def state(self):
        s = base_state()
        s["ecs"]["require_token"] = True
        return s

    def test_hardened_mode_requires_a_token(self):
        c = Http(self.port)
        self.addCleanup(c.close)
        self.assertEqual(c.send("GET", CREDS, IMDS).status, 403)
        token = c.send("PUT", "/latest/api/token", dict(
            IMDS, **{"X-aliyun-ecs-metadata-token-ttl-seconds": "30"})).body
        r = c.send("GET", CREDS, dict(
            IMDS, **{"X-aliyun-ecs-metadata-token": token.decode()}))
        self.assertOk(r)


class NoEcsTests(EmulatorCase):

    def state(self):
        s = base_state()
        del s["ecs"]
        del s["credentials_uri"]
        return s

    def test_no_role_and_no_uri_configured(self):
        c = Http(self.port)
        self.addCleanup(c.close)
        self.assertEqual(c.send("GET", CREDS, IMDS).status, 404)
        r = c.send("GET", "/__emulator/credentials-uri", {"Host": "x"})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json["Code"], "NotConfigured")


class CredentialsUriTests(EmulatorCase):

    def test_fresh_working_credentials(self):
        c = Http(self.port)
        self.addCleanup(c.close)
        first = c.send("GET", "/__emulator/credentials-uri",
                       {"Host": "localhost"})
        self.assertOk(first)
        creds = first.json
        self.assertEqual(creds["Code"], "Success")
        self.assertTrue(creds["AccessKeyId"].startswith("STS."))
        self.assertRegex(creds["Expiration"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        second = c.send("GET", "/__emulator/credentials-uri",
                        {"Host": "localhost"}).json
        self.assertNotEqual(second["AccessKeyId"], creds["AccessKeyId"])
        kms = self.rpc("kms", ak=creds["AccessKeyId"],
                       secret=creds["AccessKeySecret"],
                       token=creds["SecurityToken"], style="acs3")
        self.assertOk(kms.call("ListKeys"))

    def test_credentials_uri_is_subject_to_the_fault_queue(self):
        self.control("POST", "faults", {"next": [
            {"status": 503, "code": "ServiceUnavailable",
             "match": {"service": "credentials-uri"}}]})
        c = Http(self.port)
        self.addCleanup(c.close)
        r = c.send("GET", "/__emulator/credentials-uri", {"Host": "x"})
        self.assertEqual(r.status, 503)
        self.assertOk(c.send("GET", "/__emulator/credentials-uri",
                             {"Host": "x"}))


if __name__ == "__main__":
    unittest.main()
