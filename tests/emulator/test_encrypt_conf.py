"""encrypt_conf rules: each violating request is refused with 400
ParameterInvalid naming the rule, and leaves the stored logstore exactly as
it was."""

import copy
import unittest

from emuclient import (ACCOUNT, BYOK_ROLE, KEY_OFF, KEY_ON, KEY_PENDING,
                       KEY_SH, OTHER_ACCOUNT, EmulatorCase, byok_conf)

ALL_TYPES = ("default", "m4", "sm4", "sm4_ecb", "sm4_cbc", "sm4_gcm",
             "aes_ecb", "aes_cbc", "aes_cfb", "aes_ofb", "aes_gcm")


class Case(EmulatorCase):

    def body(self, name, conf, drop=False):
        """The logstore as read, with encrypt_conf replaced (or dropped)."""
        body = self.sls().get_logstore(name).json
        for ro in ("createTime", "lastModifyTime", "productType"):
            body.pop(ro, None)
        body.pop("encrypt_conf", None)
        if not drop:
            body["encrypt_conf"] = conf
        return body

    def refused(self, name, resp, *words):
        """Asserts a refusal naming the rule and an untouched logstore."""
        self.assertError(resp, 400, "ParameterInvalid")
        for w in words:
            self.assertIn(w, resp.json["errorMessage"])
        self.assertEqual(self.stored("proj-a", name), self.snapshot[name])

    def setUp(self):
        super().setUp()
        self.snapshot = {n: self.stored("proj-a", n)
                         for n in ("plain", "svc", "byok", "byok-off")}

    def update(self, name, conf, drop=False):
        return self.sls().update_logstore(name, self.body(name, conf, drop))

    def conf_of(self, name):
        return self.sls().get_logstore(name).json.get("encrypt_conf")


class ShapeRules(Case):

    def test_enable_must_be_a_boolean(self):
        for enable in ("true", 1, None):
            with self.subTest(enable=enable):
                r = self.update("plain", {"enable": enable,
                                          "encrypt_type": "default"})
                self.refused("plain", r, "enable must be a boolean")
        self.refused("plain", self.update("plain",
                                          {"encrypt_type": "default"}),
                     "enable is required")

    def test_encrypt_type_is_required_when_enable_is_true(self):
        self.refused("plain", self.update("plain", {"enable": True}),
                     "encrypt_type is required")

    def test_encrypt_type_must_be_a_valid_value(self):
        r = self.update("plain", {"enable": True, "encrypt_type": "aes_xts"})
        self.refused("plain", r, "aes_xts", "default, m4, sm4")

    def test_every_documented_encrypt_type_is_accepted(self):
        for t in ALL_TYPES:
            with self.subTest(encrypt_type=t):
                self.assertOk(self.sls().create_logstore({
                    "logstoreName": "t-" + t.replace("_", "-"), "ttl": 1,
                    "shardCount": 1,
                    "encrypt_conf": {"enable": True, "encrypt_type": t}}))

    def test_byok_needs_all_three_cmk_fields(self):
        for field in ("cmk_key_id", "arn", "region_id"):
            conf = byok_conf()
            del conf["user_cmk_info"][field]
            with self.subTest(missing=field):
                self.refused("plain", self.update("plain", conf),
                             "user_cmk_info." + field)
            conf["user_cmk_info"][field] = ""
            with self.subTest(empty=field):
                self.refused("plain", self.update("plain", conf), field)

    def test_role_arn_format(self):
        for arn in ("acs:ram::%s:role" % ACCOUNT, "SlsByokRole",
                    "acs:ram:cn-hangzhou:%s:role/x" % ACCOUNT,
                    "acs:ram::%s:user/x" % ACCOUNT):
            conf = byok_conf()
            conf["user_cmk_info"]["arn"] = arn
            with self.subTest(arn=arn):
                self.refused("plain", self.update("plain", conf),
                             "acs:ram::<uid>:role/<name>")

    def test_unknown_keys_are_refused(self):
        self.refused("plain", self.update("plain", {
            "enable": True, "encrypt_type": "default", "algo": "x"}),
            "unknown keys")
        conf = byok_conf()
        conf["user_cmk_info"]["extra"] = "x"
        self.refused("plain", self.update("plain", conf), "unknown keys")

    def test_empty_user_cmk_info_means_service_key(self):
        self.assertOk(self.update("plain", {"enable": True,
                                            "encrypt_type": "sm4",
                                            "user_cmk_info": {}}))
        self.snapshot["plain"] = self.stored("proj-a", "plain")
        r = self.update("plain", byok_conf(encrypt_type="sm4"))
        self.refused("plain", r, "mechanism can never change")

    def test_a_disabled_config_without_type_does_not_lock(self):
        self.assertOk(self.update("plain", {"enable": False}))
        self.assertEqual(self.conf_of("plain"), {"enable": False})
        self.assertOk(self.update("plain", {"enable": True,
                                            "encrypt_type": "m4"}))
        self.assertEqual(self.conf_of("plain")["encrypt_type"], "m4")


class PermanenceRules(Case):

    def test_service_key_toggles_only_enable(self):
        self.assertOk(self.update("svc", {"enable": False,
                                          "encrypt_type": "default"}))
        self.assertIs(self.conf_of("svc")["enable"], False)
        self.assertOk(self.update("svc", {"enable": True,
                                          "encrypt_type": "default"}))
        self.assertIs(self.conf_of("svc")["enable"], True)

    def test_an_encrypted_logstore_needs_its_conf_on_every_update(self):
        for name in ("svc", "byok"):
            with self.subTest(name=name):
                self.refused(name, self.update(name, None, drop=True),
                             "must carry its complete encrypt_conf")
                self.refused(name, self.update(name, {"enable": False}),
                             "incomplete", "encrypt_type")

    def test_encrypt_type_never_changes(self):
        self.refused("svc", self.update("svc", {"enable": True,
                                                "encrypt_type": "sm4"}),
                     "encrypt_type can never change")
        self.refused("byok", self.update("byok", byok_conf(
            encrypt_type="aes_gcm")), "encrypt_type can never change")

    def test_mechanism_never_changes(self):
        self.refused("svc", self.update("svc", byok_conf()),
                     "mechanism can never change")
        self.refused("byok", self.update("byok", {
            "enable": True, "encrypt_type": "default"}),
            "mechanism can never change")
        self.refused("byok", self.update("byok", {
            "enable": True, "encrypt_type": "default",
            "user_cmk_info": {}}), "mechanism can never change")

    def test_cmk_never_changes(self):
        other_key = byok_conf()
        other_key["user_cmk_info"]["cmk_key_id"] = "key-hzz-another"
        self.refused("byok", self.update("byok", other_key),
                     "cmk_key_id can never change")
        other_role = byok_conf(role="UntrustedRole")
        self.refused("byok", self.update("byok", other_role),
                     "arn can never change")
        other_region = byok_conf(region="cn-shanghai")
        self.refused("byok", self.update("byok", other_region),
                     "region_id can never change")

    def test_role_arn_compares_without_case(self):
        conf = byok_conf()
        conf["user_cmk_info"]["arn"] = "acs:ram::%s:role/SLSBYOKROLE" % \
            ACCOUNT
        self.assertOk(self.update("byok", conf))

    def test_byok_toggles_and_reenabling_checks_the_key(self):
        self.assertOk(self.update("byok", byok_conf(enable=False)))
        self.assertOk(self.update("byok", byok_conf(enable=True)))
        self.assertOk(self.update("byok-off", byok_conf(key=KEY_OFF,
                                                        enable=False)))
        self.snapshot["byok-off"] = self.stored("proj-a", "byok-off")
        self.refused("byok-off", self.update("byok-off", byok_conf(
            key=KEY_OFF, enable=True)), "Disabled")

    def test_unchanged_conf_passes_even_with_a_disabled_key(self):
        body = self.body("byok-off", byok_conf(key=KEY_OFF))
        body["ttl"] = 45
        self.assertOk(self.sls().update_logstore("byok-off", body))


class ByokPrerequisites(Case):

    def test_a_correct_byok_config_is_accepted(self):
        self.assertOk(self.update("plain", byok_conf()))
        self.assertEqual(self.conf_of("plain"), byok_conf())

    def test_role_must_hold_both_kms_policies(self):
        self.refused("plain", self.update("plain", byok_conf(
            role="NoCryptoRole")), "AliyunKMSCryptoUserAccess")

    def test_role_must_trust_log_service(self):
        self.refused("plain", self.update("plain", byok_conf(
            role="UntrustedRole")), "not trusted by log.aliyuncs.com")

    def test_role_must_exist(self):
        self.refused("plain", self.update("plain", byok_conf(
            role="GhostRole")), "does not exist")

    def test_role_must_be_of_the_projects_account(self):
        conf = byok_conf()
        conf["user_cmk_info"]["arn"] = "acs:ram::%s:role/%s" % (
            OTHER_ACCOUNT, BYOK_ROLE)
        self.refused("plain", self.update("plain", conf), OTHER_ACCOUNT)

    def test_key_must_be_enabled(self):
        self.refused("plain", self.update("plain", byok_conf(key=KEY_OFF)),
                     "Disabled")
        self.refused("plain", self.update("plain", byok_conf(
            key=KEY_PENDING)), "PendingDeletion")
        self.refused("plain", self.update("plain", byok_conf(
            key="key-none")), "does not exist")

    def test_key_must_be_in_the_projects_region(self):
        self.refused("plain", self.update("plain", byok_conf(
            key=KEY_SH, region="cn-shanghai")), "region of the project")
        self.refused("plain", self.update("plain", byok_conf(key=KEY_SH)),
                     "does not exist")

    def test_role_name_matches_without_case(self):
        conf = byok_conf(role="slsbyokrole")
        self.assertOk(self.update("plain", conf))

    def test_create_logstore_applies_the_same_rules(self):
        c = self.sls()
        base = {"logstoreName": "enc-new", "ttl": 3, "shardCount": 1}
        r = c.create_logstore(dict(base, encrypt_conf=byok_conf(
            role="NoCryptoRole")))
        self.assertError(r, 400, "ParameterInvalid")
        self.assertError(c.get_logstore("enc-new"), 404, "LogStoreNotExist")
        self.assertOk(c.create_logstore(dict(base,
                                             encrypt_conf=byok_conf())))
        self.assertEqual(c.get_logstore("enc-new").json["encrypt_conf"],
                         byok_conf())


class EncryptionApi(Case):
    """PUT /logstores/{ls}/encryption with camelCase fields."""

    def put(self, name, body):
        return self.sls().update_encryption(name, body)

    def test_creates_a_service_key_config(self):
        self.assertOk(self.put("plain", {"enable": True,
                                         "encryptType": "default"}))
        self.assertEqual(self.conf_of("plain"),
                         {"enable": True, "encrypt_type": "default"})

    def test_creates_a_byok_config(self):
        info = byok_conf()["user_cmk_info"]
        self.assertOk(self.put("plain", {
            "enable": True, "encryptType": "default",
            "userCmkInfo": {"keyId": info["cmk_key_id"],
                            "roleArn": info["arn"],
                            "regionId": info["region_id"]}}))
        self.assertEqual(self.conf_of("plain"), byok_conf())

    def test_enable_alone_toggles_an_existing_config(self):
        self.assertOk(self.put("byok", {"enable": False}))
        want = byok_conf(enable=False)
        self.assertEqual(self.conf_of("byok"), want)
        body = self.sls().get_logstore("byok").json
        self.assertEqual(body["ttl"], 30)

    def test_refusals(self):
        self.refused("plain", self.put("plain", {"enable": True}),
                     "encryptType is required")
        self.refused("plain", self.put("plain", {"enable": "yes",
                                                 "encryptType": "default"}),
                     "enable is required and must be a boolean")
        self.refused("plain", self.put("plain", {
            "enable": True, "encryptType": "default", "keyId": "x"}),
            "unknown keys")
        self.refused("svc", self.put("svc", {"enable": True,
                                             "encryptType": "sm4"}),
                     "encrypt_type can never change")
        self.refused("svc", self.put("svc", {
            "enable": True, "userCmkInfo": {
                "keyId": KEY_ON, "roleArn": byok_conf()["user_cmk_info"]
                ["arn"], "regionId": "cn-hangzhou"}}),
            "mechanism can never change")
        self.refused("byok", self.put("byok", {
            "enable": True, "userCmkInfo": {
                "keyId": KEY_OFF, "roleArn": byok_conf()["user_cmk_info"]
                ["arn"], "regionId": "cn-hangzhou"}}),
            "cmk_key_id can never change")

    def test_refused_writes_leave_every_logstore_untouched(self):
        before = copy.deepcopy(self.emu.app.state.data["projects"])
        self.put("svc", {"enable": True, "encryptType": "m4"})
        self.update("byok", {"enable": True, "encrypt_type": "default"})
        self.assertEqual(self.emu.app.state.data["projects"], before)


if __name__ == "__main__":
    unittest.main()
