// The example app (apps/go-app) builds from supported base images: dev's scan gate blocks critical vulnerabilities,
// and end-of-life images stop getting fixes. When a date below passes, move the Dockerfile (and go.mod) to the
// current releases and extend the table.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const APP = path.resolve(__dirname, "..", "apps", "go-app");

/** Base images the example may use, with the end of their upstream support (Go: until the release two majors later). */
const SUPPORTED: Record<string, string> = {
    "golang:1.26-alpine": "2027-02-28",
    "alpine:3.23": "2027-11-01",
};

describe("apps/go-app: supported base images", () => {
    const dockerfile = fs.readFileSync(path.join(APP, "Dockerfile"), "utf8");
    const images = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);

    it("builds and runs from pinned images that are still supported", () => {
        assert.deepEqual(images, ["golang:1.26-alpine", "alpine:3.23"]);
        for (const image of images) {
            const eol = SUPPORTED[image];
            assert.ok(eol, `${image} is not in the table of supported base images`);
            assert.ok(Date.now() < Date.parse(eol), `${image} reached its end of support on ${eol}: move to the current release`);
        }
    });

    it("go.mod asks for the Go the builder image has", () => {
        const goMod = fs.readFileSync(path.join(APP, "go.mod"), "utf8");
        const builder = /^golang:(\d+\.\d+)/.exec(images[0])?.[1];
        assert.equal(/^go (\d+\.\d+)/m.exec(goMod)?.[1], builder);
    });
});
