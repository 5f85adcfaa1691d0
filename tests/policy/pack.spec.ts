import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import {
    environmentOf, imageTag, isExactSemver, policies, read, stackFromUrn, UNKNOWN,
} from "../../policy/policies";
import { unknown } from "./harness";
import { unknownCheckingProxy } from "@pulumi/policy";

const policyDir = path.join(__dirname, "..", "..", "policy");

describe("policy pack layout", () => {
    it("has unique policy names, each with a description and an enforcement level", () => {
        const names = policies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        for (const p of policies) {
            assert.ok(p.description.length > 20, p.name);
            assert.ok(p.enforcementLevel, p.name);
        }
    });

    it("has a spec suite for every policy", () => {
        const specs = fs.readdirSync(__dirname).filter((f) => f.endsWith(".spec.ts")).map((f) => fs.readFileSync(path.join(__dirname, f), "utf8")).join("\n");
        for (const p of policies) {
            assert.ok(specs.includes(`describe("policy: ${p.name}`), `no describe("policy: ${p.name}...") suite`);
        }
    });

    it("is a runnable nodejs pack: PulumiPolicy.yaml, package.json with version and SDK deps, index.ts only constructs the pack", () => {
        const meta = YAML.parse(fs.readFileSync(path.join(policyDir, "PulumiPolicy.yaml"), "utf8"));
        assert.equal(meta.runtime, "nodejs");
        const pkg = JSON.parse(fs.readFileSync(path.join(policyDir, "package.json"), "utf8"));
        assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
        assert.ok(pkg.dependencies["@pulumi/policy"] && pkg.dependencies["@pulumi/pulumi"]);
        const index = fs.readFileSync(path.join(policyDir, "index.ts"), "utf8");
        assert.equal((index.match(/new PolicyPack\(/g) ?? []).length, 1);
        assert.match(index, /from "\.\/policies"/);
    });
});

describe("policy helpers", () => {
    it("reads the stack from a URN and classifies environments", () => {
        assert.equal(stackFromUrn("urn:pulumi:pr-42::harbor-platform::aws:s3/bucket:Bucket::b"), "pr-42");
        assert.deepEqual(environmentOf("urn:pulumi:pr-42::p::t::n"), { stack: "pr-42", preview: true, production: false });
        assert.deepEqual(environmentOf("urn:pulumi:prod::p::t::n"), { stack: "prod", preview: false, production: true });
        assert.deepEqual(environmentOf("urn:pulumi:pr-x::p::t::n"), { stack: "pr-x", preview: false, production: false });
        assert.throws(() => stackFromUrn("not-a-urn"), /expected "urn:pulumi:<stack>::\.\.\."/);
    });

    it("turns the SDK's unknown-value errors into UNKNOWN, but only for unknowns", () => {
        const props = unknownCheckingProxy({ a: { b: unknown.string, c: 1 } });
        assert.equal(read(props, ["a", "b"]), UNKNOWN);
        assert.equal(read(props, ["a", "c"]), 1);
        assert.equal(read(props, ["a", "missing", "deeper"]), undefined);
    });

    it("parses SemVer and image tags", () => {
        assert.ok(isExactSemver("1.19.1") && isExactSemver("1.0.0-rc.1+b.5"));
        assert.ok(!isExactSemver("v1.0.0") && isExactSemver("v1.0.0", true));
        assert.ok(!isExactSemver("01.0.0") && !isExactSemver("1.0") && !isExactSemver("^1.0.0"));
        assert.equal(imageTag("example.com:5000/a/b:1.0.0"), "1.0.0");
        assert.equal(imageTag("example.com:5000/a/b"), undefined);
        assert.equal(imageTag("example.com/a/b:1.0.0@sha256:abc"), "1.0.0");
    });
});
