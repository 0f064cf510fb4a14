"""Resource Manager ListAccounts / GetAccount, and entering member accounts
of a make-estate --accounts estate through their access role."""

import unittest

from emuclient import EmulatorCase, RpcClient
from emulator.estate import (ACCESS_ROLE, ESTATE_ACCOUNT, ESTATE_AK,
                             ESTATE_SECRET, OPERATOR_AK, OPERATOR_SECRET,
                             make_estate, member_id, parse_mix, DEFAULT_MIX)


class ResourceDirectoryTests(EmulatorCase):

    def state(self):
        return make_estate(0, 1, ["cn-hangzhou", "cn-shanghai"], 1,
                           parse_mix(DEFAULT_MIX), members=12,
                           no_access_role={4}, suspended={5},
                           member_status={6: "PromoteVerifying"},
                           untrusting={7})

    def rm(self, ak=ESTATE_AK, secret=ESTATE_SECRET, **kw):
        c = RpcClient(self.port, "resourcemanager", ak=ak, secret=secret,
                      **kw)
        self.addCleanup(c.http.close)
        return c

    def test_list_accounts_pages(self):
        seen = []
        for number in (1, 2, 3):
            r = self.rm().call("ListAccounts", {"PageNumber": str(number),
                                                "PageSize": "5"})
            self.assertOk(r)
            self.assertEqual((r.json["TotalCount"], r.json["PageNumber"],
                              r.json["PageSize"]), (12, number, 5))
            seen += r.json["Accounts"]["Account"]
        self.assertEqual([a["AccountId"] for a in seen],
                         [member_id(i) for i in range(1, 13)])
        first = seen[0]
        self.assertEqual(set(first), {
            "AccountId", "DisplayName", "Status", "Type", "JoinMethod",
            "JoinTime", "ModifyTime", "FolderId", "ResourceDirectoryId"})
        self.assertEqual(seen[5]["Status"], "PromoteVerifying")
        self.assertEqual(first["Status"], "CreateSuccess")
        r = self.rm(style="acs3").call("ListAccounts")
        self.assertEqual(len(r.json["Accounts"]["Account"]), 10)
        for bad in ({"PageSize": "101"}, {"PageSize": "0"},
                    {"PageNumber": "0"}):
            with self.subTest(bad=bad):
                r = self.rm().call("ListAccounts", bad)
                self.assertEqual(r.status, 400)
        self.assertOk(self.rm().call("GetAccount",
                                     {"AccountId": member_id(3)}))
        self.assertError(self.rm().call("GetAccount", {"AccountId": "1"}),
                         404, "EntityNotExists.Account")

    def test_only_the_management_account_lists_members(self):
        creds = self.enter(1, OPERATOR_AK, OPERATOR_SECRET).json[
            "Credentials"]
        member = self.rm(ak=creds["AccessKeyId"],
                         secret=creds["AccessKeySecret"],
                         token=creds["SecurityToken"])
        self.assertError(member.call("ListAccounts"), 404,
                         "EntityNotExists.ResourceDirectory")
        self.assertOk(self.rm(ak=OPERATOR_AK,
                              secret=OPERATOR_SECRET).call("ListAccounts"))

    def enter(self, i, ak=ESTATE_AK, secret=ESTATE_SECRET):
        sts = RpcClient(self.port, "sts", ak=ak, secret=secret)
        self.addCleanup(sts.http.close)
        return sts.call("AssumeRole", {
            "RoleArn": "acs:ram::%s:role/%s" % (member_id(i),
                                                ACCESS_ROLE.lower()),
            "RoleSessionName": "slsh-test"})

    def test_entering_member_accounts(self):
        r = self.enter(1)
        self.assertOk(r)
        creds = r.json["Credentials"]
        sts = RpcClient(self.port, "sts", ak=creds["AccessKeyId"],
                        secret=creds["AccessKeySecret"],
                        token=creds["SecurityToken"])
        self.addCleanup(sts.http.close)
        who = sts.call("GetCallerIdentity").json
        self.assertEqual(who["AccountId"], member_id(1))
        kms = RpcClient(self.port, "kms", ak=creds["AccessKeyId"],
                        secret=creds["AccessKeySecret"],
                        token=creds["SecurityToken"])
        self.addCleanup(kms.http.close)
        r = kms.call("DescribeKey", {"KeyId": "alias/slsh-byok"})
        self.assertOk(r)
        alias = next(a for a in self.emu.app.state.data["aliases"]
                     if a["account"] == member_id(1)
                     and a["region"] == "cn-hangzhou")
        self.assertEqual(r.json["KeyMetadata"]["KeyId"], alias["KeyId"])
        # a member without the access role, a suspended one
        self.assertError(self.enter(4), 404, "EntityNotExist.Role")
        self.assertError(self.enter(5), 403, "Forbidden.AccountSuspended")
        self.assertError(self.enter(7), 403, "NoPermission")

    def test_the_trust_policy_decides_across_accounts(self):
        # the member's role trusts the management account only: another
        # member's session cannot enter it
        creds = self.enter(2).json["Credentials"]
        sts = RpcClient(self.port, "sts", ak=creds["AccessKeyId"],
                        secret=creds["AccessKeySecret"],
                        token=creds["SecurityToken"])
        self.addCleanup(sts.http.close)
        r = sts.call("AssumeRole", {
            "RoleArn": "acs:ram::%s:role/%s" % (member_id(3),
                                                ACCESS_ROLE.lower()),
            "RoleSessionName": "hop"})
        self.assertError(r, 403, "NoPermission")

    def test_each_member_has_its_own_estate(self):
        data = self.emu.app.state.data
        for i in (1, 2):
            uid = member_id(i)
            names = {p["name"] for p in data["projects"]
                     if p["account"] == uid}
            self.assertIn("cloudfirewall-project-%s-cn-hangzhou" % uid,
                          names)
            self.assertEqual(len([k for k in data["keys"]
                                  if k["account"] == uid]), 6)
        self.assertEqual(data["resource_directory"]["MasterAccountId"],
                         ESTATE_ACCOUNT)

    def test_no_directory(self):
        self.emu.app.state.data.pop("resource_directory")
        self.assertError(self.rm().call("ListAccounts"), 404,
                         "EntityNotExists.ResourceDirectory")


if __name__ == "__main__":
    unittest.main()
