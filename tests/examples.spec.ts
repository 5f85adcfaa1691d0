// The checked-in dev config (and every preview, which takes dev's file) deploys on any cluster: nothing outside the
// cluster is needed. Directory logins live in examples/, and each example is valid config when merged over dev's.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { parseSettings, Settings } from "../config";
import { readStackConfig } from "../scripts/plan";

const ROOT = path.resolve(__dirname, "..");
const PROJECT = "harbor-platform";

function settingsOf(stack: string, extra: Record<string, unknown> = {}, secrets: string[] = []): Settings {
    const { raw, secretKeys } = readStackConfig(stack, ROOT);
    for (const [k, v] of Object.entries(extra)) raw[k] = v;
    for (const k of secrets) {
        raw[`${PROJECT}:${k}`] = "placeholder-secret";
        secretKeys.add(`${PROJECT}:${k}`);
    }
    return parseSettings(stack, raw, { secretKeys });
}

/** What a stack needs from outside the cluster it deploys to (empty = deploys anywhere). */
function outsideNeeds(s: Settings): string[] {
    const needs: string[] = [];
    if (s.content.system.auth.mode !== "db_auth") needs.push(`auth ${s.content.system.auth.mode} (a directory)`);
    for (const p of s.content.projects) for (const m of p.members) if (m.group !== undefined) needs.push(`${p.name}: ${m.groupType} group member ${m.group}`);
    if (s.storage.mode !== "minio") needs.push(`storage ${s.storage.mode}`);
    if (s.data.mode !== "internal") needs.push(`data ${s.data.mode}`);
    if (s.content.existingHarbor) needs.push(`existing Harbor ${s.content.existingHarbor.url}`);
    const out = s.content.replication.outbound;
    if (out && out.endpoint.kind !== "stackReference") needs.push(`replication to ${out.endpoint.url}`);
    if (s.ingress.tls.source === "cert-manager") needs.push("cert-manager with a ClusterIssuer");
    return needs;
}

describe("dev and previews deploy on any cluster; directory logins are examples", () => {
    it("dev needs nothing outside the cluster but prod's stack (replication, off until prod is deployed: scripts/up.sh)", () => {
        const dev = settingsOf("dev");
        assert.deepEqual(outsideNeeds(dev), []);
    });

    it("a preview (pr-<n>: dev's file plus the preview profile) needs nothing outside the cluster, not even prod", () => {
        const pr = settingsOf("pr-7");
        assert.deepEqual(outsideNeeds(pr), []);
        assert.equal(pr.content.replication.outbound, undefined, "no replication to prod");
    });

    for (const [file, secrets] of [["auth-ldap.yaml", []], ["auth-oidc.yaml", ["oidcClientSecret"]]] as const) {
        it(`examples/${file} is valid config merged over Pulumi.dev.yaml, and switches dev to a directory`, () => {
            const example = parseYaml(fs.readFileSync(path.join(ROOT, "examples", file), "utf8")) as { config: Record<string, unknown> };
            const merged = settingsOf("dev", example.config, [...secrets]);
            assert.notEqual(merged.content.system.auth.mode, "db_auth");
            assert.ok(merged.content.projects.some((p) => p.members.some((m) => m.group !== undefined)), "group members");
        });
    }
});
