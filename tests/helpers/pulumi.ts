/**
 * Mock-runtime helpers for specs (and for other layers' specs): the plan machinery plus small finders.
 * `planStack` runs the real program for a stack under mocks; `installMocks` + `settle` let a spec register
 * resources itself and inspect what was recorded.
 */
import type { RecordedResource } from "../../scripts/lib/plan-mocks";
import { Plan, PlannedResource, planStack } from "../../scripts/plan";

export { planStack, SecureValue } from "../../scripts/plan";
export type { Plan, PlannedResource } from "../../scripts/plan";
export { FAKE_SECRET_MARKER, installMocks, maskValue, resolveOutput, settle } from "../../scripts/lib/plan-mocks";
export type { RecordedResource } from "../../scripts/lib/plan-mocks";

export function ofType(plan: Plan, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

export function one(plan: Plan, type: string, name?: string): PlannedResource {
    const found = ofType(plan, type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.map((r) => r.name).join(", ") || "none"}`);
    }
    return found[0];
}

/** Reads a nested value by dotted path. */
export function at(obj: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

const stackPlans = new Map<string, Promise<{ plan: Plan; recorded: readonly RecordedResource[] }>>();

/**
 * The plan of a checked-in stack's config, as is (no overrides), and its raw registrations: planned once per test run
 * and shared by the specs that only read it (never mutate what this returns).
 */
export function stackPlan(stack: string): Promise<{ plan: Plan; recorded: readonly RecordedResource[] }> {
    let planned = stackPlans.get(stack);
    if (!planned) {
        planned = (async () => {
            let recorded: readonly RecordedResource[] = [];
            const plan = await planStack(stack, { onRegistrations: (r) => (recorded = [...r]) });
            return { plan, recorded };
        })();
        stackPlans.set(stack, planned);
    }
    return planned;
}

/**
 * The least config a prod stack needs beyond Pulumi.prod.yaml's own keys for a plan without the stack file: a hostname,
 * cert-manager TLS, and the AWS network RDS/ElastiCache go into (full keys).
 */
export const MINIMAL_PROD_CONFIG: Readonly<Record<string, unknown>> = {
    "harbor-platform:hostname": "harbor.example.com",
    "harbor-platform:ingress": { tlsSource: "cert-manager", clusterIssuer: "letsencrypt" },
    "harbor-platform:aws": {
        region: "eu-west-1", vpcId: "vpc-0123456789abcdef0",
        subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], clusterSecurityGroupIds: ["sg-0123456789abcdef0"],
    },
};

/** Secrets as the mocks record them ({<signature>: ..., value}) turned into plain values, at any depth. */
export function unwrapSecrets(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if ("4dabf18193072939515e22adb298388d" in o) return unwrapSecrets(o.value);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}
