// Resource declarations (harbor/schema.ts): what a provider derives from one, and the README tables written from
// them. The declared resources' own behaviour is in their specs (gcSchedule, purgeAuditSchedule).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { DECLARATIONS } from "../../harbor/declarations";
import { HARBOR_PROVIDERS } from "../../harbor/hosted";
import { boolField, checkField, listField, numberField, objectField, oneOfField, stringField, UNKNOWN } from "../../harbor/fields";
import { declareResource, input, requiredInput } from "../../harbor/schema";
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
});
