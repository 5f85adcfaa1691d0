// Smoke test of the benchmark's generator (scripts/lib/benchConfig.ts) with N=5: the generated config is valid and
// the program registers exactly what the benchmark claims to measure per project.
import { strict as assert } from "assert";
import { parseSettings } from "../config";
import { benchConfig, benchProgram } from "../scripts/lib/benchConfig";
import { ofType, planStack } from "./helpers/pulumi";

describe("bench generator (N=5)", function () {
    this.timeout(60_000);

    it("is valid config and yields, per project, 3 members, 2 robots, a retention policy, an immutable rule and a replication policy", async () => {
        const plan = await planStack("dev", { configOverride: benchConfig(5), program: benchProgram });
        const count = (t: string) => ofType(plan, `pulumi-nodejs:dynamic/harbor:${t}`).length;
        assert.deepEqual(
            { Project: count("Project"), ProjectMember: count("ProjectMember"), RobotAccount: count("RobotAccount"), RetentionPolicy: count("RetentionPolicy"), ImmutableTagRule: count("ImmutableTagRule"), ReplicationPolicy: count("ReplicationPolicy") },
            { Project: 5, ProjectMember: 15, RobotAccount: 10, RetentionPolicy: 5, ImmutableTagRule: 5, ReplicationPolicy: 5 },
        );
        assert.equal(new Set(plan.resources.map((r) => `${r.type}::${r.name}`)).size, plan.resources.length, "unique names");
    });

    it("scales the project count", () => {
        const raw = benchConfig(12);
        assert.equal(parseSettings("dev", { "harbor-platform:hostname": "harbor.example.com", ...raw }).content.projects.length, 12);
    });
});
