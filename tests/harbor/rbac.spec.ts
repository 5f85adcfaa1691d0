// The robot access table in harbor/rbac.ts (used by RobotAccount's check and by the emulator) against the list in
// ../shared/notes/harbor-api.md §2.5, so neither can drift from the documented Harbor behaviour.
import { strict as assert } from "assert";
import * as fs from "fs";
import { accessProblem, ROBOT_ACCESS } from "../../harbor/rbac";
import { requireSharedFile } from "../helpers/shared";

const CRUDL = ["create", "read", "update", "delete", "list"];

function parseScope(notes: string, label: string): Record<string, string[]> {
    const line = notes.split("\n").find((l) => l.startsWith(`- **${label}**:`));
    assert.ok(line, `notes have no "${label}" line`);
    const out: Record<string, string[]> = {};
    for (const entry of line.slice(line.indexOf(":") + 1).replace(/\.\s*$/, "").split(";")) {
        const [resource, actions] = entry.trim().split(":");
        out[resource] = actions === "CRUDL" ? CRUDL : actions.replace(/[{}]/g, "").split(",");
    }
    return out;
}

describe("harbor/rbac", () => {
    let notes = "";
    before(function () {
        notes = fs.readFileSync(requireSharedFile(this, "notes/harbor-api.md"), "utf8");
    });

    it("the robot access table matches the notes (system and project scope)", () => {
        const sorted = (t: Readonly<Record<string, readonly string[]>>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, [...v].sort()]).sort());
        assert.deepEqual(sorted(ROBOT_ACCESS.system), sorted(parseScope(notes, "System scope")));
        assert.deepEqual(sorted(ROBOT_ACCESS.project), sorted(parseScope(notes, "Project scope")));
    });

    it("accessProblem names what is allowed", () => {
        assert.equal(accessProblem("project", "repository", "pull"), undefined);
        assert.match(accessProblem("project", "repository", "*")!, /allowed: read, update, delete, list, pull, push/);
        assert.match(accessProblem("system", "toString", "read")!, /not a system-level resource/);
    });
});
