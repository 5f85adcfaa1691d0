// harbor/api.gen.ts is generated from the carried contract (npm run gen-api-types) and must not fall behind it.
import { strict as assert } from "assert";
import * as fs from "fs";
import { API_TYPES_FILE, apiDefinitions } from "../scripts/gen-api-types";

describe("harbor/api.gen.ts", () => {
    it("was generated from the contract's current definitions (else: npm run gen-api-types)", () => {
        const header = /^\/\/ definitions sha256: ([0-9a-f]{64})$/m.exec(fs.readFileSync(API_TYPES_FILE, "utf8"));
        assert.ok(header, "the generated file records the hash of the definitions it came from");
        assert.equal(header[1], apiDefinitions().sha256, "contract/harbor-api.json changed: run npm run gen-api-types");
    });

    it("declares a type for every definition", () => {
        const text = fs.readFileSync(API_TYPES_FILE, "utf8");
        for (const name of Object.keys(apiDefinitions().definitions)) assert.match(text, new RegExp(`^export (interface|type) ${name}\\b`, "m"), name);
    });
});
