"""Known-answer tests of the emulator's verifier (emulator/signing.py)
against the vectors published in the official SDKs' unit tests and the
Alibaba Cloud docs (the same vectors as tests/core/test_sign.c)."""

import hashlib
import unittest

from emulator import signing

MOCK_AK, MOCK_SK = "mockAccessKeyID", "mockAccessKeySecret"
DATE_2022 = "Mon, 03 Jan 2022 08:33:47 GMT"
BODY_A = (b'{"logstoreName":"my-logstore","ttl":30,"shardCount":2,'
          b'"encrypt_conf":{"enable":true,"encrypt_type":"default"}}')


def hdrs(**kv):
    """Headers as the verifier takes them: lower-case name -> [values]."""
    return {k.replace("_", "-").lower(): [v] for k, v in kv.items()}


def v1(secret, method, path, query, headers, algo="hmac-sha1"):
    sts = signing.sls_v1_string_to_sign(method, path, query, headers)
    return signing.sls_v1_signature(secret, sts, algo)


class SlsV1Vectors(unittest.TestCase):
    """SLS V1 (hmac-sha1 and hmac-sha256)."""

    def test_go_get_string_to_sign_and_signature(self):
        h = hdrs(x_log_apiversion="0.6.0", x_log_signaturemethod="hmac-sha1",
                 x_log_bodyrawsize="0", date="Mon, 3 Jan 2010 08:33:47 GMT")
        self.assertEqual(
            signing.sls_v1_string_to_sign("GET", "/logstores", [], h),
            "GET\n\n\nMon, 3 Jan 2010 08:33:47 GMT\nx-log-apiversion:0.6.0\n"
            "x-log-bodyrawsize:0\nx-log-signaturemethod:hmac-sha1\n"
            "/logstores")
        self.assertEqual(v1(MOCK_SK, "GET", "/logstores", [], h),
                         "Rwm6cTKzoti4HWoe+GKcb6Kv07E=")

    def test_go_post_with_protobuf_md5(self):
        h = hdrs(x_log_apiversion="0.6.0", x_log_signaturemethod="hmac-sha1",
                 x_log_bodyrawsize="50", date="Mon, 3 Jan 2010 08:33:47 GMT",
                 content_md5="8D6881250FF5559F59BBDF04100F6E59",
                 content_type="application/x-protobuf")
        self.assertEqual(v1(MOCK_SK, "GET", "/logstores/app_log", [], h),
                         "87xQWqFaOSewqRIma8kPjGYlXHc=")

    def test_node_get_with_empty_query_value(self):
        h = hdrs(x_log_apiversion="0.6.0", x_log_signaturemethod="hmac-sha1",
                 date="Mon, 09 Nov 2015 06:11:16 GMT")
        q = [("logstoreName", ""), ("offset", "0"), ("size", "1000")]
        self.assertTrue(signing.sls_v1_string_to_sign(
            "GET", "/logstores", q, h).endswith(
            "\n/logstores?logstoreName=&offset=0&size=1000"))
        self.assertEqual(v1("4fdO2fTDDnZPU/L7CHNdemB2Nsk=", "GET",
                            "/logstores", q, h),
                         "jEYOTCJs2e88o+y5F4/S5IsnBJQ=")

    def test_node_post_with_compresstype(self):
        h = hdrs(x_log_apiversion="0.6.0", x_log_signaturemethod="hmac-sha1",
                 x_log_bodyrawsize="50", x_log_compresstype="lz4",
                 date="Mon, 09 Nov 2015 06:03:03 GMT",
                 content_md5="1DD45FA4A70A9300CC9FE7305AF2C494",
                 content_type="application/x-protobuf")
        self.assertEqual(v1("4fdO2fTDDnZPU/L7CHNdemB2Nsk=", "POST",
                            "/logstores/test-logstore", [], h),
                         "XWLGYHGg2F2hcfxWxMLiNkGki6g=")

    def _rust_headers(self, token=None):
        h = hdrs(x_log_apiversion="0.6.0", x_log_signaturemethod="hmac-sha1",
                 date="Thu, 01 Jan 1970 00:00:00 GMT",
                 content_md5="CE688F8D1AC3ED309BA9BE0A5ABAFCE5",
                 content_type="application/json")
        if token:
            h["x-acs-security-token"] = [token]
        return h

    def test_rust_vectors(self):
        bare = hdrs(x_log_apiversion="0.6.0",
                    x_log_signaturemethod="hmac-sha1",
                    date="Thu, 01 Jan 1970 00:00:00 GMT")
        self.assertEqual(v1("", "GET", "/", [], bare),
                         "SApFTtfTFKHmzdEdaMe5TjNn+RQ=")
        q = [("type", "log"), ("offset", "0"), ("line", "100")]
        self.assertEqual(v1("test-access-key", "POST",
                            "/logstores/test-logstore", q,
                            self._rust_headers()),
                         "4pL2xZJERC3tPKtRiHh9+nMG3tI=")
        self.assertEqual(v1("test-access-key", "POST",
                            "/logstores/test-logstore", q,
                            self._rust_headers("test-security-token")),
                         "ZQt+0wIvpd+O9yIJKeKxZTJ2hv0=")
        q = [("type", "log"), ("count", "1000"),
             ("cursor", "MTczNzY2OTAzNjAxNzIxODQ1NA==")]
        self.assertEqual(v1("test-access-key", "POST", "/logstores/test/"
                            "shards/2", q,
                            self._rust_headers("test-security-token")),
                         "K3rw5WXRe77aZ/meSyEa8NNUYFc=")

    def _vector_a_headers(self, algo="hmac-sha1", token=True):
        h = hdrs(x_log_apiversion="0.6.0", x_log_signaturemethod=algo,
                 x_log_bodyrawsize="110", date=DATE_2022,
                 content_md5=hashlib.md5(BODY_A).hexdigest().upper(),
                 content_type="application/json")
        if token:
            h["x-acs-security-token"] = ["mockSecurityToken"]
        return h

    def test_computed_update_logstore_with_sts(self):
        h = self._vector_a_headers()
        self.assertEqual(h["content-md5"],
                         ["0973FD471B815DE6D3B5E62C2FCD702F"])
        self.assertEqual(
            signing.sls_v1_string_to_sign("PUT", "/logstores/my-logstore",
                                          [], h),
            "PUT\n0973FD471B815DE6D3B5E62C2FCD702F\napplication/json\n"
            "Mon, 03 Jan 2022 08:33:47 GMT\n"
            "x-acs-security-token:mockSecurityToken\nx-log-apiversion:0.6.0\n"
            "x-log-bodyrawsize:110\nx-log-signaturemethod:hmac-sha1\n"
            "/logstores/my-logstore")
        self.assertEqual(v1(MOCK_SK, "PUT", "/logstores/my-logstore", [], h),
                         "ZYDwCOz4V8U4yhZsA5uLa9drC6c=")

    def test_computed_list_project_decoded_utf8_query(self):
        h = hdrs(x_log_apiversion="0.6.0", x_log_signaturemethod="hmac-sha1",
                 x_log_bodyrawsize="0", date=DATE_2022)
        q = [("offset", "0"), ("size", "100"), ("projectName", "my proj/ä")]
        self.assertTrue(signing.sls_v1_string_to_sign("GET", "/", q, h)
                        .endswith("\n/?offset=0&projectName=my proj/ä"
                                  "&size=100"))
        self.assertEqual(v1(MOCK_SK, "GET", "/", q, h),
                         "6RBKscVCoDOR5DF2T2cMPA4uiT8=")

    def test_computed_sha256_variant(self):
        h = self._vector_a_headers("hmac-sha256", token=False)
        self.assertEqual(v1(MOCK_SK, "PUT", "/logstores/my-logstore", [], h,
                            "hmac-sha256"),
                         "08iyvcIl0JQTTfXURD2XrQLc+gEDtTM/cxtfnTBbqZI=")

    def test_x_log_date_is_not_signed_in_v1(self):
        h = self._vector_a_headers()
        h["x-log-date"] = ["20220103T083347Z"]
        self.assertEqual(v1(MOCK_SK, "PUT", "/logstores/my-logstore", [], h),
                         "ZYDwCOz4V8U4yhZsA5uLa9drC6c=")

    def test_md5_vectors(self):
        self.assertEqual(hashlib.md5(b" ").hexdigest().upper(),
                         "7215EE9C7D9DC229D2921A40E899EC5F")
        self.assertEqual(hashlib.md5(b"md5").hexdigest().upper(),
                         "1BC29B36F623BA82AAF6724FD3B16718")


class SlsV4Vectors(unittest.TestCase):
    """SLS4-HMAC-SHA256 (Go and Python SDK vectors)."""

    DATE = "20220808T032330Z"
    BODY = b"adasd= -asd zcas"
    HEADERS = {"hello": "world", "hello-Text": "a12X- ", " Ko ": "",
               "x-log-test": "het123", "x-acs-ppp": "dds"}
    PARAMS = [(" abc", "efg"), (" agc ", ""), ("", "efg"), ("A-bc", "eFg")]

    def sign(self, method, path, params, headers, body, region):
        h = {k.strip().lower(): [v] for k, v in headers.items()}
        h["x-log-date"] = [self.DATE]
        h["x-log-content-sha256"] = [hashlib.sha256(body).hexdigest()]
        creq = signing.sls_v4_canonical_request(method, path, params, h)
        return creq, signing.sls_v4_signature("zxasdasdasw2", self.DATE,
                                              region, creq)

    def test_full_vector(self):
        creq, sig = self.sign("POST", "/logstores", self.PARAMS,
                              self.HEADERS, self.BODY, "cn-hangzhou")
        lines = creq.split("\n")
        self.assertEqual(lines[2], "=efg& abc=efg& agc &A-bc=eFg")
        self.assertEqual(lines[-2], "x-acs-ppp;x-log-content-sha256;"
                         "x-log-date;x-log-test")
        self.assertEqual(lines[-1], "c7a4fd95f1d70933caf91641e8000768cea8610"
                         "0dc5649fd4f16fead718a62e4")
        self.assertEqual(sig, "a98f5632e93836e63839cd836a54055f480020a9364ca"
                         "944e2d34f2eb9bf1bed")

    def test_no_headers_no_params_shanghai(self):
        self.assertEqual(self.sign("POST", "/logstores", [], {}, self.BODY,
                                   "cn-shanghai")[1],
                         "8a10a5e723cb2e75964816de660b2c16a58af8bc0261f7f072"
                         "2d832468c76ce8")

    def test_empty_body_post_and_get(self):
        for method, want in (
                ("POST", "5a66d8f8051983e0e9d08e0f960ef9252ef971eead5bb5c7ac"
                         "ec8617a2eb2701"),
                ("GET", "d92741852500791d662a8d469ff61627c0559ecd86c3f59b7bf"
                        "6772b6c62666a")):
            self.assertEqual(self.sign(method, "/logstores", self.PARAMS,
                                       self.HEADERS, b"", "cn-hangzhou")[1],
                             want)

    def test_special_characters_in_path_and_params(self):
        params = self.PARAMS + [("abs-ij*asd/vc", "a~js+d ada"),
                                ("a abAas123/vc", "a~jdad a2ADFs+d ada")]
        self.assertEqual(self.sign("POST", "/logstores/hello/a+*~bb/cc",
                                   params, self.HEADERS, self.BODY,
                                   "cn-hangzhou")[1],
                         "2c204068e961a8813a6bcf7ac422f7fa6e9bf9a5da493e0165"
                         "dfe100854d18ff")

    def test_value_encoding(self):
        self.assertEqual(signing.percent_encode("123abc!@#$%^&*()-=_+ ~|\\/"),
                         "123abc%21%40%23%24%25%5E%26%2A%28%29-%3D_%2B%20~"
                         "%7C%5C%2F")

    def test_computed_update_logstore(self):
        h = hdrs(host="my-project.cn-hangzhou.log.aliyuncs.com",
                 content_type="application/json", x_log_apiversion="0.6.0",
                 x_log_bodyrawsize="110", x_log_date="20220103T083347Z",
                 x_log_content_sha256=hashlib.sha256(BODY_A).hexdigest())
        self.assertEqual(h["x-log-content-sha256"][0], "aedba524ea808be2eda0b"
                         "21cae2b6df31a07f52328a3b57ae14555bfdc05249e")
        creq = signing.sls_v4_canonical_request(
            "PUT", "/logstores/my-logstore", [], h)
        self.assertEqual(signing.sls_v4_signature(
            MOCK_SK, "20220103T083347Z", "cn-hangzhou", creq),
            "df216a946a5f914c6ddfc771fdbd737ed02a0a3c1bb4e145539ac26254d7d383")


class RpcV1Vectors(unittest.TestCase):
    """RPC signature V1 (HMAC-SHA1)."""

    COMMON = [("AccessKeyId", "testid"), ("SignatureMethod", "HMAC-SHA1"),
              ("SignatureVersion", "1.0")]

    def test_ram_doc_create_user(self):
        params = self.COMMON + [
            ("Action", "CreateUser"), ("UserName", "test"), ("Format", "JSON"),
            ("Version", "2015-05-01"),
            ("SignatureNonce", "6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2"),
            ("Timestamp", "2015-08-18T03:15:45Z")]
        sts = signing.rpc_v1_string_to_sign("GET", params)
        self.assertEqual(
            sts, "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateUser%26Format"
            "%3DJSON%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D6a6e0ca6"
            "-4557-11e5-86a2-b8e8563dc8d2%26SignatureVersion%3D1.0%26Timestamp"
            "%3D2015-08-18T03%253A15%253A45Z%26UserName%3Dtest%26Version%3D"
            "2015-05-01")
        self.assertEqual(signing.rpc_v1_signature("testsecret", sts),
                         "kRA2cnpJVacIhDMzXnoNZG9tDCI=")

    def test_ecs_describe_regions(self):
        params = self.COMMON + [
            ("Action", "DescribeRegions"), ("Format", "XML"),
            ("Version", "2014-05-26"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Timestamp", "2016-02-23T12:46:24Z")]
        self.assertEqual(signing.rpc_v1_signature(
            "testsecret", signing.rpc_v1_string_to_sign("GET", params)),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY=")

    def test_describe_dedicated_hosts(self):
        params = self.COMMON + [
            ("Action", "DescribeDedicatedHosts"), ("Format", "JSON"),
            ("RegionId", "cn-beijing"), ("Version", "2014-05-26"),
            ("SignatureNonce", "edb2b34af0af9a6d14deaf7c1a5315eb"),
            ("Timestamp", "2023-03-13T08:34:30Z")]
        self.assertEqual(signing.rpc_v1_signature(
            "testsecret", signing.rpc_v1_string_to_sign("GET", params)),
            "9NaGiOspFP5UPcwX8Iwt2YJXXuk=")

    def test_computed_json_star_tilde_utf8_token_get_and_post(self):
        params = [
            ("AccessKeyId", "testid"), ("Action", "CreateRole"),
            ("Format", "JSON"), ("RoleName", "sls-byok-role"),
            ("Version", "2015-05-01"),
            ("AssumeRolePolicyDocument",
             '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",'
             '"Principal":{"Service":["log.aliyuncs.com"]}}],"Version":"1"}'),
            ("Description", "SLS BYOK role *test* ~ \u00e9"),
            ("SecurityToken", "tok+en/with=chars"),
            ("SignatureMethod", "HMAC-SHA1"), ("SignatureVersion", "1.0"),
            ("SignatureNonce", "0b9c3ad0-3e2f-4a7e-9a59-1f1f4d1c2b3a"),
            ("Timestamp", "2024-01-02T03:04:05Z")]
        sts = signing.rpc_v1_string_to_sign("GET", params)
        self.assertIn(signing.percent_encode(
            "Description=SLS%20BYOK%20role%20%2Atest%2A%20~%20%C3%A9&"), sts)
        self.assertEqual(signing.rpc_v1_signature("testsecret", sts),
                         "Tx0omj5OH6WKnj7PacJISQcOuVM=")
        self.assertEqual(signing.rpc_v1_signature(
            "testsecret", signing.rpc_v1_string_to_sign("POST", params)),
            "ZEVEQrVmQYUNqabiKVwkj3zPuDc=")

    def test_signature_parameter_is_not_signed(self):
        params = self.COMMON + [("Action", "X"), ("Signature", "abc")]
        self.assertNotIn("Signature%3Dabc",
                         signing.rpc_v1_string_to_sign("GET", params))

    def test_hmac_primitive(self):
        import base64
        import hmac
        self.assertEqual(base64.b64encode(hmac.new(
            b"secret", b"source", hashlib.sha1).digest()).decode(),
            "Jv4yi8SobFhg5t1C7nWLbhBSFZQ=")


class Acs3Vectors(unittest.TestCase):
    """ACS3-HMAC-SHA256."""

    def test_v3_doc_run_instances(self):
        h = hdrs(host="ecs.cn-shanghai.aliyuncs.com",
                 x_acs_action="RunInstances",
                 x_acs_content_sha256=signing.EMPTY_SHA256,
                 x_acs_date="2023-10-26T10:22:32Z",
                 x_acs_signature_nonce="3156853299f313e23d1673dc12e1703d",
                 x_acs_version="2014-05-26")
        q = [("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811"
                         ".vhd"), ("RegionId", "cn-shanghai")]
        creq = signing.acs3_canonical_request("POST", "/", q, h, list(h))
        self.assertEqual(hashlib.sha256(creq.encode()).hexdigest(),
                         "7ea06492da5221eba5297e897ce16e55f964061054b7695bee"
                         "daac1145b1e259")
        self.assertEqual(signing.acs3_signature("YourAccessKeySecret", creq),
                         "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15"
                         "083a6f0f3283c0")

    def test_darabonba_repeated_header_and_empty_query(self):
        h = {"x-acs-test": ["http", "https"],
             "x-acs-content-sha256": ["55e12e91650d2fec56ec74e1d3e4ddbfce2ef"
                                      "3a65890c2a19ecf88a307e76a23"]}
        creq = signing.acs3_canonical_request(
            "GET", "/", [("test", "ok"), ("empty", "")], h, ["x-acs-test"])
        self.assertEqual(creq.split("\n")[2], "empty=&test=ok")
        self.assertIn("x-acs-test:http,https\n", creq)
        self.assertEqual(signing.acs3_signature("secret", creq),
                         "d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb78"
                         "0e51619aa50be1")

    def test_computed_kms_describe_key_with_sts(self):
        h = hdrs(host="kms.cn-hangzhou.aliyuncs.com",
                 x_acs_accesskey_id="STS.testid",
                 x_acs_action="DescribeKey",
                 x_acs_content_sha256=signing.EMPTY_SHA256,
                 x_acs_date="2024-01-02T03:04:05Z",
                 x_acs_security_token="tok+en/with=chars",
                 x_acs_signature_nonce="3156853299f313e23d1673dc12e1703d",
                 x_acs_version="2016-01-20")
        creq = signing.acs3_canonical_request(
            "POST", "/", [("KeyId", "key-hzz65f8c9e0xxxx")], h, list(h))
        self.assertEqual(hashlib.sha256(creq.encode()).hexdigest(),
                         "29d969d0ad8f5555abd2ed08347eab94221ac8638ac7a873d6"
                         "2c0b8937e1ae15")
        self.assertEqual(signing.acs3_signature("testsecret", creq),
                         "30fd0deda789f02bcddde53bdc5b16348f60d1097fdd5fbce6"
                         "cf54d5c4b6f834")


if __name__ == "__main__":
    unittest.main()
