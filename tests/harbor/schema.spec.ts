// Resource declarations (harbor/schema.ts): what a provider derives from one, and the README tables written from
// them. The declared resources' own behaviour is in their specs (gcSchedule, purgeAuditSchedule).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { DECLARATIONS } from "../../harbor/declarations";
import { HARBOR_PROVIDERS } from "../../harbor/hosted";
import * as pulumi from "@pulumi/pulumi";
import { boolField, checkField, listField, numberField, NumberRules, objectField, oneOfField, PresenceOfField, scheduleField, secretField, stringField, UNKNOWN } from "../../harbor/fields";
import type { ProjectMemberArgs } from "../../harbor/projectMember";
import type { FilterDecoration, ReplicationFilters, ReplicationPolicyArgs } from "../../harbor/replicationPolicy";
import type { RetentionPolicyArgs } from "../../harbor/retentionPolicy";
import { ArgsOf, declareResource, input, InputsOf, optionalInput, requiredInput } from "../../harbor/schema";
import type { SystemConfigArgs } from "../../harbor/systemConfig";
import { withReferenceTables } from "../../scripts/harbor-docs";

const CONNECTION = { url: "https://harbor.example.com", username: "admin", password: "Harbor12345" };

const WIDGET = declareResource({
    type: "Widget",
    inputs: {
        name: requiredInput(stringField({ required: true, minLength: 1, maxLength: 8, line: true }), "The name.", { replaces: true }),
        size: input(numberField({ default: 1, min: 1, max: 5 }), "How big."),
        shiny: input(boolField(false), "Polished."),
    },
    outputs: { widgetId: { doc: "Harbor's id." }, token: { doc: "A generated token.", secret: true } },
    rules: (i, fail) => {
        if (i.shiny === true && typeof i.size === "number" && i.size > 3) fail("shiny", "shiny widgets are at most size 3");
    },
});

describe("harbor/schema: a resource declared once", () => {
    it("check applies defaults and reports every mistake at once, each naming its property", () => {
        assert.deepEqual(WIDGET.check({ connection: CONNECTION, name: "a" }), { inputs: { connection: CONNECTION, name: "a", size: 1, shiny: false }, failures: [] });
        const r = WIDGET.check({ connection: CONNECTION, name: "far-too-long", size: 9, shiny: true, colour: "red" });
        assert.deepEqual(r.failures, [
            { property: "name", reason: "name must be at most 8 characters, got 12" },
            { property: "size", reason: "size must be at most 5, got 9" },
            { property: "shiny", reason: "shiny widgets are at most size 3" },
            { property: "colour", reason: "colour is not a setting of this resource" },
        ]);
        assert.deepEqual(WIDGET.check({ connection: CONNECTION }).failures, [{ property: "name", reason: "name is required" }]);
    });

    it("lets the engine's unknown placeholder through (a preview), in any field", () => {
        assert.deepEqual(WIDGET.check({ connection: CONNECTION, name: UNKNOWN, size: UNKNOWN }).failures, []);
    });

    it("diff compares the declared fields and replaces on the ones declared so", () => {
        const olds = { connection: CONNECTION, name: "a", size: 1, shiny: false };
        assert.deepEqual(WIDGET.diff(olds, { ...olds, size: 2 }), { changes: true, replaces: [], deleteBeforeReplace: false });
        assert.deepEqual(WIDGET.diff(olds, { ...olds, name: "b" }).replaces, ["name"]);
        assert.equal(WIDGET.diff(olds, { ...olds, connection: { ...CONNECTION, password: "rotated" } }).changes, false, "the connection is never a change");
    });

    it("names the outputs to register and which are secret", () => {
        assert.deepEqual(WIDGET.outputNames, ["widgetId", "token"]);
        assert.deepEqual(WIDGET.secretOutputs, ["token"]);
    });

    it("every resource type the provider host serves is declared, once", () => {
        assert.deepEqual(DECLARATIONS.map((d) => d.type).sort(), Object.keys(HARBOR_PROVIDERS).sort());
    });

    it("harbor/README.md carries each declared resource's table as the declaration writes it (npm run harbor-docs)", () => {
        const readme = fs.readFileSync(path.join(__dirname, "../../harbor/README.md"), "utf8");
        assert.ok(DECLARATIONS.length >= 2);
        assert.equal(withReferenceTables(readme), readme, "a table is out of date: run npm run harbor-docs");
        for (const d of DECLARATIONS) for (const key of Object.keys(d.spec.inputs)) assert.ok(readme.includes(`| \`${key}\` |`), `${d.type}.${key}`);
    });

    describe("nested fields", () => {
        const RULE = { tag: stringField({ required: true, minLength: 1 }), keep: numberField({ default: 10, min: 1 }), mode: oneOfField(["latest", "all"] as const, { default: "latest" }) };
        const reasons = (r: { failures: { path: (string | number)[]; message: string }[] }) => r.failures.map((f) => `${f.path.join(".")}: ${f.message}`);

        it("an object: each field by its rule, defaults applied, other keys refused naming what is allowed", () => {
            assert.deepEqual(checkField(objectField(RULE), { tag: "v*" }), { value: { tag: "v*", keep: 10, mode: "latest" }, failures: [] });
            assert.deepEqual(reasons(checkField(objectField(RULE), { tag: "", keep: 0, colour: "red" })), [
                "tag: must not be empty", "keep: must be at least 1, got 0", "colour: is not a setting (allowed: tag, keep, mode)",
            ]);
            assert.deepEqual(reasons(checkField(objectField(RULE), "v*")), [": must be an object with tag, keep, mode"]);
        });

        it("a list of objects: bounds, each item by position, unset = [], unknown items pass", () => {
            const rules = listField(RULE, { max: 2 });
            assert.deepEqual(checkField(rules, undefined).value, []);
            assert.deepEqual(checkField(rules, [UNKNOWN, { tag: "a" }]).failures, []);
            assert.deepEqual(reasons(checkField(rules, [{ tag: "a" }, null, { tag: "b", mode: "some" }])), [
                ": has 3 items; at most 2 are allowed", "1: must be an object with tag, keep, mode", "2.mode: must be one of latest, all, got \"some\"",
            ]);
            assert.deepEqual(reasons(checkField(rules, { tag: "a" })), [": must be a list"]);
        });

        it("a declaration reports nested failures under their full path", () => {
            const RETENTION = declareResource({ type: "R", inputs: { rules: input(listField(RULE), "Rules.") }, outputs: {} });
            assert.deepEqual(RETENTION.check({ connection: CONNECTION, rules: [{ tag: "a" }, { tag: "" }] }).failures, [{ property: "rules[1].tag", reason: "rules[1].tag must not be empty" }]);
        });
    });

    // Type-level: checked by the type check (`npm run build`, tsc, which includes tests/); each `@ts-expect-error`
    // line must be an error there. The runtime assertions show check agreeing with the types.
    describe("nested fields' types follow their rules (required, defaulted, optional)", () => {
        type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
        const expectType = <T extends true>(): T | undefined => undefined;

        const RULE = { tag: stringField({ required: true, minLength: 1 }), keep: numberField({ default: 10, min: 1 }), note: stringField() };
        const NESTED = declareResource({
            type: "Nested",
            inputs: {
                rule: requiredInput(objectField(RULE, { required: true }), "One rule."),
                rules: input(listField(RULE), "Rules."),
                extra: optionalInput(objectField({ on: boolField(false) }), "Optional, all defaulted."),
            },
            outputs: {},
        });
        type Args = ArgsOf<typeof NESTED.spec.inputs>;
        type Inputs = InputsOf<typeof NESTED.spec.inputs>;

        it("builders say their presence: required: true, a default (boolField always; a list [] unless required), else optional", () => {
            const rules: NumberRules = {};
            expectType<Equal<PresenceOfField<typeof RULE.tag>, "required">>();
            expectType<Equal<PresenceOfField<typeof RULE.keep>, "defaulted">>();
            expectType<Equal<PresenceOfField<typeof RULE.note>, "optional">>();
            expectType<Equal<PresenceOfField<ReturnType<typeof boolField>>, "defaulted">>();
            expectType<Equal<PresenceOfField<ReturnType<typeof listField<typeof RULE, {}>>>, "defaulted">>();
            expectType<Equal<PresenceOfField<ReturnType<typeof listField<typeof RULE, { required: true }>>>, "required">>();
            expectType<Equal<PresenceOfField<ReturnType<typeof scheduleField<{}>>>, "defaulted">>();
            expectType<Equal<PresenceOfField<ReturnType<typeof oneOfField<"a" | "b">>>, "defaulted" | "required" | "optional">>();
            const role = oneOfField(["a", "b"] as const, { required: true });
            const mode = oneOfField<"a" | "b">(["a", "b"], { default: "a" });
            const secret = secretField({ emptyIsUnset: true, problem: (v) => (v.length > 1 ? undefined : "too short") });
            expectType<Equal<PresenceOfField<typeof role>, "required">>();
            expectType<Equal<PresenceOfField<typeof mode>, "defaulted">>();
            expectType<Equal<PresenceOfField<typeof secret>, "optional">>();
            // A oneOf's values come from its list only (also inside an object field's literal), never from its default.
            expectType<Equal<NonNullable<ReplicationFilters["tag"]>["decoration"], FilterDecoration>>();
            // @ts-expect-error "c" is not one of the allowed values
            oneOfField(["a", "b"] as const, { default: "c" });
            // Rules whose type does not say (a variable): not known, so read as optional (the safe side).
            expectType<Equal<PresenceOfField<ReturnType<typeof numberField<typeof rules>>>, "required" | "defaulted" | "optional">>();
            assert.equal(checkField(RULE.tag, undefined).failures.length, 1);
            assert.equal(checkField(RULE.keep, undefined).value, 10);
            assert.equal(checkField(RULE.note, undefined).value, undefined);
        });

        it("Args: a required nested field cannot be left out, a defaulted or optional one can (in objects and list items)", () => {
            const least: Args = { connection: CONNECTION, rule: { tag: "v*" } };
            const all: Args = { connection: CONNECTION, rule: { tag: "v*", keep: 3, note: "n" }, rules: [{ tag: "a" }, { tag: "b", keep: 2 }], extra: {} };
            const outputs: Args = { connection: CONNECTION, rule: pulumi.output({ tag: "v*" }), rules: [{ tag: pulumi.output("a"), keep: Promise.resolve(2) }] };
            // @ts-expect-error rule.tag is required
            const noTag: Args = { connection: CONNECTION, rule: { keep: 3 } };
            // @ts-expect-error rules[].tag is required
            const noItemTag: Args = { connection: CONNECTION, rule: { tag: "v*" }, rules: [{ keep: 3 }] };
            // @ts-expect-error keep is a number
            const wrongType: Args = { connection: CONNECTION, rule: { tag: "v*", keep: "3" } };
            // @ts-expect-error colour is not a field
            const unknownKey: Args = { connection: CONNECTION, rule: { tag: "v*", colour: "red" } };
            void [outputs, noTag, noItemTag, wrongType, unknownKey];

            // check agrees: what the type lets out is defaulted or stays unset; what it requires is a failure.
            assert.deepEqual(NESTED.check(least), { inputs: { connection: CONNECTION, rule: { tag: "v*", keep: 10 }, rules: [] }, failures: [] });
            assert.deepEqual(NESTED.check(all).inputs, { connection: CONNECTION, rule: { tag: "v*", keep: 3, note: "n" }, rules: [{ tag: "a", keep: 10 }, { tag: "b", keep: 2 }], extra: { on: false } });
            assert.deepEqual(NESTED.check({ connection: CONNECTION, rule: { keep: 3 } }).failures, [{ property: "rule.tag", reason: "rule.tag is required" }]);
            assert.deepEqual(NESTED.check({ connection: CONNECTION, rule: { tag: "v*" }, rules: [{ keep: 3 }] }).failures, [{ property: "rules[0].tag", reason: "rules[0].tag is required" }]);
        });

        it("checked Inputs: required and defaulted nested keys are present, optional ones may be absent", () => {
            const i = NESTED.check({ connection: CONNECTION, rule: { tag: "v*" } }).inputs as Inputs;
            const keep: number = i.rule.keep;
            const item: Inputs["rules"][number] = { tag: "a", keep: 1 };
            // @ts-expect-error note may be absent (string | undefined)
            const note: string = i.rule.note;
            // @ts-expect-error keep is always there once checked
            const noKeep: Inputs["rule"] = { tag: "a" };
            void [item, note, noKeep];
            assert.equal(keep, 10);
            assert.ok(!("note" in i.rule));
        });

        it("the resources whose nested Args were hand-written derive them", () => {
            const connection = CONNECTION;
            const retention: RetentionPolicyArgs = { connection, project: "p", rules: [{ template: "always" }, { template: "latestPushedK", value: 10, tagPattern: "v*" }] };
            // @ts-expect-error a retention rule needs its template
            const noTemplate: RetentionPolicyArgs = { connection, project: "p", rules: [{ value: 10 }] };
            const member: ProjectMemberArgs = { connection, project: "p", role: "developer", group: { name: "devs", type: "http" } };
            // @ts-expect-error a group needs its type
            const noType: ProjectMemberArgs = { connection, project: "p", role: "developer", group: { name: "devs" } };
            const policy: ReplicationPolicyArgs = { connection, name: "r", direction: "push", registryId: 1, filters: { tag: { pattern: "v*" } }, trigger: { type: "scheduled", cron: "daily" } };
            // @ts-expect-error a tag filter needs its pattern
            const noPattern: ReplicationPolicyArgs = { connection, name: "r", direction: "push", registryId: 1, filters: { tag: { decoration: "excludes" } } };
            const config: SystemConfigArgs = { connection, ldap: { url: "ldaps://ldap", baseDn: "dc=x" }, oidc: { name: "o", endpoint: "https://id", clientId: "c", scope: "openid,email" } };
            // @ts-expect-error ldap needs its baseDn
            const noBaseDn: SystemConfigArgs = { connection, ldap: { url: "ldaps://ldap" } };
            void [retention, noTemplate, member, noType, policy, noPattern, config, noBaseDn];
        });
    });
});
