// The robot access table in harbor/rbac.ts (used by RobotAccount's check and by the emulator) against Harbor's
// robot access lists as the repository carries them (contract/harbor-rbac.json), so neither can drift from Harbor.
import { strict as assert } from "assert";
import { accessProblem, ROBOT_ACCESS } from "../../harbor/rbac";
import { rbacContract } from "../helpers/contract";

describe("harbor/rbac", () => {
    it("the robot access table matches Harbor's (system and project scope)", () => {
        const sorted = (t: Readonly<Record<string, readonly string[]>>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, [...v].sort()]).sort());
        const { robotAccess } = rbacContract();
        assert.deepEqual(sorted(ROBOT_ACCESS.system), sorted(robotAccess.system));
        assert.deepEqual(sorted(ROBOT_ACCESS.project), sorted(robotAccess.project));
    });

    it("accessProblem names what is allowed", () => {
        assert.equal(accessProblem("project", "repository", "pull"), undefined);
        assert.match(accessProblem("project", "repository", "*")!, /allowed: read, update, delete, list, pull, push/);
        assert.match(accessProblem("system", "toString", "read")!, /not a system-level resource/);
    });
});
