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
import { boolField, oneOfField, projectIdField, refined, secretField, stringField, stringListField } from "./fields";
import { adoptExisting, changedFields, DeclaredProvider, HARBOR_NAME_RE, pick, requireState } from "./provider";
import { dynamicProps, HarborResource, withSecretOutputs } from "./resource";
import { deleteInProject, readInProject } from "./projectAccess";
import { AdoptableArgsOf, declareResource, input, InputsOf, optionalInput, requiredInput } from "./schema";

/** Event types a project webhook can subscribe to (Harbor 2.15: pkg/notification/notification.go, initSupportedNotifyType). */
export const WEBHOOK_EVENT_TYPES = [
    "PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT", "QUOTA_EXCEED", "QUOTA_WARNING", "SCANNING_FAILED", "SCANNING_STOPPED",
    "SCANNING_COMPLETED", "REPLICATION", "TAG_RETENTION",
] as const;
export const WEBHOOK_NOTIFY_TYPES = ["http", "slack"] as const;
export const WEBHOOK_PAYLOAD_FORMATS = ["Default", "CloudEvents"] as const;

/** Why Harbor cannot take `address` as a target, or why it must not be stored in state; undefined when fine. */
function addressProblem(address: string): string | undefined {
    let u: URL;
    try {
        u = new URL(address);
    } catch {
        return `"${address}" is not a valid URL (expected e.g. https://hooks.example.com/harbor)`;
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") return `must be http:// or https://, got "${u.protocol}"`;
    if (/\s/.test(address)) return "must not contain spaces";
    // Harbor would keep them (it stores the address as sent), but the address is not a secret in state.
    if (u.username || u.password) return "must not contain credentials (they would be stored in plain text in state); use authHeader";
    // Harbor: src/common/utils/utils.go ParseEndpoint compares the scheme as written with "http"/"https" (else 400
    // "invalid scheme"); a URL parser here would lower-case it, or read "https:/h" and "https:\\h" as https://h.
    if (!/^https?:\/\//.test(address)) return `must start with "http://" or "https://" exactly (lower case, two slashes: Harbor's ParseEndpoint compares the scheme as written)`;
    // Harbor: ParseEndpoint ends in Go's url.ParseRequestURI, which refuses a '%' not followed by two hex digits in the
    // host or path (the query is not checked): 400 "invalid URL escape".
    const bad = /%(?![0-9A-Fa-f]{2})/.exec(address.split("?")[0]);
    if (bad) return `has a '%' at position ${bad.index + 1} that is not followed by two hex digits (Harbor refuses it: invalid URL escape); write a literal '%' as %25`;
    return undefined;
}

/** The canonical form of a set of event types: unique, sorted (check and read-back). */
const normaliseEventTypes = (types: readonly string[]): string[] => [...new Set(types)].sort();

/** The declaration: check, diff, types and the README table come from here. */
export const WEBHOOK = declareResource({
    type: "Webhook",
    inputs: {
        project: requiredInput(stringField({ required: true, minLength: 1, maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: "expected a project name (Project.name)" }), "The project's name (Project.name).", { replaces: true }),
        name: requiredInput(stringField({ required: true, minLength: 1, maxLength: 256, line: true }), "Policy name, unique in the project (Harbor: 409); renamed in place."),
        description: input(stringField({ default: "", text: true }), "Free text."),
        address: requiredInput(refined(stringField({ required: true, minLength: 1, line: true }), { problem: addressProblem, summary: "http(s) URL, no credentials" }), "The target's URL, stored as written (a query string is kept)."),
        eventTypes: requiredInput(stringListField({
            required: true, normalise: true, pattern: new RegExp(`^(${WEBHOOK_EVENT_TYPES.join("|")})$`), patternHint: `expected one of ${WEBHOOK_EVENT_TYPES.join(", ")}`,
        }), "The events to send, at least one (Harbor 2.15's 10)."),
        notifyType: input(oneOfField(WEBHOOK_NOTIFY_TYPES, { default: "http" }), "The target's type."),
        authHeader: input(secretField({ default: "", line: true }), "Sent as the Authorization header to the target; `\"\"` = none. Read back (a UI edit is drift), kept secret in state."),
        skipCertVerify: input(boolField(false), "Skip TLS verification of the target."),
        payloadFormat: optionalInput(oneOfField(WEBHOOK_PAYLOAD_FORMATS), "http targets only; unset = `Default` (Harbor refuses any with slack, so it is never sent for slack)."),
        enabled: input(boolField(true), "Whether Harbor sends events."),
        projectId: optionalInput(projectIdField(), "The Project's `projectId` output: a new id (the project was replaced; Harbor leaves its policies behind, unreachable) replaces the webhook.", { unmanaged: true }),
    },
    outputs: { policyId: { doc: "Harbor's policy id." } },
    adoptable: true,
    rules: (i, fail, failed) => {
        // handler/webhook.go validateEventTypes: "empty event type" is a 400.
        if (Array.isArray(i.eventTypes) && i.eventTypes.length === 0) fail("eventTypes", "eventTypes must list at least one event type");
        // handler/webhook.go validateTargets: any payload_format on a slack target is a 400.
        if (i.notifyType === "slack" && i.payloadFormat !== undefined && !failed("payloadFormat")) {
            fail("payloadFormat", `payloadFormat is not allowed with notifyType "slack" (Harbor: set payload format is not allowed for slack); remove it`);
        }
    },
    normalise: (i) => ({ ...i, payloadFormat: i.payloadFormat ?? "Default", ...(Array.isArray(i.eventTypes) ? { eventTypes: normaliseEventTypes(i.eventTypes) } : {}) }),
});

type PayloadFormat = (typeof WEBHOOK_PAYLOAD_FORMATS)[number];
/** Checked inputs: payloadFormat always set (normalised); `adopt` only when true. */
export type WebhookInputs = InputsOf<typeof WEBHOOK.spec.inputs> & { payloadFormat: PayloadFormat; adopt?: boolean };
/** The program's arguments (see the README table); `adopt: true` takes over the project's policy of this name. */
export type WebhookArgs = AdoptableArgsOf<typeof WEBHOOK.spec.inputs>;

export interface WebhookOutputs extends WebhookInputs {
    policyId: number;
}

const MANAGED = WEBHOOK.managed;
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

export class WebhookProvider extends DeclaredProvider<WebhookInputs, WebhookOutputs> implements pulumi.dynamic.ResourceProvider<WebhookInputs, WebhookOutputs> {
    // Only the project replaces (create first: another project never clashes on the name); Harbor leaves a
    // deleted project's policies behind, reachable through no project (handler/webhook.go
    // requirePolicyInProject), so a new projectId replaces.
    protected readonly declaration = WEBHOOK;

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
                const held = WEBHOOK.spec.normalise!({
                    connection: props.connection,
                    project: props.project,
                    name: p.name,
                    description: p.description ?? "",
                    // Several targets (added in the UI) cannot be expressed: show them, so the diff collapses them to one.
                    address: (t.address ?? "") + (targets.length > 1 ? ` (+${targets.length - 1} more targets)` : ""),
                    eventTypes: p.event_types ?? [],
                    notifyType: (t.type ?? "http") as WebhookInputs["notifyType"],
                    authHeader: t.auth_header ?? "",
                    skipCertVerify: t.skip_cert_verify === true,
                    // Harbor stores none for slack and "Default" for an http target sent without one: both read as unset.
                    ...(t.payload_format ? { payloadFormat: t.payload_format as PayloadFormat } : {}),
                    enabled: p.enabled === true,
                    ...(props.projectId !== undefined ? { projectId: props.projectId } : {}),
                });
                const outs: WebhookOutputs = { ...(held as WebhookInputs), policyId: p.id };
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

/** A project webhook policy with one target. */
export class Webhook extends HarborResource {
    declare readonly policyId: pulumi.Output<number>;

    constructor(name: string, args: WebhookArgs, opts?: pulumi.CustomResourceOptions) {
        const props = dynamicProps({ ...args, ...(args.authHeader !== undefined ? { authHeader: pulumi.secret(args.authHeader) } : {}) }, WEBHOOK.outputNames);
        // authHeader is an input kept secret in the outputs too (Harbor returns it), so not a declared output.
        super(WEBHOOK.type, name, props, withSecretOutputs(opts, [...WEBHOOK.secretOutputs, "authHeader"]));
    }
}
