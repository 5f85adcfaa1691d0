// Writes a CLI workspace's stack file (Pulumi.<stack>.yaml): the plain config given, keeping what the CLI wrote
// (the passphrase's encryption salt, `secure:` values).
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import type { CliWorkspace } from "./pulumiCli";

const PROJECT = "harbor-platform";

export function writeStackConfig(ws: CliWorkspace, config: Readonly<Record<string, unknown>>): void {
    const file = path.join(ws.projectDir, `Pulumi.${ws.stack}.yaml`);
    const doc = (fs.existsSync(file) ? YAML.parse(fs.readFileSync(file, "utf8")) : undefined) ?? {};
    const secure = Object.entries(doc.config ?? {}).filter(([, v]) => typeof v === "object" && v !== null && "secure" in v);
    doc.config = { ...Object.fromEntries(secure), ...Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v])) };
    fs.writeFileSync(file, YAML.stringify(doc));
}
