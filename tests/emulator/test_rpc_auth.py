"""RPC authentication over HTTP: signature V1 as GET, POST form and POST
query, and ACS3-HMAC-SHA256; keys, tokens, the clock window, nonces, the
Version/Action envelope and the error shape."""

import time
import unittest
import urllib.parse

from emuclient import (OLD_AK, OLD_SECRET, OLD_TOKEN, STS_AK, STS_SECRET,
                       STS_TOKEN, USER_AK, USER_SECRET, EmulatorCase,
                       Http)

STYLES = ("get", "post-form", "post-query", "acs3", "acs3-form")


class SignatureTests(EmulatorCase):

    def test_every_style_is_accepted(self):
        for style in STYLES:
            with self.subTest(style=style):
                r = self.rpc("sts", style=style).call("GetCallerIdentity")
                self.assertOk(r)
                self.assertTrue(r.json["RequestId"])
                self.assertTrue(r.headers.get("x-acs-request-id"))

    def test_a_changed_signature_is_refused(self):
        def v1(p):
            p["Signature"] = ("A" if p["Signature"][0] != "A" else "B") + \
                p["Signature"][1:]

        def acs3(h):
            auth = h["Authorization"]
            h["Authorization"] = auth[:-1] + ("0" if auth[-1] != "0"
                                              else "1")
        for style in STYLES:
            with self.subTest(style=style):
                r = self.rpc("sts", style=style).call(
                    "GetCallerIdentity",
                    after_sign=acs3 if style.startswith("acs3") else v1)
                self.assertError(r, 400, "SignatureDoesNotMatch")

    def test_a_changed_parameter_is_refused(self):
        def v1(p):
            p["RoleName"] = "AdminRolf"

        def acs3(h):
            seconds = "58Z" if h["x-acs-date"].endswith("59Z") else "59Z"
            h["x-acs-date"] = h["x-acs-date"][:-3] + seconds
        for style in ("get", "post-form", "post-query"):
            with self.subTest(style=style):
                r = self.rpc("ram", style=style).call(
                    "GetRole", {"RoleName": "AdminRole"}, after_sign=v1)
                self.assertError(r, 400, "SignatureDoesNotMatch")
                self.assertIn("server string to sign is:GET&%2F&"
                              if style == "get" else
                              "server string to sign is:POST&%2F&",
                              r.json["Message"])
        r = self.rpc("ram", style="acs3").call(
            "GetRole", {"RoleName": "AdminRole"}, after_sign=acs3)
        self.assertError(r, 400, "SignatureDoesNotMatch")

    def test_the_http_method_is_signed(self):
        signed = {}
        self.assertOk(self.rpc("sts").call("GetCallerIdentity",
                                           after_sign=signed.update))
        query = urllib.parse.urlencode(signed)
        h = Http(self.port)
        self.addCleanup(h.close)
        r = h.send("POST", "/?" + query, {"Host": "sts.aliyuncs.com"})
        self.assertError(r, 400, "SignatureDoesNotMatch")

    def test_wrong_secret_and_unknown_key(self):
        for style in STYLES:
            with self.subTest(style=style):
                self.assertError(self.rpc("sts", style=style, secret="x")
                                 .call("GetCallerIdentity"),
                                 400, "SignatureDoesNotMatch")
                self.assertError(self.rpc("sts", style=style, ak="LTAIno")
                                 .call("GetCallerIdentity"),
                                 404, "InvalidAccessKeyId.NotFound")

    def test_wire_encoding_does_not_matter(self):
        def raw(s):
            return urllib.parse.quote_plus(str(s), safe="*()!~:")
        for style in ("get", "post-form", "post-query"):
            with self.subTest(style=style):
                r = self.rpc("ram", style=style).call(
                    "CreateRole", {
                        "RoleName": "enc-" + style,
                        "Description": "a *b* (c)! ~ é + d",
                        "AssumeRolePolicyDocument": '{"Statement":[{"Action":'
                        '"sts:AssumeRole","Effect":"Allow","Principal":'
                        '{"Service":["log.aliyuncs.com"]}}],"Version":"1"}'},
                    quote=raw)
                self.assertOk(r)
                self.assertEqual(r.json["Role"]["Description"],
                                 "a *b* (c)! ~ é + d")

    def test_acs3_requires_host_and_x_acs_headers_to_be_signed(self):
        def unsigned(h):
            h["x-acs-extra"] = "1"
        r = self.rpc("sts", style="acs3").call("GetCallerIdentity",
                                               after_sign=unsigned)
        self.assertError(r, 400, "IncompleteSignature")

        def garbled(h):
            h["Authorization"] = "ACS3-HMAC-SHA256 Credential=x"
        r = self.rpc("sts", style="acs3").call("GetCallerIdentity",
                                               after_sign=garbled)
        self.assertError(r, 400, "IncompleteSignature")

    def test_acs3_form_body_parameters(self):
        r = self.rpc("ram", style="acs3-form").call(
            "GetRole", {"RoleName": "AdminRole"})
        self.assertOk(r)
        self.assertEqual(r.json["Role"]["RoleName"], "AdminRole")

    def test_acs3_body_must_match_its_content_sha256(self):
        def other_body(h):
            return b"RoleName=NoCryptoRole"
        r = self.rpc("ram", style="acs3-form").call(
            "GetRole", {"RoleName": "AdminRole"}, after_sign=other_body)
        self.assertError(r, 400, "InvalidContentSha256")

    def test_acs3_content_sha256_header_is_signed(self):
        def wrong(h):
            h["x-acs-content-sha256"] = "0" * 64
        r = self.rpc("sts", style="acs3").call("GetCallerIdentity",
                                               after_sign=wrong)
        self.assertError(r, 400, "SignatureDoesNotMatch")


class ClockAndNonceTests(EmulatorCase):

    def test_timestamps_more_than_15_minutes_off_are_refused(self):
        now = time.time()
        for style in STYLES:
            for skew in (-16 * 60, 16 * 60):
                with self.subTest(style=style, skew=skew):
                    r = self.rpc("sts", style=style).call(
                        "GetCallerIdentity", t=now + skew)
                    self.assertError(r, 400, "InvalidTimeStamp.Expired")
            with self.subTest(style=style, skew=-14 * 60):
                self.assertOk(self.rpc("sts", style=style).call(
                    "GetCallerIdentity", t=now - 14 * 60))

    def test_a_reused_nonce_is_refused(self):
        for style in STYLES:
            with self.subTest(style=style):
                c = self.rpc("sts", style=style)
                nonce = "nonce-" + style
                self.assertOk(c.call("GetCallerIdentity", nonce=nonce))
                self.assertError(c.call("GetCallerIdentity", nonce=nonce),
                                 400, "SignatureNonceUsed")

    def test_a_forged_request_does_not_burn_the_nonce(self):
        c = self.rpc("sts")
        self.assertError(self.rpc("sts", secret="bad").call(
            "GetCallerIdentity", nonce="n-1"), 400, "SignatureDoesNotMatch")
        self.assertOk(c.call("GetCallerIdentity", nonce="n-1"))

    def test_malformed_timestamp(self):
        r = self.rpc("sts").call("GetCallerIdentity",
                                 common={"Timestamp": "2024-01-02 03:04:05"})
        self.assertError(r, 400, "IllegalTimestamp")
        r = self.rpc("sts").call("GetCallerIdentity",
                                 common={"Timestamp": "2024-01-02T03:04:05."
                                         "123Z"})
        self.assertError(r, 400, "IllegalTimestamp")


class TokenTests(EmulatorCase):

    def test_sts_key_with_and_without_its_token(self):
        for style in STYLES:
            with self.subTest(style=style):
                ok = self.rpc("sts", style=style, ak=STS_AK,
                              secret=STS_SECRET, token=STS_TOKEN)
                self.assertOk(ok.call("GetCallerIdentity"))
                missing = self.rpc("sts", style=style, ak=STS_AK,
                                   secret=STS_SECRET)
                self.assertError(missing.call("GetCallerIdentity"), 400,
                                 "InvalidSecurityToken.MismatchWithAccessKey")
                other = self.rpc("sts", style=style, ak=STS_AK,
                                 secret=STS_SECRET, token=OLD_TOKEN)
                self.assertError(other.call("GetCallerIdentity"), 400,
                                 "InvalidSecurityToken.MismatchWithAccessKey")
                junk = self.rpc("sts", style=style, ak=STS_AK,
                                secret=STS_SECRET, token="garbage")
                self.assertError(junk.call("GetCallerIdentity"), 400,
                                 "InvalidSecurityToken.Malformed")

    def test_token_with_a_permanent_key(self):
        r = self.rpc("sts", token=STS_TOKEN).call("GetCallerIdentity")
        self.assertError(r, 400, "InvalidSecurityToken.MismatchWithAccessKey")

    def test_expired_sts_key(self):
        for style in STYLES:
            with self.subTest(style=style):
                r = self.rpc("sts", style=style, ak=OLD_AK, secret=OLD_SECRET,
                             token=OLD_TOKEN).call("GetCallerIdentity")
                self.assertError(r, 400, "InvalidSecurityToken.Expired")


class EnvelopeTests(EmulatorCase):

    def test_version_must_match_the_product(self):
        for product, wrong in (("ram", "2016-01-20"), ("kms", "2015-05-01"),
                               ("sts", "2015-05-01")):
            for style in ("get", "acs3"):
                with self.subTest(product=product, style=style):
                    r = self.rpc(product, style=style).call(
                        "GetCallerIdentity", version=wrong)
                    self.assertError(r, 400, "InvalidVersion")

    def test_unknown_action(self):
        for style in ("get", "acs3"):
            r = self.rpc("ram", style=style).call("CreateUniverse")
            self.assertError(r, 404, "InvalidAction.NotFound")

    def test_missing_parameters(self):
        r = self.rpc("ram").call("GetRole")
        self.assertError(r, 400, "MissingParameter")
        self.assertIn("RoleName", r.json["Message"])
        for name in ("AccessKeyId", "SignatureNonce", "Timestamp",
                     "SignatureMethod", "SignatureVersion"):
            with self.subTest(name=name):
                r = self.rpc("ram").call("GetRole", {"RoleName": "x"},
                                         common={name: None})
                self.assertError(r, 400, "Missing" + name)
        r = self.rpc("ram").call("GetRole", {"RoleName": "x"},
                                 common={"Version": None})
        self.assertError(r, 400, "MissingVersion")

        def unsigned(p):
            del p["Signature"]
        r = self.rpc("ram").call("GetRole", {"RoleName": "x"},
                                 after_sign=unsigned)
        self.assertError(r, 400, "MissingSignature")

    def test_signature_method_and_version_values(self):
        r = self.rpc("sts").call("GetCallerIdentity",
                                 common={"SignatureMethod": "HMAC-SHA256"})
        self.assertError(r, 400, "InvalidSignatureMethod")
        r = self.rpc("sts").call("GetCallerIdentity",
                                 common={"SignatureVersion": "2.0"})
        self.assertError(r, 400, "InvalidSignatureVersion")

    def test_format_json_in_either_case(self):
        self.assertOk(self.rpc("sts").call("GetCallerIdentity",
                                           common={"Format": "json"}))
        for fmt in ("XML", None):
            with self.subTest(fmt=fmt):
                r = self.rpc("sts").call("GetCallerIdentity",
                                         common={"Format": fmt})
                self.assertError(r, 400, "InvalidParameter.Format")

    def test_error_shape(self):
        r = self.rpc("ram").call("GetRole", {"RoleName": "Ghost"})
        self.assertError(r, 404, "EntityNotExist.Role")
        self.assertEqual(list(r.json), ["RequestId", "HostId", "Code",
                                        "Message", "Recommend"])
        self.assertEqual(r.json["HostId"], "ram.aliyuncs.com")
        self.assertIn("EntityNotExist.Role", r.json["Recommend"])
        self.assertIn("date", r.headers)

    def test_only_get_and_post(self):
        h = Http(self.port)
        r = h.send("PUT", "/?Action=GetRole", {"Host": "ram.aliyuncs.com"})
        h.close()
        self.assertEqual(r.status, 400)
        self.assertEqual(r.code, "UnsupportedHTTPMethod")

    def test_a_ram_user_key_signs_too(self):
        r = self.rpc("sts", ak=USER_AK, secret=USER_SECRET).call(
            "GetCallerIdentity")
        self.assertEqual(r.json["IdentityType"], "RAMUser")


if __name__ == "__main__":
    unittest.main()
