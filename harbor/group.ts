// Group: a Harbor user group (LDAP, HTTP or OIDC), for project memberships. The name changes in place (Harbor's
// PUT renames only); type and ldapDn replace the group. Unique by (name, type) in Harbor, so a replacement keeping
// both deletes first.
//
// Harbor quirks handled (see harbor/README.md, Group; Harbor's pkg/usergroup): an LDAP group's DN is checked
// against LDAP (400 when unknown) and stored trimmed and lower-cased (normalised the same way in `check`, so a
// refresh shows no phantom diff); GET /usergroups/{id} does not return the id; the list is filtered by auth mode.
import * as pulumi from "@pulumi/pulumi";
import { HarborApiError, HarborClient, isConflict } from "./client";
import { oneOfField, refined, stringField } from "./fields";
import { adoptExisting, DeclaredProvider, isUnknown, pick } from "./provider";
import { GROUP_TYPES, GroupType, nameOfId } from "./rbac";
import { dynamicProps, HarborResource } from "./resource";
import { AdoptableArgsOf, declareResource, InputsOf, optionalInput, requiredInput } from "./schema";
import type { UserGroup } from "./api.gen";

export const GROUP_TYPE_NAMES = Object.keys(GROUP_TYPES) as GroupType[];

/** Harbor's storage form of a DN (pkg/usergroup TrimLower). */
export const normaliseDn = (dn: string) => dn.trim().toLowerCase();

/**
 * The RDN of `dn` that is not `type=value`, if any (Harbor: pkg/ldap SearchGroupByDN → goldap.ParseDN, a 400
 * "invalid DN syntax"). Separators escaped with `\` or inside quotes do not split.
 */
export function badRdn(dn: string): string | undefined {
    const parts: string[] = [];
    let cur = "";
    let quoted = false;
    for (let i = 0; i < dn.length; i++) {
        const ch = dn[i];
        if (ch === "\\" && i + 1 < dn.length) {
            cur += ch + dn[++i];
            continue;
        }
        if (ch === '"') quoted = !quoted;
        if (!quoted && (ch === "," || ch === "+" || ch === ";")) {
            parts.push(cur);
            cur = "";
            continue;
        }
        cur += ch;
    }
    parts.push(cur);
    return parts.find((p) => {
        const eq = p.indexOf("=");
        return eq <= 0 || p.slice(0, eq).trim() === "";
    });
}

/** The declaration: check, diff, types and the README table come from here. */
export const GROUP = declareResource({
    type: "Group",
    // Same name and type: the old group goes first (unique in Harbor).
    deleteBeforeReplace: (o, n) => o.name === n.name && o.type === n.type,
    adoptable: true,
    inputs: {
        name: requiredInput(stringField({ required: true, minLength: 1, maxLength: 255, line: true }), "`group_name` (renamed in place)."),
        type: requiredInput(oneOfField(GROUP_TYPE_NAMES, { required: true }), "`ldap` 1, `http` 2, `oidc` 3; a change replaces the group.", { replaces: true }),
        ldapDn: optionalInput(
            refined(stringField({ minLength: 1, maxLength: 512, line: true }), { normalise: (dn) => (dn.includes("=") ? normaliseDn(dn) : dn) }),
            "`ldap_group_dn`: required for ldap, else not allowed; stored trimmed and lower-case (so is the input); must exist in LDAP; a change replaces the group.",
            { replaces: true },
        ),
    },
    outputs: { groupId: { doc: "Harbor's numeric group id." } },
    rules: (i, fail) => {
        const { type, ldapDn } = i;
        if (type === "ldap" && ldapDn === undefined) fail("ldapDn", `ldapDn is required for an ldap group (e.g. "cn=devs,ou=groups,dc=example,dc=com")`);
        if (type !== "ldap" && ldapDn !== undefined && type !== undefined) fail("ldapDn", `ldapDn is only for ldap groups, not ${type}`);
        if (type !== "ldap" || typeof ldapDn !== "string" || isUnknown(ldapDn)) return;
        if (!ldapDn.includes("=")) fail("ldapDn", `ldapDn "${ldapDn}" is not a DN (expected e.g. "cn=devs,ou=groups,dc=example,dc=com")`);
        else {
            const bad = badRdn(ldapDn);
            if (bad !== undefined) fail("ldapDn", `ldapDn "${ldapDn}" is not a DN: ${JSON.stringify(bad.trim())} is not attribute=value (Harbor answers 400 "invalid DN syntax")`);
        }
    },
});

export type GroupInputs = InputsOf<typeof GROUP.spec.inputs> & { adopt?: boolean };
export type GroupArgs = AdoptableArgsOf<typeof GROUP.spec.inputs>;

export interface GroupOutputs extends GroupInputs {
    groupId: number;
}

const INPUT_KEYS = ["connection", ...GROUP.managed] as const;

export class GroupProvider extends DeclaredProvider<GroupInputs, GroupOutputs> implements pulumi.dynamic.ResourceProvider<GroupInputs, GroupOutputs> {
    protected readonly declaration = GROUP;

    async create(inputs: GroupInputs): Promise<pulumi.dynamic.CreateResult<GroupOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            const existing = inputs.adopt ? await this.find(c, inputs) : undefined;
            const adopted = existing && (await adoptExisting<GroupInputs, GroupOutputs>("group", this, String(existing.id), inputs, { groupId: existing.id }));
            if (adopted) return adopted;
            try {
                const created = await c.create(
                    "/usergroups",
                    { group_name: inputs.name, group_type: GROUP_TYPES[inputs.type], ...(inputs.ldapDn !== undefined ? { ldap_group_dn: inputs.ldapDn } : {}) },
                    { probe: async () => (await this.find(c, inputs))?.id },
                );
                const groupId = Number(created.id);
                return { id: String(groupId), outs: { ...inputs, groupId } };
            } catch (err) {
                if (isConflict(err)) {
                    throw new Error(`a ${inputs.type} group named "${inputs.name}" already exists in Harbor (409: ${(err as HarborApiError).detail}); groups are unique by name and type; take it over with adopt: true`);
                }
                throw err;
            }
        });
    }

    /** One GET: name, type and DN (the response has no id; the path holds it). */
    async read(id: string, state?: GroupOutputs): Promise<pulumi.dynamic.ReadResult<GroupOutputs>> {
        return this.readState(state, async (c, props) => {
            const g = await c.get<UserGroup>(`/usergroups/${id}`);
            const type = nameOfId(GROUP_TYPES, g.group_type) ?? (`unknown-${g.group_type}` as GroupType);
            const outs: GroupOutputs = {
                connection: props.connection,
                name: g.group_name ?? "",
                type,
                ldapDn: type === "ldap" ? normaliseDn(g.ldap_group_dn ?? "") : g.ldap_group_dn || undefined,
                groupId: Number(id),
            };
            return { id, props: outs, inputs: pick(outs, INPUT_KEYS) as GroupOutputs };
        });
    }

    /** Only the name can change in place: one PUT. */
    async update(id: string, olds: GroupOutputs, news: GroupInputs): Promise<pulumi.dynamic.UpdateResult<GroupOutputs>> {
        return this.withClient(news.connection, async (c) => {
            if (olds.name !== news.name) await c.put(`/usergroups/${id}`, { group_name: news.name });
            return { outs: { ...news, groupId: Number(id) } };
        });
    }

    async delete(id: string, props: GroupOutputs): Promise<void> {
        await this.withClient(props.connection, (c) => c.delete(`/usergroups/${id}`));
    }

    /** The group with this name and type (and DN), if Harbor has it. */
    private async find(c: HarborClient, g: GroupInputs): Promise<UserGroup | undefined> {
        const list = await c.list<UserGroup>("/usergroups", { query: { group_name: g.name } });
        return list.find((x) => x.group_name === g.name && x.group_type === GROUP_TYPES[g.type] && (g.ldapDn === undefined || normaliseDn(x.ldap_group_dn ?? "") === g.ldapDn));
    }
}

/** The provider every Group uses, in the dynamic-provider host (harbor/hosted.ts). */
export const groupProvider = new GroupProvider();

/** A Harbor user group. */
export class Group extends HarborResource {
    /** Harbor's numeric group id. */
    declare readonly groupId: pulumi.Output<number>;

    constructor(name: string, args: GroupArgs, opts?: pulumi.CustomResourceOptions) {
        super(GROUP.type, name, dynamicProps(args, GROUP.outputNames), opts);
    }
}
