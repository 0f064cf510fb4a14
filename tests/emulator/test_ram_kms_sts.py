"""The RAM, KMS and STS APIs of the emulator, and STS credentials that work
on every service until the emulator clock passes their expiration."""

import json
import time
import unittest

from emuclient import (ACCOUNT, ACCOUNT_TRUST, KEY_OFF, KEY_ON, KEY_PENDING,
                       OTHER_ACCOUNT, OTHER_AK, OTHER_SECRET, SLS_TRUST,
                       USER_AK, USER_SECRET, EmulatorCase, SlsClient)

PASS_ROLE = json.dumps({"Version": "1", "Statement": [{
    "Effect": "Allow", "Action": "ram:PassRole",
    "Resource": "acs:ram::%s:role/slsbyokrole" % ACCOUNT}]})


class RamRoleTests(EmulatorCase):

    def test_create_get_update_delete_role(self):
        ram = self.rpc("ram", style="post-form")
        r = ram.call("CreateRole", {"RoleName": "New.Role-1",
                                    "AssumeRolePolicyDocument": SLS_TRUST,
                                    "Description": "d",
                                    "MaxSessionDuration": "7200"})
        self.assertOk(r)
        role = r.json["Role"]
        self.assertEqual(role["Arn"], "acs:ram::%s:role/new.role-1" % ACCOUNT)
        self.assertEqual(role["MaxSessionDuration"], 7200)
        self.assertRegex(role["RoleId"], r"^\d{19}$")
        self.assertRegex(role["CreateDate"], r"^\d{4}-\d\d-\d\dT.*Z$")
        got = ram.call("GetRole", {"RoleName": "new.role-1"}).json["Role"]
        self.assertEqual(got["RoleName"], "New.Role-1")
        self.assertEqual(got["AssumeRolePolicyDocument"], SLS_TRUST)
        r = ram.call("UpdateRole", {"RoleName": "New.Role-1",
                                    "NewAssumeRolePolicyDocument":
                                    ACCOUNT_TRUST, "NewDescription": "e"})
        self.assertEqual(r.json["Role"]["Description"], "e")
        self.assertEqual(r.json["Role"]["AssumeRolePolicyDocument"],
                         ACCOUNT_TRUST)
        self.assertOk(ram.call("DeleteRole", {"RoleName": "New.Role-1"}))
        self.assertError(ram.call("GetRole", {"RoleName": "New.Role-1"}),
                         404, "EntityNotExist.Role")

    def test_create_role_refusals(self):
        ram = self.rpc("ram")
        cases = [
            ({"RoleName": "AdminRole"}, 409, "EntityAlreadyExists.Role"),
            ({"RoleName": "adminrole"}, 409, "EntityAlreadyExists.Role"),
            ({"RoleName": "bad name"}, 400,
             "InvalidParameter.RoleName.InvalidChars"),
            ({"RoleName": "x" * 65}, 400, "InvalidParameter.RoleName.Length"),
            ({"RoleName": "ok", "AssumeRolePolicyDocument": "{"}, 400,
             "MalformedPolicyDocument"),
            ({"RoleName": "ok", "AssumeRolePolicyDocument": json.dumps(
                {"Version": "1", "Statement": [{"Effect": "Allow",
                                                "Action": "sts:AssumeRole"}]}
            )}, 400, "MalformedPolicyDocument"),
            ({"RoleName": "ok", "AssumeRolePolicyDocument": "x" * 2049}, 400,
             "InvalidParameter.AssumeRolePolicyDocument.Length"),
            ({"RoleName": "ok", "MaxSessionDuration": "100"}, 400,
             "InvalidParameter.MaxSessionDuration"),
            ({"AssumeRolePolicyDocument": SLS_TRUST}, 400,
             "MissingParameter"),
        ]
        for params, status, code in cases:
            params.setdefault("AssumeRolePolicyDocument", SLS_TRUST)
            with self.subTest(params=params):
                self.assertError(ram.call("CreateRole", params), status,
                                 code)

    def test_list_roles_pages_with_marker(self):
        ram = self.rpc("ram")
        for i in range(5):
            self.assertOk(ram.call("CreateRole", {
                "RoleName": "page-%d" % i,
                "AssumeRolePolicyDocument": SLS_TRUST}))
        names, marker = [], None
        while True:
            params = {"MaxItems": "3"}
            if marker:
                params["Marker"] = marker
            r = ram.call("ListRoles", params).json
            names += [x["RoleName"] for x in r["Roles"]["Role"]]
            self.assertNotIn("AssumeRolePolicyDocument", r["Roles"]["Role"][0])
            if not r["IsTruncated"]:
                self.assertNotIn("Marker", r)
                break
            marker = r["Marker"]
        self.assertEqual(len(names), 9)
        self.assertEqual(len(set(names)), 9)
        self.assertError(ram.call("ListRoles", {"MaxItems": "1001"}),
                         400, "InvalidParameter.MaxItems")
        self.assertError(ram.call("ListRoles", {"Marker": "!!"}),
                         400, "InvalidParameter.Marker")

    def test_roles_are_per_account(self):
        other = self.rpc("ram", ak=OTHER_AK, secret=OTHER_SECRET)
        self.assertError(other.call("GetRole", {"RoleName": "AdminRole"}),
                         404, "EntityNotExist.Role")
        self.assertEqual(other.call("ListRoles").json["Roles"]["Role"], [])


class RamPolicyTests(EmulatorCase):

    def test_system_policies_are_built_in(self):
        ram = self.rpc("ram")
        for name in ("AliyunKMSReadOnlyAccess", "AliyunKMSCryptoUserAccess",
                     "AliyunLogRolePolicy"):
            with self.subTest(name=name):
                r = ram.call("GetPolicy", {"PolicyName": name,
                                           "PolicyType": "System"})
                self.assertOk(r)
                self.assertEqual(r.json["Policy"]["PolicyType"], "System")
                doc = json.loads(r.json["DefaultPolicyVersion"]
                                 ["PolicyDocument"])
                self.assertEqual(doc["Version"], "1")
        r = ram.call("GetPolicy", {"PolicyName": "AliyunKMSReadOnlyAccess",
                                   "PolicyType": "System"})
        self.assertEqual(r.json["Policy"]["AttachmentCount"], 3)
        self.assertError(ram.call("GetPolicy", {"PolicyName": "Nope",
                                                "PolicyType": "System"}),
                         404, "EntityNotExist.Policy")
        self.assertError(ram.call("GetPolicy", {"PolicyName": "Nope",
                                                "PolicyType": "Other"}),
                         400, "InvalidParameter.PolicyType")

    def test_custom_policy_create_and_get(self):
        ram = self.rpc("ram", style="post-form")
        r = ram.call("CreatePolicy", {"PolicyName": "slsh-pass-role",
                                      "PolicyDocument": PASS_ROLE,
                                      "Description": "pass"})
        self.assertOk(r)
        self.assertEqual(r.json["Policy"]["PolicyType"], "Custom")
        self.assertEqual(r.json["Policy"]["DefaultVersion"], "v1")
        got = ram.call("GetPolicy", {"PolicyName": "slsh-pass-role",
                                     "PolicyType": "Custom"}).json
        self.assertEqual(got["DefaultPolicyVersion"]["PolicyDocument"],
                         PASS_ROLE)
        self.assertError(ram.call("CreatePolicy", {
            "PolicyName": "slsh-pass-role", "PolicyDocument": PASS_ROLE}),
            409, "EntityAlreadyExists.Policy")
        self.assertError(ram.call("CreatePolicy", {
            "PolicyName": "bad.name", "PolicyDocument": PASS_ROLE}),
            400, "InvalidParameter.PolicyName.InvalidChars")
        self.assertError(ram.call("CreatePolicy", {
            "PolicyName": "p2", "PolicyDocument": '{"Version":"2"}'}),
            400, "MalformedPolicyDocument")

    def test_attach_detach_and_list_for_role(self):
        ram = self.rpc("ram")
        attach = {"RoleName": "AdminRole", "PolicyType": "System",
                  "PolicyName": "AliyunKMSReadOnlyAccess"}
        self.assertOk(ram.call("AttachPolicyToRole", attach))
        self.assertError(ram.call("AttachPolicyToRole", attach),
                         409, "EntityAlreadyExists.Role.Policy")
        listed = ram.call("ListPoliciesForRole",
                          {"RoleName": "AdminRole"}).json
        policy = listed["Policies"]["Policy"][0]
        self.assertEqual(policy["PolicyName"], "AliyunKMSReadOnlyAccess")
        self.assertIn("AttachDate", policy)
        self.assertError(ram.call("DeleteRole", {"RoleName": "AdminRole"}),
                         409, "DeleteConflict.Role.Policy")
        self.assertOk(ram.call("DetachPolicyFromRole", attach))
        self.assertError(ram.call("DetachPolicyFromRole", attach),
                         404, "EntityNotExist.Role.Policy")
        self.assertEqual(ram.call("ListPoliciesForRole", {
            "RoleName": "AdminRole"}).json["Policies"]["Policy"], [])
        self.assertError(ram.call("AttachPolicyToRole", dict(
            attach, RoleName="Ghost")), 404, "EntityNotExist.Role")
        self.assertError(ram.call("AttachPolicyToRole", dict(
            attach, PolicyName="Ghost")), 404, "EntityNotExist.Policy")

    def test_attach_to_user(self):
        ram = self.rpc("ram")
        self.assertOk(ram.call("CreatePolicy", {
            "PolicyName": "pass-role", "PolicyDocument": PASS_ROLE}))
        attach = {"UserName": "operator", "PolicyType": "Custom",
                  "PolicyName": "pass-role"}
        self.assertOk(ram.call("AttachPolicyToUser", attach))
        self.assertError(ram.call("AttachPolicyToUser", attach),
                         409, "EntityAlreadyExists.User.Policy")
        listed = ram.call("ListPoliciesForUser", {"UserName": "operator"})
        self.assertEqual([p["PolicyName"] for p in
                          listed.json["Policies"]["Policy"]], ["pass-role"])
        self.assertError(ram.call("AttachPolicyToUser", dict(
            attach, UserName="ghost")), 404, "EntityNotExist.User")


class KmsTests(EmulatorCase):

    def test_describe_key_by_id_and_alias(self):
        kms = self.rpc("kms")
        meta = kms.call("DescribeKey", {"KeyId": KEY_ON}).json["KeyMetadata"]
        self.assertEqual(meta["Arn"], "acs:kms:cn-hangzhou:%s:key/%s"
                         % (ACCOUNT, KEY_ON))
        self.assertEqual((meta["KeyState"], meta["KeySpec"],
                          meta["KeyUsage"]),
                         ("Enabled", "Aliyun_AES_256", "ENCRYPT/DECRYPT"))
        by_alias = kms.call("DescribeKey", {"KeyId": "alias/byok"}).json
        self.assertEqual(by_alias["KeyMetadata"]["KeyId"], KEY_ON)
        pending = kms.call("DescribeKey", {"KeyId": KEY_PENDING}).json
        self.assertEqual(pending["KeyMetadata"]["DeleteDate"],
                         "2099-01-01T00:00:00Z")
        self.assertError(kms.call("DescribeKey", {"KeyId": "key-none"}),
                         404, "Forbidden.KeyNotFound")
        self.assertError(kms.call("DescribeKey", {"KeyId": "alias/none"}),
                         404, "Forbidden.AliasNotFound")
        self.assertError(kms.call("DescribeKey"), 400, "MissingParameter")

    def test_keys_are_per_region_and_account(self):
        sh = self.rpc("kms", region="cn-shanghai")
        self.assertError(sh.call("DescribeKey", {"KeyId": KEY_ON}),
                         404, "Forbidden.KeyNotFound")
        other = self.rpc("kms", ak=OTHER_AK, secret=OTHER_SECRET)
        self.assertError(other.call("DescribeKey", {"KeyId": KEY_ON}),
                         404, "Forbidden.KeyNotFound")

    def test_list_keys_pages_and_filters(self):
        kms = self.rpc("kms")
        r = kms.call("ListKeys", {"PageSize": "2"}).json
        self.assertEqual((r["TotalCount"], r["PageNumber"], r["PageSize"]),
                         (3, 1, 2))
        self.assertEqual(len(r["Keys"]["Key"]), 2)
        self.assertIn("KeyArn", r["Keys"]["Key"][0])
        r = kms.call("ListKeys", {"PageSize": "2", "PageNumber": "2"}).json
        self.assertEqual(len(r["Keys"]["Key"]), 1)
        flt = json.dumps([{"Key": "KeyState",
                           "Values": ["Disabled", "PendingDeletion"]}])
        r = kms.call("ListKeys", {"Filters": flt}).json
        self.assertEqual(sorted(k["KeyId"] for k in r["Keys"]["Key"]),
                         sorted([KEY_OFF, KEY_PENDING]))
        for bad in ({"PageSize": "101"}, {"PageNumber": "0"},
                    {"Filters": "[{\"Key\":\"Color\",\"Values\":[]}]"}):
            with self.subTest(params=bad):
                self.assertError(kms.call("ListKeys", bad), 400,
                                 "InvalidParameter")

    def test_aliases(self):
        kms = self.rpc("kms", style="acs3")
        self.assertOk(kms.call("CreateAlias", {"AliasName": "alias/second",
                                               "TargetKeyId": KEY_ON}))
        self.assertError(kms.call("CreateAlias", {"AliasName": "alias/second",
                                                  "TargetKeyId": KEY_OFF}),
                         409, "EntityAlreadyExists.Alias")
        self.assertError(kms.call("CreateAlias", {"AliasName": "second",
                                                  "TargetKeyId": KEY_OFF}),
                         400, "InvalidParameter")
        r = kms.call("ListAliases").json
        self.assertEqual(r["TotalCount"], 2)
        alias = r["Aliases"]["Alias"][0]
        self.assertEqual(set(alias), {"AliasName", "AliasArn", "KeyId"})
        r = kms.call("ListAliasesByKeyId", {"KeyId": KEY_ON}).json
        self.assertEqual(r["TotalCount"], 2)
        r = kms.call("ListAliasesByKeyId", {"KeyId": KEY_OFF}).json
        self.assertEqual(r["TotalCount"], 0)

    def test_key_state_transitions(self):
        kms = self.rpc("kms")

        def state(key):
            return kms.call("DescribeKey", {"KeyId": key}).json[
                "KeyMetadata"]["KeyState"]
        self.assertOk(kms.call("DisableKey", {"KeyId": KEY_ON}))
        self.assertEqual(state(KEY_ON), "Disabled")
        self.assertOk(kms.call("EnableKey", {"KeyId": KEY_ON}))
        self.assertEqual(state(KEY_ON), "Enabled")
        for action in ("EnableKey", "DisableKey"):
            self.assertError(kms.call(action, {"KeyId": KEY_PENDING}),
                             409, "Rejected.StateModifiedFailed")
        self.assertError(kms.call("ScheduleKeyDeletion", {
            "KeyId": KEY_ON, "PendingWindowInDays": "3"}),
            400, "InvalidParameter")
        self.assertOk(kms.call("ScheduleKeyDeletion", {
            "KeyId": KEY_ON, "PendingWindowInDays": "7"}))
        meta = kms.call("DescribeKey", {"KeyId": KEY_ON}).json["KeyMetadata"]
        self.assertEqual(meta["KeyState"], "PendingDeletion")
        self.assertIn("DeleteDate", meta)
        self.assertError(kms.call("ScheduleKeyDeletion", {
            "KeyId": KEY_ON, "PendingWindowInDays": "7"}),
            409, "Rejected.StateModifiedFailed")
        self.assertOk(kms.call("CancelKeyDeletion", {"KeyId": KEY_ON}))
        self.assertEqual(state(KEY_ON), "Enabled")
        self.assertError(kms.call("CancelKeyDeletion", {"KeyId": KEY_ON}),
                         409, "Rejected.StateModifiedFailed")


class StsTests(EmulatorCase):

    def test_caller_identity_of_root_user_and_role(self):
        root = self.rpc("sts").call("GetCallerIdentity").json
        self.assertEqual((root["AccountId"], root["IdentityType"],
                          root["Arn"]),
                         (ACCOUNT, "Account", "acs:ram::%s:root" % ACCOUNT))
        user = self.rpc("sts", ak=USER_AK, secret=USER_SECRET).call(
            "GetCallerIdentity").json
        self.assertEqual(user["Arn"], "acs:ram::%s:user/operator" % ACCOUNT)
        self.assertEqual(user["PrincipalId"], user["UserId"])
        creds = self.assume().json["Credentials"]
        role = self.as_role(creds, "sts").call("GetCallerIdentity").json
        self.assertEqual(role["IdentityType"], "AssumedRoleUser")
        self.assertEqual(role["Arn"], "acs:ram::%s:assumed-role/adminrole/"
                         "test-session" % ACCOUNT)
        self.assertEqual(role["PrincipalId"], role["RoleId"] +
                         ":test-session")

    def assume(self, role="AdminRole", session="test-session", **extra):
        params = {"RoleArn": "acs:ram::%s:role/%s" % (ACCOUNT, role.lower()),
                  "RoleSessionName": session}
        params.update(extra)
        return self.rpc("sts").call("AssumeRole", params)

    def as_role(self, creds, product, **kw):
        return self.rpc(product, ak=creds["AccessKeyId"],
                        secret=creds["AccessKeySecret"],
                        token=creds["SecurityToken"], **kw)

    def test_assume_role_issues_working_credentials(self):
        r = self.assume(DurationSeconds="900")
        self.assertOk(r)
        creds = r.json["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("STS."))
        expires = time.mktime(time.strptime(creds["Expiration"],
                                            "%Y-%m-%dT%H:%M:%SZ")) - \
            time.timezone
        self.assertAlmostEqual(expires - time.time(), 900, delta=5)
        self.assertEqual(r.json["AssumedRoleUser"]["Arn"],
                         "acs:ram::%s:assumed-role/adminrole/test-session"
                         % ACCOUNT)
        for style in ("get", "acs3"):
            self.assertOk(self.as_role(creds, "ram", style=style).call(
                "GetRole", {"RoleName": "AdminRole"}))
            self.assertOk(self.as_role(creds, "kms", style=style).call(
                "DescribeKey", {"KeyId": KEY_ON}))
        for sig in ("v1", "v4"):
            sls = SlsClient(self.port, "proj-a", ak=creds["AccessKeyId"],
                            secret=creds["AccessKeySecret"],
                            token=creds["SecurityToken"], sig=sig)
            self.addCleanup(sls.http.close)
            self.assertOk(sls.get_logstore("plain"))

    def test_assumed_credentials_expire_with_the_emulator_clock(self):
        creds = self.assume(DurationSeconds="900").json["Credentials"]
        sts = self.as_role(creds, "sts")
        self.assertOk(sts.call("GetCallerIdentity"))
        self.control("POST", "faults", {"clock_offset": 901})
        later = time.time() + 901
        self.assertError(sts.call("GetCallerIdentity", t=later), 400,
                         "InvalidSecurityToken.Expired")
        sls = SlsClient(self.port, "proj-a", ak=creds["AccessKeyId"],
                        secret=creds["AccessKeySecret"],
                        token=creds["SecurityToken"])
        self.addCleanup(sls.http.close)
        self.assertError(sls.get_logstore("plain", t=later), 401,
                         "SecurityTokenExpired")

    def test_assume_role_parameter_rules(self):
        cases = [
            ({"RoleArn": "arn:aws:iam::1:role/x"}, 400,
             "InvalidParameter.RoleArn"),
            ({"RoleSessionName": "a"}, 400,
             "InvalidParameter.RoleSessionName"),
            ({"RoleSessionName": "bad name"}, 400,
             "InvalidParameter.RoleSessionName"),
            ({"RoleSessionName": "x" * 65}, 400,
             "InvalidParameter.RoleSessionName"),
            ({"DurationSeconds": "899"}, 400,
             "InvalidParameter.DurationSeconds"),
            ({"DurationSeconds": "7201"}, 400,
             "InvalidParameter.DurationSeconds"),
            ({"Policy": "{"}, 400, "InvalidParameter.PolicyGrammar"),
            ({"Policy": "x" * 2049}, 400, "InvalidParameter.PolicySize"),
        ]
        for extra, status, code in cases:
            with self.subTest(extra=extra):
                params = {"RoleArn": "acs:ram::%s:role/adminrole" % ACCOUNT,
                          "RoleSessionName": "s-1"}
                params.update(extra)
                self.assertError(self.rpc("sts").call("AssumeRole", params),
                                 status, code)
        self.assertOk(self.assume(DurationSeconds="7200",
                                  RoleSessionName="a.b@c_d-e"))

    def test_trust_policy_decides(self):
        self.assertError(self.assume(role="SlsByokRole"), 403,
                         "NoPermission")
        self.assertError(self.assume(role="Ghost"), 404,
                         "EntityNotExist.Role")
        other = self.rpc("sts", ak=OTHER_AK, secret=OTHER_SECRET)
        arn = "acs:ram::%s:role/adminrole" % ACCOUNT
        self.assertError(other.call("AssumeRole", {
            "RoleArn": arn, "RoleSessionName": "x1"}), 403, "NoPermission")
        ram = self.rpc("ram")
        trust_all = json.dumps({"Version": "1", "Statement": [{
            "Action": "sts:AssumeRole", "Effect": "Allow",
            "Principal": {"RAM": ["acs:ram::%s:root" % OTHER_ACCOUNT]}}]})
        self.assertOk(ram.call("UpdateRole", {
            "RoleName": "AdminRole",
            "NewAssumeRolePolicyDocument": trust_all}))
        r = other.call("AssumeRole", {"RoleArn": arn,
                                      "RoleSessionName": "x1"})
        self.assertOk(r)
        creds = r.json["Credentials"]
        who = self.as_role(creds, "sts").call("GetCallerIdentity").json
        self.assertEqual(who["AccountId"], ACCOUNT)

    def test_role_chaining_from_assumed_credentials(self):
        creds = self.assume().json["Credentials"]
        r = self.as_role(creds, "sts").call("AssumeRole", {
            "RoleArn": "acs:ram::%s:role/adminrole" % ACCOUNT,
            "RoleSessionName": "chained"})
        self.assertOk(r)


if __name__ == "__main__":
    unittest.main()
