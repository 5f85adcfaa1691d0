// The emulator itself must be strict, or the provider tests prove nothing.
import { strict as assert } from "assert";
import { HarborClient } from "../../harbor/client";
import { loadSpec, projectsArea } from "../emulator";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";

describe("tests/emulator", () => {
    const h = useHarborEmulator();
    let client: HarborClient;
    beforeEach(() => {
        client = new HarborClient(h.connection(), { ...FAST_CLIENT, retries: 0 });
    });
    afterEach(() => client.close());

    it("rejects JSON fields the spec does not define, naming the field", async () => {
        const err = await rejection(client.create("/projects", { project_name: "p1", metadata: { auto_scann: "true" } }));
        assert.match(err.message, /400 BAD_REQUEST: .*body\.metadata\.auto_scann is not a field of ProjectMetadata/);
        assert.equal(h.emu.takeViolations().length, 1);
        assert.equal(h.emu.area(projectsArea).byName("p1"), undefined, "nothing was created");
    });

    it("checks types, enums and nullability of the body", async () => {
        await rejection(client.create("/projects", { project_name: "p1", storage_limit: "10" }));
        await rejection(client.create("/projects", { project_name: "p1", metadata: null }));
        const v = h.emu.takeViolations();
        assert.match(v[0], /body\.storage_limit must be an integer/);
        assert.match(v[1], /body\.metadata must not be null/);
    });

    it("rejects unknown query parameters, bad types and page_size over 100", async () => {
        await rejection(client.get("/projects", { query: { nme: "x" } }));
        await rejection(client.get("/projects", { query: { page_size: 500 } }));
        await rejection(client.get("/projects", { query: { public: "yes" } }));
        const v = h.emu.takeViolations();
        assert.match(v[0], /query parameter nme is not defined for listProjects/);
        assert.match(v[1], /page_size must be <= 100/);
        assert.match(v[2], /public must be true or false/);
    });

    it("rejects paths and methods outside the spec", async () => {
        await rejection(client.get("/projectz"));
        await rejection(client.request("PATCH", "/projects/1", { body: {} }));
        const v = h.emu.takeViolations();
        assert.match(v[0], /no path in the spec matches \/projectz/);
        assert.match(v[1], /PATCH is not allowed/);
    });

    it("insists on X-Is-Resource-Name when a project is addressed by name", async () => {
        h.emu.area(projectsArea).seed("web");
        await rejection(client.get("/projects/web"));
        assert.match(h.emu.takeViolations()[0], /addressed by name without X-Is-Resource-Name/);
        const p = await client.get<{ name: string }>("/projects/web", { byName: true });
        assert.equal(p.name, "web");
    });

    it("treats an all-digit name as a name only with the header", async () => {
        const state = h.emu.area(projectsArea);
        const digits = state.seed("123");
        const other = state.seed("other");
        assert.equal((await client.get<{ project_id: number }>("/projects/123", { byName: true })).project_id, digits.project_id);
        assert.equal((await client.get<{ project_id: number }>(`/projects/${other.project_id}`)).project_id, other.project_id);
    });

    it("requires Basic auth and rejects wrong credentials, but serves /health anonymously", async () => {
        const bad = new HarborClient(h.connection({ password: "wrong" }), { ...FAST_CLIENT, retries: 0 });
        try {
            assert.match((await rejection(bad.get("/projects"))).message, /401 UNAUTHORIZED/);
        } finally {
            await bad.close();
        }
        const res = await fetch(`${h.emu.url}/api/v2.0/health`);
        assert.equal(res.status, 200);
        const anon = await fetch(`${h.emu.url}/api/v2.0/projects`);
        assert.equal(anon.status, 401);
    });

    it("fails loudly on a cookie (CSRF)", async () => {
        await rejection(client.get("/projects", { headers: { Cookie: "sid=1" } }));
        assert.match(h.emu.takeViolations()[0], /Cookie was sent/);
    });

    it("answers an operation without a handler with 501 and a violation", async () => {
        await rejection(client.get("/statistics"));
        assert.match(h.emu.takeViolations()[0], /getStatistic has no handler/);
    });

    it("injects faults for the next N matching requests, then behaves", async () => {
        h.emu.inject({ operationId: "getHealth" }, { kind: "status", status: 429, retryAfter: 7 }, 2);
        const r1 = await fetch(`${h.emu.url}/api/v2.0/health`);
        assert.equal(r1.status, 429);
        assert.equal(r1.headers.get("retry-after"), "7");
        assert.equal((await fetch(`${h.emu.url}/api/v2.0/health`)).status, 429);
        assert.equal((await fetch(`${h.emu.url}/api/v2.0/health`)).status, 200);
        assert.equal(h.emu.count("getHealth"), 3);
    });

    it("commitThenFail commits the change before failing", async () => {
        h.emu.inject({ method: "POST", path: "/projects" }, { kind: "commitThenFail", status: 503 });
        const err = await rejection(client.create("/projects", { project_name: "p1" }));
        assert.match(err.message, /503/);
        assert.ok(h.emu.area(projectsArea).byName("p1"), "the project exists despite the 503");
    });

    it("counts requests per operation", async () => {
        await client.get("/health");
        await client.get("/systeminfo");
        await client.get("/health");
        assert.equal(h.emu.count("getHealth"), 2);
        assert.deepEqual(h.emu.sequence(), ["getHealth", "getSystemInfo", "getHealth"]);
    });

    it("requires repository names with '/' to be double-encoded", async () => {
        const state = h.emu.area(projectsArea);
        state.seed("p1");
        state.addRepository("p1", "team/app");
        await rejection(client.delete("/projects/p1/repositories/team%2Fapp"));
        assert.match(h.emu.takeViolations()[0], /encoded only once/);
        assert.equal(await client.delete("/projects/p1/repositories/team%252Fapp"), true);
    });
});

// The validator's wording, pinned (tests/emulator/swagger.ts: ajv underneath, the emulator's messages on top).
describe("tests/emulator/swagger: what a violation says", () => {
    const spec = loadSpec();
    const body = (definition: string, value: unknown) => spec.validate({ $ref: `#/definitions/${definition}` }, value, "body", "Harbor would silently ignore it");

    it("names the JSON path, the definition, and the rule broken", () => {
        assert.deepEqual(body("ProjectReq", { project_name: "x".repeat(256), metadata: { bogus: "1" }, cve_allowlist: { items: [{ cve_id: 5 }, null] } }).sort(), [
            "body.cve_allowlist.items[0].cve_id must be a string, got 5",
            "body.cve_allowlist.items[1] must not be null",
            "body.metadata.bogus is not a field of ProjectMetadata (Harbor would silently ignore it)",
            "body.project_name is longer than 255",
        ]);
        assert.deepEqual(body("ProjectReq", []), ["body must be an object (ProjectReq)"]);
        assert.deepEqual(body("ScheduleObj", { type: "Sometimes" }), ["body.type must be one of Hourly, Daily, Weekly, Custom, Manual, None, Schedule, got \"Sometimes\""]);
        assert.deepEqual(body("ScheduleObj", { type: 3 }), ["body.type must be a string, got 3"], "a wrong type is not also a wrong enum");
        assert.deepEqual(body("Project", { project_id: 2 ** 31 }), ["body.project_id does not fit int32"]);
        assert.deepEqual(body("Errors", { errors: [{ code: 1 }] }), ["body.errors[0].code must be a string, got 1"]);
    });

    it("allows null exactly where x-nullable says so, and any JSON in a free-form object", () => {
        assert.deepEqual(body("ProjectReq", { public: null, storage_limit: null, metadata: { auto_scan: null } }), []);
        assert.deepEqual(body("ProjectReq", { metadata: null }), ["body.metadata must not be null"]);
        assert.deepEqual(body("RetentionRule", { params: { latestPushedK: 10, nested: { a: [1] } } }), []);
        assert.deepEqual(body("RetentionRule", { params: { latestPushedK: null } }), ["body.params.latestPushedK must not be null"]);
    });

    it("checks parameters as their declared types, one problem each", () => {
        const op = spec.operations.get("listProjects")!;
        const problems = spec.validateRequest(op, {}, new URLSearchParams("page=x&page_size=500&public=yes&nme=1&name=a&name=b"), {}, undefined, false);
        assert.deepEqual(problems.sort(), [
            "query parameter name is given 2 times",
            "query parameter nme is not defined for listProjects",
            "query parameter page must be an integer, got \"x\"",
            "query parameter page_size must be <= 100, got 500",
            "query parameter public must be true or false, got \"yes\"",
        ]);
        const get = spec.operations.get("getProject")!;
        assert.deepEqual(spec.validateRequest(get, {}, new URLSearchParams(), { "x-is-resource-name": "maybe" }, undefined, false).sort(), [
            "header X-Is-Resource-Name must be true or false, got \"maybe\"",
            "path parameter project_name_or_id is required",
        ]);
    });

    it("checks responses: declared status, declared body, Harbor's error shape", () => {
        const op = spec.operations.get("getProject")!;
        assert.deepEqual(spec.validateResponse(op, 200, { name: "p", owner_id: 1, extra: true }), ["response.extra is not a field of Project (Harbor's model has no such field)"]);
        assert.match(spec.validateResponse(op, 201, {})[0], /status 201 is not a response of getProject/);
        assert.deepEqual(spec.validateResponse(op, 404, { message: "gone" }), ["error response.message is not a field of Errors (Harbor's model has no such field)"]);
        assert.deepEqual(spec.validateResponse(spec.operations.get("deleteProject")!, 200, { ok: 1 }), ["deleteProject 200 declares no body, but one was sent"]);
    });
});
