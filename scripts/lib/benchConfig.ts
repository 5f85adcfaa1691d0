/**
 * The benchmark's generated stack config: N projects, each with 3 members, 2 robots (push, pull), a retention
 * policy and an immutable rule, plus one push replication policy per project (`benchProgram`). Kept apart from
 * scripts/bench.ts so the smoke test in npm test can run it with N=5.
 *
 * Why the replication policies are added by `benchProgram`: the config's `replication.outbound` describes ONE policy
 * (dev → prod for one source project), so a per-project policy cannot be expressed in config. `benchProgram` runs
 * the real program and registers, per project, the same `harbor.ReplicationPolicy` (with the same arguments shape)
 * that HarborContent registers for the outbound policy, under the content component.
 */
import * as pulumi from "@pulumi/pulumi";
import * as harbor from "../../harbor";
import { PROJECT, Settings } from "../../config";
import { program, StackOutputs } from "../../program";

/** Config overrides (full keys) for the dev stack with `n` generated projects. */
export function benchConfig(n: number): Record<string, unknown> {
    const projects = Array.from({ length: n }, (_, i) => {
        const name = `team-${String(i).padStart(4, "0")}`;
        return {
            name, autoScan: true, preventVulnerable: "high", storageQuotaGiB: 50,
            members: [
                { user: `${name}-lead`, role: "projectAdmin" },
                { group: `${name}-devs`, groupType: "oidc", role: "developer" },
                { group: `${name}-ops`, groupType: "oidc", role: "maintainer" },
            ],
            robots: [
                { name: "ci", preset: "push", description: `CI of ${name}` },
                { name: "deploy", preset: "pull", description: `clusters pulling ${name}` },
            ],
            retention: { schedule: "daily", rules: [{ template: "latestPushedK", value: 10, tagPattern: "v*" }] },
            immutable: [{ tagPattern: "v*" }],
        };
    });
    return {
        [`${PROJECT}:projects`]: projects,
        [`${PROJECT}:images`]: [],
        // The stack file's outbound policy names its own source project; the per-project policies replace it here.
        [`${PROJECT}:replication`]: { outbound: { enabled: false }, inbound: { enabled: false } },
    };
}

/** The real program plus one push ReplicationPolicy per project (see the module comment). */
export function benchProgram(settings: Settings): StackOutputs {
    const outputs = program(settings);
    const connection = pulumi.secret({ url: "https://harbor-dev.example.com", username: "admin", password: "bench-only" });
    for (const p of settings.content.projects) {
        new harbor.ReplicationPolicy(`content-${p.name}-replication`, {
            connection, name: `${p.name}-to-prod`, direction: "push", registryId: 1,
            filters: { name: `${p.name}/**`, tag: { pattern: "v*" } }, trigger: { type: "event_based" },
            destNamespace: "prod-team", destNamespaceReplaceCount: 1, override: true, enabled: true,
        });
    }
    return outputs;
}
