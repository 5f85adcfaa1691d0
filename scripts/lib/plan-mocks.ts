/**
 * Pulumi mock runtime for the offline plan and the tests: records every registered resource (type, name, parent,
 * inputs), answers with deterministic fake state, and marks as secret the outputs real providers mark secret.
 * Fake secret values contain FAKE_SECRET_MARKER, so a test can prove none of them leaks into a plain input.
 */
import * as pulumi from "@pulumi/pulumi";

export const FAKE_SECRET_MARKER = "FAKESECRET";

export interface RecordedResource {
    type: string;
    name: string;
    /** URN of the parent resource, "" for top-level resources. */
    parentUrn: string;
    /** Deserialized inputs as the engine would see them (secrets wrapped, unknowns as the sentinel). */
    inputs: Record<string, unknown>;
    custom: boolean;
    /** The `protect` resource option. */
    protect: boolean;
    /** URNs this resource waits for (explicit dependsOn and the resources its inputs come from). */
    dependencies: string[];
    /** The state the mocks answered with (the outputs a provider would return; secrets not yet wrapped). */
    state: Record<string, unknown>;
}

/** Outputs each provider marks secret (the engine does it for real; under mocks we do it here). */
const SECRET_OUTPUTS: Record<string, string[]> = {
    "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
    "tls:index/privateKey:PrivateKey": ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"],
    "aws:iam/accessKey:AccessKey": ["secret", "sesSmtpPasswordV4"],
    "aws:rds/instance:Instance": ["password"],
    "aws:elasticache/replicationGroup:ReplicationGroup": ["authToken"],
};

function fakeState(a: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    const i = a.inputs as Record<string, any>;
    switch (a.type) {
        case "random:index/randomPassword:RandomPassword":
            return { ...i, result: `${FAKE_SECRET_MARKER}-${a.name}`, bcryptHash: `$2a$10$${FAKE_SECRET_MARKER}${a.name}` };
        case "random:index/randomString:RandomString":
            return { ...i, result: `${FAKE_SECRET_MARKER}-${a.name}`.padEnd(i.length ?? 16, "x").slice(0, i.length ?? 16) };
        case "tls:index/privateKey:PrivateKey":
            return { ...i, privateKeyPem: `-----BEGIN ${FAKE_SECRET_MARKER} KEY ${a.name}-----`, publicKeyPem: `-----BEGIN PUBLIC KEY ${a.name}-----` };
        case "tls:index/selfSignedCert:SelfSignedCert":
            return { ...i, certPem: `-----BEGIN CERTIFICATE ${a.name}-----` };
        case "aws:s3/bucket:Bucket": {
            const bucket = i.bucket ?? `${i.bucketPrefix ?? a.name}plan`;
            return { ...i, bucket, arn: `arn:aws:s3:::${bucket}`, id: bucket };
        }
        case "aws:iam/user:User":
            return { ...i, name: i.name ?? a.name, arn: `arn:aws:iam::123456789012:user/${a.name}` };
        case "aws:iam/accessKey:AccessKey":
            return { ...i, id: "AKIAPLANEXAMPLE", secret: `${FAKE_SECRET_MARKER}-${a.name}` };
        case "aws:rds/instance:Instance":
            return { ...i, address: `${a.name}.plan.rds.amazonaws.com`, port: 5432, endpoint: `${a.name}.plan.rds.amazonaws.com:5432` };
        case "aws:elasticache/replicationGroup:ReplicationGroup":
            return { ...i, primaryEndpointAddress: `master.${a.name}.plan.cache.amazonaws.com`, port: 6379 };
        case "aws:rds/subnetGroup:SubnetGroup":
        case "aws:elasticache/subnetGroup:SubnetGroup":
            return { ...i, name: i.name ?? a.name };
        case "aws:ec2/securityGroup:SecurityGroup":
            return { ...i, id: `sg-${a.name}` };
        // Content layer: what Harbor and the registry would answer.
        case "pulumi-nodejs:dynamic/harbor:RobotAccount": {
            const short = i.level === "system" ? i.name : `${i.project}+${i.name}`;
            return { ...i, robotId: 1, fullName: `robot$${short}`, secret: `${FAKE_SECRET_MARKER}-${a.name}`, expiresAt: -1 };
        }
        case "pulumi-nodejs:dynamic/harbor:Project":
            return { ...i, projectId: 1, quotaId: 1 };
        case "pulumi-nodejs:dynamic/harbor:Registry":
            return { ...i, registryId: 1, accessSecretHash: "plan" };
        case "docker:index/image:Image": {
            const name = String(i.imageName ?? a.name);
            const repo = name.slice(0, name.lastIndexOf(":") > name.lastIndexOf("/") ? name.lastIndexOf(":") : name.length);
            return { ...i, repoDigest: `${repo}@sha256:${"0".repeat(64)}`, baseImageName: name, registryServer: i.registry?.server };
        }
        case "pulumi:pulumi:StackReference":
            // Another stack's outputs are not available offline: the shape prod exports, its secret marked secret.
            return {
                ...i,
                outputs: {
                    replicationEndpoint: "https://harbor.example.com",
                    replicationRobotName: "robot$replication-inbound",
                    replicationRobotSecret: `${FAKE_SECRET_MARKER}-${a.name}`,
                },
                secretOutputNames: ["replicationRobotSecret"],
            };
        default:
            return { ...i };
    }
}

function markSecrets(type: string, state: Record<string, unknown>): Record<string, unknown> {
    const keys = SECRET_OUTPUTS[type];
    if (!keys) return state;
    const out = { ...state };
    for (const k of keys) if (out[k] !== undefined) out[k] = pulumi.secret(out[k]);
    return out;
}

/** The mocks; `recorded` fills as resources register. */
export function createMocks(recorded: RecordedResource[], requests: Map<string, RequestInfo>): pulumi.runtime.Mocks {
    return {
        newResource(a: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
            const req = requests.get(`${a.type}::${a.name}`);
            const plain = fakeState(a);
            recorded.push({
                type: a.type, name: a.name, parentUrn: req?.parent ?? "",
                inputs: a.inputs as Record<string, unknown>, custom: a.custom ?? false, protect: req?.protect ?? false,
                dependencies: req?.dependencies ?? [], state: plain,
            });
            const state = markSecrets(a.type, plain);
            return { id: a.custom ? String((state as { id?: unknown }).id ?? `${a.name}-id`) : undefined, state };
        },
        call(a: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
            // Strict, like awsx: an unexpected invoke is a bug in the program or in these mocks.
            throw new Error(`unmocked invoke ${a.token}`);
        },
    };
}

interface RequestInfo { parent: string; protect: boolean; dependencies: string[] }
interface MonitorLike {
    registerResource(
        req: { getType(): string; getName(): string; getParent(): string; getProtect(): boolean; getDependenciesList(): string[] },
        cb: unknown,
    ): unknown;
    readResource(req: { getType(): string; getName(): string; getParent(): string; getDependenciesList(): string[] }, cb: unknown): unknown;
}

/**
 * Installs the mocks for one stack and returns the recorder. The mock monitor does not pass parents to
 * `newResource` (nor, in 3.276, dependencies), so the registration request is observed first to remember each
 * resource's parent URN, `protect` and dependency URNs.
 */
export function installMocks(stack: string, project = "harbor-platform"): { recorded: RecordedResource[] } {
    const recorded: RecordedResource[] = [];
    const requests = new Map<string, RequestInfo>();
    void pulumi.runtime.setMocks(createMocks(recorded, requests), project, stack, false);
    const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        requests.set(`${req.getType()}::${req.getName()}`, { parent: req.getParent(), protect: req.getProtect(), dependencies: req.getDependenciesList() });
        return register(req, cb);
    };
    // Reads (a StackReference) have a parent too.
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req, cb) => {
        requests.set(`${req.getType()}::${req.getName()}`, { parent: req.getParent(), protect: false, dependencies: req.getDependenciesList() });
        return read(req, cb);
    };
    return { recorded };
}

/** Waits until the mock runtime has no registration in flight (the barrier before reading `recorded`). */
export async function settle(): Promise<void> {
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: () => Promise<void> };
    for (let i = 0; i < 3; i++) {
        if (settings.waitForRPCs) await settings.waitForRPCs();
        await new Promise((r) => setImmediate(r));
    }
}

const SECRET_SIG = pulumi.runtime.specialSigKey;

/** Replaces secrets with "[secret]" and unknowns with "[unknown]"; drops engine-internal keys (`__provider`). */
export function maskValue(v: unknown): unknown {
    if (v === pulumi.runtime.unknownValue) return "[unknown]";
    if (Array.isArray(v)) return v.map(maskValue);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SECRET_SIG] === pulumi.runtime.specialSecretSig) return "[secret]";
        if (o[SECRET_SIG] !== undefined) return typeof o.urn === "string" ? o.urn : "[reference]";
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(o)) if (!k.startsWith("__")) out[k] = maskValue(x);
        return out;
    }
    return v;
}

/** Resolves an Output for printing: "[secret]" if secret, "[unknown]" if unknown, else its value. */
export async function resolveOutput(o: unknown): Promise<unknown> {
    if (!pulumi.Output.isInstance(o)) return o;
    const internal = o as unknown as { isKnown: Promise<boolean>; promise(): Promise<unknown> };
    if (await pulumi.isSecret(o)) return "[secret]";
    if (!(await internal.isKnown)) return "[unknown]";
    return maskValue(await internal.promise());
}
