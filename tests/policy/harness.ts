/**
 * Runs CrossGuard policies without the Pulumi CLI: builds the argument bags the analyzer would pass
 * (props wrapped in the SDK's own unknown-checking proxy, as in a real run) and collects violations.
 * Never constructs a PolicyPack (its constructor starts a gRPC server).
 */
import {
    PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy, unknownCheckingProxy,
    UnknownValueError,
} from "@pulumi/policy";
// The SDK's sentinel for "unknown during preview" (internal module, stable since 2019).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const proxy = require("@pulumi/policy/proxy") as { unknownStringValue: string; unknownObjectValue: string; unknownArrayValue: string; unknownBooleanValue: string };

/** Use in props to stand for a value that is unknown in preview. */
export const unknown = {
    string: proxy.unknownStringValue,
    object: proxy.unknownObjectValue,
    array: proxy.unknownArrayValue,
    boolean: proxy.unknownBooleanValue,
};

export interface FakeOptions {
    stack?: string;
    name?: string;
    config?: Record<string, unknown>;
}

class NotApplicable extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "not applicable");
    }
}

export const urnOf = (stack: string, type: string, name: string): string => `urn:pulumi:${stack}::harbor-platform::${type}::${name}`;

const defaultOpts = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };

export function resourceArgs(type: string, props: Record<string, unknown>, o: FakeOptions = {}): ResourceValidationArgs {
    const name = o.name ?? "res";
    return {
        type,
        props: unknownCheckingProxy(props),
        urn: urnOf(o.stack ?? "dev", type, name),
        name,
        opts: defaultOpts,
        stackTags: new Map(),
        isType: (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type,
        asType: ((cls: unknown) => ((cls as { __pulumiType?: string }).__pulumiType === type ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => (o.config ?? {}) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
}

export interface PolicyRun {
    violations: string[];
    /** The run hit a value unknown in preview and would be reported as advisory "can't run during preview". */
    blockedByUnknown: boolean;
}

async function collect(run: (report: (m: string) => void) => Promise<void> | void): Promise<PolicyRun> {
    const violations: string[] = [];
    try {
        await run((m) => violations.push(m));
    } catch (e) {
        if (e instanceof NotApplicable) {
            return { violations: [], blockedByUnknown: false };
        }
        if (e instanceof UnknownValueError) {
            return { violations, blockedByUnknown: true };
        }
        throw e;
    }
    return { violations, blockedByUnknown: false };
}

export async function runResourcePolicy(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<PolicyRun> {
    const validations = policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    return collect(async (report) => {
        for (const v of validations) {
            await v(args, report);
        }
    });
}

/** Shorthand: the violations of one resource. */
export async function violations(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>, o: FakeOptions = {}): Promise<string[]> {
    const run = await runResourcePolicy(policy, resourceArgs(type, props, o));
    if (run.blockedByUnknown) {
        throw new Error(`policy ${policy.name} could not run: it read an unknown value`);
    }
    return run.violations;
}

export interface FakeResource {
    type: string;
    name: string;
    props: Record<string, unknown>;
    /** Names of resources (in the same list) this one's properties depend on, e.g. { bucket: ["b"] }. */
    dependsOn?: Record<string, string[]>;
}

export function stackResources(resources: FakeResource[], stack = "dev"): PolicyResource[] {
    const out: PolicyResource[] = resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: urnOf(stack, r.type, r.name),
        props: unknownCheckingProxy(r.props),
        opts: defaultOpts,
        dependencies: [],
        propertyDependencies: {},
        isType: (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === r.type,
        asType: (() => undefined) as PolicyResource["asType"],
    }));
    resources.forEach((r, i) => {
        for (const [prop, names] of Object.entries(r.dependsOn ?? {})) {
            const deps = names.map((n) => {
                const d = out.find((x) => x.name === n);
                if (!d) {
                    throw new Error(`fake resource ${r.name} depends on unknown resource ${n}`);
                }
                return d;
            });
            out[i].propertyDependencies[prop] = deps;
            out[i].dependencies.push(...deps);
        }
    });
    return out;
}

export async function runStackPolicy(policy: StackValidationPolicy, resources: FakeResource[], o: FakeOptions = {}): Promise<PolicyRun> {
    const args = {
        resources: stackResources(resources, o.stack),
        stackTags: new Map<string, string>(),
        getConfig: <T extends object>() => (o.config ?? {}) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
    return collect((report) => policy.validateStack(args, report));
}

export async function stackViolations(policy: StackValidationPolicy, resources: FakeResource[], o: FakeOptions = {}): Promise<string[]> {
    const run = await runStackPolicy(policy, resources, o);
    if (run.blockedByUnknown) {
        throw new Error(`policy ${policy.name} could not run: it read an unknown value`);
    }
    return run.violations;
}
