"""SLS authentication over HTTP: V1 (hmac-sha1, hmac-sha256) and V4
signatures, keys, tokens, the clock window, body digests, required headers."""

import email.utils
import hashlib
import json
import time
import unittest

from emuclient import (OLD_AK, OLD_SECRET, OLD_TOKEN, STS_AK, STS_SECRET,
                       STS_TOKEN, EmulatorCase)

SIGS = ("v1", "v1-sha256", "v4")


def flip(value):
    """The value with one character (next to last) changed, keeping it a
    valid base64 or hex digit."""
    c = "1" if value[-2] != "1" else "2"
    return value[:-2] + c + value[-1]


class SignatureTests(EmulatorCase):

    def test_valid_requests_pass_with_every_algorithm(self):
        for sig in SIGS:
            with self.subTest(sig=sig):
                r = self.sls(sig=sig).get_logstore("plain")
                self.assertOk(r)
                self.assertEqual(r.json["logstoreName"], "plain")
                self.assertTrue(r.headers.get("x-log-requestid"))

    def test_writes_with_a_body_pass_with_every_algorithm(self):
        for sig in SIGS:
            with self.subTest(sig=sig):
                c = self.sls(sig=sig)
                body = c.get_logstore("plain").json
                body["ttl"] = 40
                self.assertOk(c.update_logstore("plain", body))

    def test_one_changed_signature_byte_is_refused(self):
        def tamper(h):
            h["Authorization"] = flip(h["Authorization"])
        for sig in SIGS:
            with self.subTest(sig=sig):
                r = self.sls(sig=sig).get_logstore("plain", after_sign=tamper)
                self.assertError(r, 401, "SignatureNotMatch")

    def test_a_changed_signed_header_is_refused(self):
        def tamper(h):
            h["x-log-bodyrawsize"] = "1"
        for sig in SIGS:
            with self.subTest(sig=sig):
                r = self.sls(sig=sig).get_logstore("plain", after_sign=tamper)
                self.assertError(r, 401, "SignatureNotMatch")

    def test_a_changed_query_value_is_refused(self):
        for sig in SIGS:
            with self.subTest(sig=sig):
                r = self.sls(sig=sig).request(
                    "GET", "/logstores", {"offset": "0", "size": "10"},
                    raw_target="/logstores?offset=1&size=10")
                self.assertError(r, 401, "SignatureNotMatch")

    def test_v4_signs_the_host_and_v1_does_not(self):
        def other_host(h):
            h["Host"] = "proj-a.cn-hangzhou-intranet.log.aliyuncs.com"
        self.assertOk(self.sls(sig="v1").get_logstore(
            "plain", after_sign=other_host))
        self.assertError(self.sls(sig="v4").get_logstore(
            "plain", after_sign=other_host), 401, "SignatureNotMatch")

    def test_wrong_secret_and_unknown_key(self):
        for sig in SIGS:
            with self.subTest(sig=sig):
                self.assertError(self.sls(sig=sig, secret="nope")
                                 .get_logstore("plain"),
                                 401, "SignatureNotMatch")
                self.assertError(self.sls(sig=sig, ak="LTAInobody")
                                 .get_logstore("plain"),
                                 401, "InvalidAccessKeyId")

    def test_v4_scope_must_name_the_endpoint_region(self):
        c = self.sls(sig="v4")
        c.region = "cn-shanghai"            # signs for another region
        c.endpoint = "cn-hangzhou.log.aliyuncs.com"
        self.assertError(c.get_logstore("plain"), 401, "SignatureNotMatch")


class BodyDigestTests(EmulatorCase):

    def test_v1_content_md5_is_checked_against_the_body(self):
        c = self.sls()
        before = self.stored("proj-a", "plain")
        body = c.get_logstore("plain").json
        body["ttl"] = 41
        wrong = {"Content-MD5": "0" * 32}
        self.assertError(c.update_logstore("plain", body, headers=wrong),
                         400, "InvalidContentMD5")
        lower = {"Content-MD5": hashlib.md5(
            json.dumps(body).encode()).hexdigest()}
        self.assertError(c.update_logstore("plain", body, headers=lower),
                         400, "InvalidContentMD5")
        self.assertError(c.update_logstore("plain", body,
                                           headers={"Content-MD5": None}),
                         400, "MissingContentMD5")
        self.assertEqual(self.stored("proj-a", "plain"), before)

    def test_v4_content_sha256_is_checked_against_the_body(self):
        c = self.sls(sig="v4")
        body = c.get_logstore("plain").json
        self.assertError(c.update_logstore(
            "plain", body, headers={"x-log-content-sha256": "0" * 64}),
            400, "InvalidContentSha256")
        self.assertError(c.update_logstore(
            "plain", body, headers={"x-log-content-sha256": None}),
            400, "MissingContentSha256")


class TokenTests(EmulatorCase):

    def test_sts_key_works_only_with_its_token(self):
        for sig in SIGS:
            with self.subTest(sig=sig):
                ok = self.sls(sig=sig, ak=STS_AK, secret=STS_SECRET,
                              token=STS_TOKEN)
                self.assertOk(ok.get_logstore("plain"))
                for token in (None, "CAISsomethingElse", OLD_TOKEN):
                    r = self.sls(sig=sig, ak=STS_AK, secret=STS_SECRET,
                                 token=token).get_logstore("plain")
                    self.assertError(r, 401, "Unauthorized")

    def test_token_with_a_permanent_key_is_refused(self):
        r = self.sls(token=STS_TOKEN).get_logstore("plain")
        self.assertError(r, 401, "Unauthorized")

    def test_expired_sts_key_is_refused(self):
        for sig in SIGS:
            with self.subTest(sig=sig):
                r = self.sls(sig=sig, ak=OLD_AK, secret=OLD_SECRET,
                             token=OLD_TOKEN).get_logstore("plain")
                self.assertError(r, 401, "SecurityTokenExpired")


class ClockTests(EmulatorCase):

    def test_requests_more_than_15_minutes_off_are_refused(self):
        now = time.time()
        for sig in SIGS:
            for skew in (-16 * 60, 16 * 60):
                with self.subTest(sig=sig, skew=skew):
                    r = self.sls(sig=sig).get_logstore("plain", t=now + skew)
                    self.assertError(r, 400, "RequestTimeExpired")
            for skew in (-14 * 60, 14 * 60):
                with self.subTest(sig=sig, skew=skew):
                    self.assertOk(self.sls(sig=sig).get_logstore(
                        "plain", t=now + skew))

    def test_every_answer_has_a_date_header_from_the_emulator_clock(self):
        for r in (self.sls().get_logstore("plain"),
                  self.sls().get_logstore("missing"),
                  self.sls(ak="nobody").get_logstore("plain")):
            t = email.utils.parsedate_to_datetime(r.headers["date"])
            self.assertLess(abs(t.timestamp() - time.time()), 5)

    def test_x_log_date_overrides_date_for_the_window_in_v1(self):
        stale = {"x-log-date": time.strftime(
            "%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() - 3600))}
        self.assertError(self.sls().get_logstore("plain", headers=stale),
                         400, "RequestTimeExpired")


class SkewedClockTests(EmulatorCase):
    """The emulator an hour ahead, as a clock-skew correction test uses."""

    options = {"clock_offset": 3600}

    def test_client_corrects_from_the_server_date(self):
        r = self.sls().get_logstore("plain")
        self.assertError(r, 400, "RequestTimeExpired")
        server = email.utils.parsedate_to_datetime(r.headers["date"])
        self.assertAlmostEqual(server.timestamp() - time.time(), 3600,
                               delta=5)
        self.assertOk(self.sls().get_logstore("plain",
                                              t=server.timestamp()))


class HeaderRuleTests(EmulatorCase):

    def test_required_headers(self):
        c = self.sls()
        cases = [
            ({"Date": None}, 400, "MissingDate"),
            ({"x-log-apiversion": None}, 400, "MissingAPIVersion"),
            ({"x-log-apiversion": "0.5.0"}, 400, "InvalidAPIVersion"),
            ({"x-log-signaturemethod": None}, 400, "MissingSignatureMethod"),
            ({"x-log-signaturemethod": "hmac-md5"}, 400,
             "InvalidSignatureMethod"),
            ({"Date": "二, 14 8 2018 08:00:00 GMT"}, 400,
             "InvalidRequestTime"),
            ({"Date": "2022-01-03T08:33:47Z"}, 400, "InvalidRequestTime"),
            ({"x-log-bodyrawsize": "abc"}, 400, "InvalidBodyRawSize"),
        ]
        for headers, status, code in cases:
            with self.subTest(headers=headers):
                self.assertError(c.get_logstore("plain", headers=headers),
                                 status, code)

    def test_body_headers(self):
        c = self.sls()
        body = c.get_logstore("plain").json
        self.assertError(c.update_logstore(
            "plain", body, headers={"Content-Type": None}),
            400, "MissingContentType")
        self.assertOk(c.update_logstore(
            "plain", body, headers={"x-log-bodyrawsize": None}))
        r = c.request("POST", "/logstores/plain/shards/lb", body=b"\x04x",
                      headers={"Content-Type": "application/x-protobuf",
                               "x-log-compresstype": "lz4",
                               "x-log-bodyrawsize": None})
        self.assertError(r, 400, "MissingBodyRawSize")

    def test_an_empty_content_md5_without_a_body_is_no_md5(self):
        for sig in ("v1", "v1-sha256"):
            with self.subTest(sig=sig):
                self.assertOk(self.sls(sig=sig).get_logstore(
                    "plain", headers={"Content-MD5": ""}))
        body = self.sls().get_logstore("plain").json
        self.assertError(self.sls().update_logstore(
            "plain", body, headers={"Content-MD5": ""}),
            400, "MissingContentMD5")

    def test_chunked_bodies_are_verified_like_others(self):
        for sig in SIGS:
            with self.subTest(sig=sig):
                c = self.sls(sig=sig)
                body = c.get_logstore("plain").json
                body["ttl"] = 33
                self.assertOk(c.update_logstore("plain", body, chunked=True))
                self.assertEqual(c.get_logstore("plain").json["ttl"], 33)

                def tamper(h):
                    h["x-log-bodyrawsize"] = "7"
                self.assertError(c.update_logstore(
                    "plain", body, chunked=True, after_sign=tamper),
                    401, "SignatureNotMatch")

    def test_authorization_shapes(self):
        def drop(h):
            del h["Authorization"]

        def empty_ak(h):
            h["Authorization"] = "LOG :" + h["Authorization"].split(":")[1]

        def other(h):
            h["Authorization"] = "Basic abc"
        self.assertError(self.sls().get_logstore("plain", after_sign=drop),
                         401, "Unauthorized")
        self.assertError(self.sls().get_logstore("plain",
                                                 after_sign=empty_ak),
                         400, "ParameterInvalid")
        self.assertError(self.sls().get_logstore("plain", after_sign=other),
                         400, "ParameterInvalid")
        self.assertError(self.sls(sig="v4").get_logstore(
            "plain", headers={"x-log-date": None}), 400, "MissingDate")


class QueryEncodingTests(EmulatorCase):
    """Values are decoded before canonicalising, whatever the encoding."""

    def test_raw_and_encoded_special_characters(self):
        value = "p*(x)!y z"
        targets = [
            "/logstores?logstoreName=p*(x)!y%20z&offset=0",
            "/logstores?logstoreName=p%2A%28x%29%21y+z&offset=0",
            "/logstores?offset=0&logstoreName=p%2a(x)%21y%20z",
        ]
        for sig in SIGS:
            for target in targets:
                with self.subTest(sig=sig, target=target):
                    r = self.sls(sig=sig).request(
                        "GET", "/logstores",
                        [("logstoreName", value), ("offset", "0")],
                        raw_target=target)
                    self.assertOk(r)
                    self.assertEqual(r.json["total"], 0)

    def test_utf8_project_name_filter(self):
        r = self.sls(project="").request(
            "GET", "/", [("projectName", "my proj/ä"), ("offset", "0")])
        self.assertOk(r)

    def test_invalid_utf8_in_query_is_refused(self):
        r = self.sls().request("GET", "/logstores",
                               [("logstoreName", "x")],
                               raw_target="/logstores?logstoreName=%FF")
        self.assertEqual(r.status, 400)


if __name__ == "__main__":
    unittest.main()
