// The policy pack entry point: only constructs the pack (the constructor starts the analyzer server, so
// nothing else imports this file). Run with `pulumi preview --policy-pack ./policy`.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, {
    description: "harbor-platform guard rails: encrypted private TLS-only S3, resilient RDS, pinned and secret-free Harbor chart, HA in prod, expiring least-privilege robots, protected releases, SemVer images.",
    enforcementLevel: "mandatory",
    policies,
});
