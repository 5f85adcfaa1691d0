// `npm run audit` (issue 14 item 4) against the emulator: the audit log's artifact events (recorded by the registry
// area for the pushes and pulls it serves) as a table or JSON, filtered by project, operation and age, paged; bad
// arguments get the usage line and exit 2.
import { strict as assert } from "assert";
import { auditQuery, parseAuditArgs, runAudit, USAGE } from "../scripts/lib/audit";
import { projectsArea } from "./emulator";
import { auditLogsArea } from "./emulator/areas/auditlogs";
import { FAST_CLIENT, useHarborEmulator } from "./helpers/harbor";

const NOW = new Date("2026-03-01T12:00:00Z");

describe("npm run audit (Harbor's audit log)", () => {
    const h = useHarborEmulator();
    let out = "";
    let err = "";
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t) };
    const run = (...argv: string[]) => runAudit(argv, io, async () => h.connection(), NOW, FAST_CLIENT);
    beforeEach(() => {
        out = err = "";
        h.emu.area(projectsArea).seed("dev-team");
        h.emu.area(projectsArea).seed("prod-team");
        const log = h.emu.area(auditLogsArea);
        const at = (iso: string) => (log.now = () => new Date(iso));
        at("2026-01-10T08:00:00Z"); log.artifact("create", "dev-team", "go-app", "v0.9.0", "robot$dev-team+ci");
        at("2026-02-20T09:30:00Z"); log.artifact("create", "dev-team", "go-app", "v1.0.0", "robot$dev-team+ci");
        at("2026-02-21T10:00:00Z"); log.artifact("pull", "prod-team", "go-app", `sha256:${"a".repeat(64)}`, "alice");
        at("2026-02-22T11:00:00Z"); log.artifact("delete", "dev-team", "go-app", "v0.9.0", "admin");
        log.record({ projectId: 0, operation: "create", resourceType: "user", resource: "bob", username: "admin" });
    });

    it("prints a table of artifact events, newest first (one request to /auditlog-exts with q and sort)", async () => {
        const { result: code, calls } = await h.during(() => run("--stack", "dev"));
        assert.equal(code, 0, err);
        assert.deepEqual(calls.map((c) => [c.operationId, c.query.q, c.query.sort]), [["listAuditLogExts", "resource_type=artifact", "-op_time"]]);
        const lines = out.trimEnd().split("\n");
        assert.match(lines[0], /^TIME \(UTC\)\s+USER\s+OPERATION\s+ARTIFACT\s+RESULT$/);
        assert.equal(lines.length, 5, "4 artifact events, no user event");
        assert.match(lines[1], /^2026-02-22T11:00:00Z\s+admin\s+delete\s+dev-team\/go-app:v0\.9\.0\s+ok$/);
        assert.match(lines[4], /robot\$dev-team\+ci\s+create\s+dev-team\/go-app:v0\.9\.0/);
    });

    it("filters by project (/projects/{name}/auditlog-exts), operation and --since (an op_time range), as JSON", async () => {
        const { result: code, calls } = await h.during(() => run("--stack", "dev", "--project", "dev-team", "--operation", "create", "--since", "30d", "--json"));
        assert.equal(code, 0, err);
        assert.equal(calls[0].operationId, "getLogExts");
        assert.equal(calls[0].path, "/projects/dev-team/auditlog-exts");
        assert.equal(calls[0].query.q, "resource_type=artifact,operation=create,op_time=[2026-01-30T12:00:00~2026-03-01T12:00:00]");
        assert.deepEqual(JSON.parse(out), [{ time: "2026-02-20T09:30:00.000Z", user: "robot$dev-team+ci", operation: "create", resource: "dev-team/go-app:v1.0.0", result: true }]);
    });

    it("pages through more than one page (page_size 100 until X-Total-Count)", async () => {
        const log = h.emu.area(auditLogsArea);
        for (let i = 0; i < 150; i++) log.artifact("pull", "dev-team", "go-app", "v1.0.0", `user${i}`);
        const { result: code, calls } = await h.during(() => run("--stack", "dev", "--operation", "pull", "--json"));
        assert.equal(code, 0, err);
        assert.deepEqual(calls.map((c) => c.query.page), ["1", "2"]);
        assert.equal(JSON.parse(out).length, 151);
    });

    it("says so when nothing matches", async () => {
        assert.equal(await run("--stack", "dev", "--project", "prod-team", "--operation", "delete"), 0);
        assert.equal(out, "no artifact events in project prod-team with operation delete\n");
    });

    it("bad arguments get the usage line and exit 2, without calling Harbor", async () => {
        for (const [argv, why] of [
            [[], /--stack is required/],
            [["--stack", "dev", "--operation", "push"], /--operation must be one of create, delete, pull, got "push"/],
            [["--stack", "dev", "--since", "30 days"], /--since must be a positive duration like 30m, 12h, 30d or 2w/],
            [["--stack", "dev", "--since"], /--since needs a value/],
            [["--stack", "dev", "--project", "Dev Team"], /not a Harbor project name/],
            [["--stack", "dev", "--verbose"], /unknown argument "--verbose"/],
        ] as const) {
            err = "";
            assert.equal(await run(...argv), 2, argv.join(" "));
            assert.match(err, why);
            assert.ok(err.endsWith(`${USAGE}\n`), err);
        }
        assert.equal(h.emu.log.length, 0);
    });

    it("a Harbor that cannot be reached is a one-line failure (exit 1) without credentials", async () => {
        const code = await runAudit(["--stack", "dev"], io, async () => ({ url: "http://127.0.0.1:9", username: "admin", password: "Sup3rSecret" }), NOW, { ...FAST_CLIENT, retries: 0 });
        assert.equal(code, 1);
        assert.match(err, /^audit: Harbor API GET \/api\/v2\.0\/auditlog-exts/);
        assert.ok(!err.includes("Sup3rSecret"));
    });

    it("the q filter: artifact events, operation, op_time range in Harbor's time layout", () => {
        assert.equal(auditQuery(parseAuditArgs(["--stack", "prod", "--since", "12h"]), NOW), "resource_type=artifact,op_time=[2026-03-01T00:00:00~2026-03-01T12:00:00]");
    });
});
