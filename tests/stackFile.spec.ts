import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parseSettings, RawConfig } from "../config";
import { referencedProdStack, withoutOutboundReplication } from "../scripts/lib/stackFile";

const root = path.resolve(__dirname, "..");
const devFile = fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8");
const settingsOf = (text: string) => parseSettings("dev", (YAML.parse(text) as { config: RawConfig }).config);

describe("scripts/lib/stackFile (up.sh on a fresh machine)", () => {
    it("finds the prod stack dev replicates to, and nothing when replication is off or explicit", () => {
        assert.strictEqual(referencedProdStack(devFile), "organization/harbor-platform/prod");
        assert.strictEqual(referencedProdStack(fs.readFileSync(path.join(root, "Pulumi.prod.yaml"), "utf8")), undefined);
        assert.strictEqual(referencedProdStack("config:\n  harbor-platform:replication:\n    outbound: {enabled: false, prodStack: a/b/prod}\n"), undefined);
        assert.strictEqual(referencedProdStack("config:\n  harbor-platform:replication:\n    outbound: {enabled: true, url: https://harbor.example.com}\n"), undefined);
        assert.strictEqual(referencedProdStack("config: {}\n"), undefined);
    });

    it("turns outbound replication off and keeps everything else, secure: values and salt included", () => {
        const withSecret = `encryptionsalt: v1:abc\n${devFile}  harbor-platform:ldapSearchPassword:\n    secure: v1:xyz\n`;
        const out = withoutOutboundReplication(withSecret);
        assert.strictEqual(referencedProdStack(out), undefined);
        const before = YAML.parse(withSecret), after = YAML.parse(out);
        assert.strictEqual(after.config["harbor-platform:replication"].outbound.enabled, false);
        after.config["harbor-platform:replication"].outbound.enabled = true;
        assert.deepStrictEqual(after, before);
        const s = settingsOf(withoutOutboundReplication(devFile));
        assert.strictEqual(s.content.replication.outbound, undefined, "dev deploys without a StackReference");
        assert.strictEqual(s.content.projects[0].name, "dev-team", "the rest of the workflow stays");
        assert.notStrictEqual(settingsOf(devFile).content.replication.outbound, undefined);
    });
});
