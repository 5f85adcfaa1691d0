// Webhook: a project webhook policy with exactly one target (http or slack). Everything changes in place with one
// PUT (Harbor's PUT replaces the whole policy, name included, so a rename is not a replacement); only moving it to
// another project replaces it. Names are unique per project (Harbor answers 409, not in the spec), so a retried
// POST is resolved by looking the policy up by name first.
//
// Harbor quirks (src/server/v2.0/handler/webhook.go, validateTargets / validateEventTypes): the event types are the
// 10 of pkg/notification/notification.go initSupportedNotifyType (any other is a 400); a slack target must carry NO
// payload_format (400 "set payload format is not allowed for slack"), an http one without it gets "Default"; the
// address is parsed (utils.ParseEndpoint) but stored exactly as sent (the "SSRF" rewrite in validateTargets writes to
// a loop copy), so a query string is kept and read back; auth_header is returned by GET, so it is read back (drift
// found) and kept secret in state. A policy with several targets (UI edit) reads back as a drift that the next update
// collapses.
import * as pulumi from "@pulumi/pulumi";
import { HarborClient, qExact, seg } from "./client";
import { adoptExisting, adoptInput, changedFields, Connection, diffManaged, HarborProvider, InputChecker, isUnknown, pick, projectIdInput, requireState, withProjectIdDiff, HARBOR_NAME_RE } from "./provider";
import { ConnectionArgs, dynamicProps, HarborResource, withSecretOutputs } from "./resource";
import { deleteInProject, readInProject } from "./projectAccess";

/** Event types a project webhook can subscribe to (Harbor 2.15: pkg/notification/notification.go, initSupportedNotifyType). */
export const WEBHOOK_EVENT_TYPES = [
    "PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT", "QUOTA_EXCEED", "QUOTA_WARNING", "SCANNING_FAILED", "SCANNING_STOPPED",
    "SCANNING_COMPLETED", "REPLICATION", "TAG_RETENTION",
] as const;
export const WEBHOOK_NOTIFY_TYPES = ["http", "slack"] as const;
export const WEBHOOK_PAYLOAD_FORMATS = ["Default", "CloudEvents"] as const;

export interface WebhookInputs {
    connection: Connection;
    /** Project name. */
    project: string;
    name: string;
    description: string;
    /** Target URL (http or https, kept as written, query included; no credentials). */
    address: string;
    /** Sorted, unique. */
    eventTypes: string[];
    notifyType: (typeof WEBHOOK_NOTIFY_TYPES)[number];
    /** Sent as the Authorization header to the target; "" = none. Secret. */
    authHeader: string;
    skipCertVerify: boolean;
    payloadFormat: (typeof WEBHOOK_PAYLOAD_FORMATS)[number];
    enabled: boolean;
    /** The project's id (Project.projectId): another id = the project was replaced, and this policy left behind. */
    projectId?: number;
    /** Take over the project's policy of this name if it exists. */
    adopt?: boolean;
}

export interface WebhookOutputs extends WebhookInputs {
    policyId: number;
}

const MANAGED = ["project", "name", "description", "address", "eventTypes", "notifyType", "authHeader", "skipCertVerify", "payloadFormat", "enabled"] as const;
const INPUT_KEYS = ["connection", ...MANAGED, "projectId"] as const;

interface ApiTarget {
    type?: string;
    address?: string;
    auth_header?: string;
    skip_cert_verify?: boolean;
    payload_format?: string;
}
interface ApiPolicy {
    id: number;
    name: string;
    description?: string;
    enabled?: boolean;
    event_types?: string[];
    targets?: ApiTarget[];
}

function addressProblem(address: string): string | undefined {
    let u: URL;
    try {
        u = new URL(address);
    } catch {
        return `address "${address}" is not a valid URL (expected e.g. https://hooks.example.com/harbor)`;
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") return `address must be http:// or https://, got "${u.protocol}"`;
    if (/\s/.test(address)) return "address must not contain spaces";
    // Harbor would keep them (it stores the address as sent), but the address is not a secret in state.
    if (u.username || u.password) return "address must not contain credentials (they would be stored in plain text in state); use authHeader";
    return undefined;
}

const policyBody = (i: WebhookInputs) => ({
    name: i.name,
    description: i.description,
    enabled: i.enabled,
    event_types: i.eventTypes,
    targets: [{
        type: i.notifyType, address: i.address, auth_header: i.authHeader, skip_cert_verify: i.skipCertVerify,
        // handler/webhook.go validateTargets: any payload_format on a slack target is a 400.
        ...(i.notifyType === "slack" ? {} : { payload_format: i.payloadFormat }),
    }],
});

const policiesPath = (project: string) => `/projects/${seg(project)}/webhook/policies`;

export class WebhookProvider extends HarborProvider implements pulumi.dynamic.ResourceProvider<WebhookInputs, WebhookOutputs> {
    async check(_olds: WebhookInputs, news: WebhookInputs): Promise<pulumi.dynamic.CheckResult<WebhookInputs>> {
        // A wrongly typed authHeader must not be echoed in the failure (it is a secret): validated here, by type only.
        const rawAuth = (news as { authHeader?: unknown }).authHeader;
        const badAuth = rawAuth !== undefined && rawAuth !== null && typeof rawAuth !== "string" && !isUnknown(rawAuth);
        const c = new InputChecker(badAuth ? { ...news, authHeader: undefined } : news);
        if (badAuth) c.fail("authHeader", "authHeader must be a string");
        const address = c.string("address", { required: true, minLength: 1, line: true })!;
        if (typeof address === "string" && address && !isUnknown(address) && !c.failures.some((f) => f.property === "address")) {
            const problem = addressProblem(address);
            if (problem) c.fail("address", problem);
        }
        const inputs: WebhookInputs = {
            connection: c.connection(),
            project: c.string("project", { required: true, minLength: 1, maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: "expected a project name (Project.name)" })!,
            name: c.string("name", { required: true, minLength: 1, maxLength: 256, line: true })!,
            description: c.string("description", { default: "", text: true })!,
            address,
            eventTypes: c.stringList("eventTypes", {
                required: true, normalise: true, pattern: new RegExp(`^(${WEBHOOK_EVENT_TYPES.join("|")})$`), patternHint: `expected one of ${WEBHOOK_EVENT_TYPES.join(", ")}`,
            })!,
            notifyType: c.oneOf("notifyType", WEBHOOK_NOTIFY_TYPES, { default: "http" })!,
            authHeader: c.string("authHeader", { default: "", line: true })!,
            skipCertVerify: c.bool("skipCertVerify", false),
            payloadFormat: c.oneOf("payloadFormat", WEBHOOK_PAYLOAD_FORMATS, { default: "Default" })!,
            enabled: c.bool("enabled", true),
        };
        if (Array.isArray(inputs.eventTypes) && inputs.eventTypes.length === 0) c.fail("eventTypes", "eventTypes must list at least one event type");
        const rawFormat = (news as { payloadFormat?: unknown }).payloadFormat;
        if (inputs.notifyType === "slack" && rawFormat !== undefined && rawFormat !== null && !c.failures.some((f) => f.property === "payloadFormat")) {
            c.fail("payloadFormat", `payloadFormat is not allowed with notifyType "slack" (Harbor: set payload format is not allowed for slack); remove it`);
        }
        const projectId = projectIdInput(c);
        if (projectId !== undefined) inputs.projectId = projectId;
        if (adoptInput(c)) inputs.adopt = true;
        return c.result(inputs);
    }

    /** Pure. Only the project replaces (a different project never clashes on the name, so create first). */
    async diff(_id: string, olds: WebhookOutputs, news: WebhookInputs): Promise<pulumi.dynamic.DiffResult> {
        // Harbor leaves a deleted project's policies behind (controller/event/handler/internal/project.go deletes none),
        // reachable through no project (handler/webhook.go requirePolicyInProject): a new project id replaces.
        return withProjectIdDiff(diffManaged<WebhookInputs>(olds, news, { managed: MANAGED, replaceOn: ["project"] }), olds.projectId, news.projectId);
    }

    /** One POST (retried only after looking the policy up by name). */
    async create(inputs: WebhookInputs): Promise<pulumi.dynamic.CreateResult<WebhookOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            const existing = inputs.adopt ? await this.findByName(c, inputs.project, inputs.name) : undefined;
            const adopted = existing && (await adoptExisting<WebhookInputs, WebhookOutputs>("webhook policy", this, String(existing.id), inputs, {}));
            if (adopted) return adopted;
            const created = await c.create(policiesPath(inputs.project), policyBody(inputs), {
                byName: true,
                probe: async () => (await this.findByName(c, inputs.project, inputs.name))?.id,
            });
            const policyId = Number(created.id);
            // A retry that adopted a policy made by the lost attempt: make sure it holds these settings.
            if (created.adopted) await c.put(`${policiesPath(inputs.project)}/${policyId}`, policyBody(inputs), { byName: true });
            return { id: String(policyId), outs: { ...inputs, policyId } };
        });
    }

    /** One GET; a 404 (policy or project gone) = gone. */
    async read(id: string, state?: WebhookOutputs): Promise<pulumi.dynamic.ReadResult<WebhookOutputs>> {
        const props = requireState(state, "Webhook");
        return this.withClient(props.connection, (c) =>
            readInProject(c, props.connection.username, props.project, async () => {
                const p = await c.get<ApiPolicy>(`${policiesPath(props.project)}/${seg(id)}`, { byName: true });
                const targets = p.targets ?? [];
                const t = targets[0] ?? {};
                const outs: WebhookOutputs = {
                    connection: props.connection,
                    project: props.project,
                    name: p.name,
                    description: p.description ?? "",
                    // Several targets (added in the UI) cannot be expressed: show them, so the diff collapses them to one.
                    address: (t.address ?? "") + (targets.length > 1 ? ` (+${targets.length - 1} more targets)` : ""),
                    eventTypes: [...new Set(p.event_types ?? [])].sort(),
                    notifyType: (t.type ?? "http") as WebhookInputs["notifyType"],
                    authHeader: t.auth_header ?? "",
                    skipCertVerify: t.skip_cert_verify === true,
                    payloadFormat: (t.payload_format || "Default") as WebhookInputs["payloadFormat"],
                    enabled: p.enabled === true,
                    ...(props.projectId !== undefined ? { projectId: props.projectId } : {}),
                    policyId: p.id,
                };
                return { id: String(p.id), props: outs, inputs: pick(outs, INPUT_KEYS) as WebhookOutputs };
            }),
        );
    }

    /** One PUT of the whole policy (none when only projectId is recorded). */
    async update(id: string, olds: WebhookOutputs, news: WebhookInputs): Promise<pulumi.dynamic.UpdateResult<WebhookOutputs>> {
        return this.withClient(news.connection, async (c) => {
            if (changedFields(olds, news, MANAGED).length > 0) await c.put(`${policiesPath(news.project)}/${seg(id)}`, policyBody(news), { byName: true });
            return { outs: { ...news, policyId: Number(id) } };
        });
    }

    /** One DELETE; 404 (policy or project gone) = already gone. */
    async delete(id: string, props: WebhookOutputs): Promise<void> {
        await this.withClient(props.connection, (c) => deleteInProject(c, props.connection.username, props.project, `${policiesPath(props.project)}/${seg(id)}`, { byName: true }));
    }

    private async findByName(c: HarborClient, project: string, name: string): Promise<ApiPolicy | undefined> {
        const q = qExact("name", name); // undefined (a ',' in the name): list them all, the exact match is made here
        return (await c.list<ApiPolicy>(policiesPath(project), { byName: true, ...(q ? { query: { q } } : {}) })).find((p) => p.name === name);
    }
}

/** The provider every Webhook uses, in the dynamic-provider host (harbor/hosted.ts). */
export const webhookProvider = new WebhookProvider();

export interface WebhookArgs {
    /** How to reach Harbor; held as a secret. */
    connection: pulumi.Input<ConnectionArgs>;
    /** Project name (replaces the webhook when changed). */
    project: pulumi.Input<string>;
    /** Policy name, unique in the project (renamed in place). */
    name: pulumi.Input<string>;
    description?: pulumi.Input<string>;
    /** Target URL, http(s), without credentials (a query string is kept). */
    address: pulumi.Input<string>;
    /** Events to send, e.g. ["PUSH_ARTIFACT", "SCANNING_COMPLETED"]. */
    eventTypes: pulumi.Input<pulumi.Input<string>[]>;
    /** "http" (default) or "slack". */
    notifyType?: pulumi.Input<"http" | "slack">;
    /** Authorization header value sent to the target (kept secret). */
    authHeader?: pulumi.Input<string>;
    /** Skip TLS verification of the target. Default false. */
    skipCertVerify?: pulumi.Input<boolean>;
    /** "Default" (default) or "CloudEvents"; http targets only (Harbor refuses it for slack). */
    payloadFormat?: pulumi.Input<"Default" | "CloudEvents">;
    /** Default true. */
    enabled?: pulumi.Input<boolean>;
    /** The Project's `projectId` output. A new id (the project was replaced; Harbor leaves its webhook policies behind, unreachable) replaces the webhook. */
    projectId?: pulumi.Input<number>;
    /** Take over the project's existing policy of this name (default false). */
    adopt?: pulumi.Input<boolean>;
}

/** A project webhook policy with one target. */
export class Webhook extends HarborResource {
    declare readonly policyId: pulumi.Output<number>;

    constructor(name: string, args: WebhookArgs, opts?: pulumi.CustomResourceOptions) {
        const props = dynamicProps({ ...args, ...(args.authHeader !== undefined ? { authHeader: pulumi.secret(args.authHeader) } : {}) }, ["policyId"]);
        super("Webhook", name, props, withSecretOutputs(opts, ["authHeader"]));
    }
}
