// How a Harbor resource registers (harbor/resource.ts): the stack-trace window around the SDK's registration, the
// props handed to the SDK, and the shared secret connection. These keep `npm run bench` within its targets; the
// assertions are about what a user relies on: error stacks, source positions, secrets, inputs.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Project, ProjectMember, RobotAccount } from "../../harbor";
import { secretConnection, stackTraceWindow } from "../../harbor/resource";
import { useResourceMocks, valueOf } from "../helpers/providerKit";

type PrepareStackTrace = (err: Error, frames: NodeJS.CallSite[]) => unknown;

/** Runs `f` while recording the frame count of every stack trace formatted meanwhile. */
function frameCounts(f: () => void): number[] {
    const counts: number[] = [];
    const previous = Error.prepareStackTrace as PrepareStackTrace | undefined;
    const errorCtor = Error as { prepareStackTrace?: PrepareStackTrace };
    errorCtor.prepareStackTrace = (err: Error, frames: NodeJS.CallSite[]) => {
        counts.push(frames.length);
        return previous ? previous(err, frames) : `${err}\n${frames.map((x) => `    at ${x}`).join("\n")}`;
    };
    try {
        f();
    } finally {
        errorCtor.prepareStackTrace = previous;
    }
    return counts;
}

describe("harbor resource registration", () => {
    const { recorded, connection } = useResourceMocks({ projectId: 7, quotaId: 8, memberId: 3, robotId: 5, fullName: "robot$web+ci", secret: "s3cret", expiresAt: -1 });

    it("leaves Error.stackTraceLimit as it found it", async () => {
        const saved = Error.stackTraceLimit;
        try {
            Error.stackTraceLimit = 37;
            const p = new Project("limit", { connection, name: "limit" });
            assert.equal(Error.stackTraceLimit, 37);
            assert.throws(() => new Project("", { connection, name: "nameless" }));
            assert.equal(Error.stackTraceLimit, 37, "restored when the SDK throws");
            await valueOf(p.urn);
        } finally {
            Error.stackTraceLimit = saved;
        }
    });

    it("does not format the SDK's promise stacks while registering, but still records where the resource was declared", async () => {
        const mon = pulumi.runtime.getMonitor() as unknown as { registerResource(req: { getName(): string; getSourceposition(): { getUri(): string } | undefined }, cb: unknown): unknown };
        const original = mon.registerResource;
        const positions: Record<string, string | undefined> = {};
        mon.registerResource = function (req, cb) {
            positions[req.getName()] = req.getSourceposition()?.getUri();
            return original.call(this, req, cb);
        };
        try {
            let p!: Project;
            const counts = frameCounts(() => (p = new Project("quiet", { connection, name: "quiet", autoScan: true })));
            // The SDK formats one stack per promise of every property; in the window they have no frames. The one
            // full stack is the SDK's own Resource.callsites() for the source position.
            assert.ok(counts.filter((n) => n === 0).length >= 20, `promise stacks formatted with frames: ${counts.join(",")}`);
            assert.ok(counts.filter((n) => n > 0).length <= 2, `stacks with frames: ${counts.join(",")}`);
            await valueOf(p.urn);
            assert.match(positions.quiet ?? "", /\/harbor\/project\.ts$/, "source position sent to the engine");
        } finally {
            mon.registerResource = original;
        }
    });

    it("keeps the SDK's promise stacks when PULUMI_DEBUG_PROMISE_LEAKS is set (leak reports need them)", async () => {
        process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
        try {
            let p!: Project;
            const counts = frameCounts(() => (p = new Project("debug", { connection, name: "debug" })));
            assert.ok(counts.length >= 20 && counts.every((n) => n > 0), `stacks: ${counts.join(",")}`);
            await valueOf(p.urn);
        } finally {
            delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
        }
    });

    it("an error the SDK throws while registering still shows where the resource was declared", () => {
        const err = (() => {
            try {
                new ProjectMember("", { connection, project: "web", role: "developer", user: "alice" });
            } catch (e) {
                return e as Error;
            }
            return undefined;
        })();
        assert.ok(err instanceof Error, "the SDK rejects an empty name");
        assert.match(err.message, /name/i);
        assert.match(err.stack ?? "", /registration\.spec\.ts/, "the stack leads to the declaration");
    });

    it("recaptures only errors created inside the window", () => {
        const outside = new Error("made elsewhere");
        const stack = outside.stack;
        const w = stackTraceWindow();
        w.close();
        assert.equal(w.rethrow(outside), outside);
        assert.equal(outside.stack, stack, "an error from outside keeps its own stack");
    });

    it("sends only the args that are set, and every declared output still resolves", async () => {
        const r = new RobotAccount("ci", {
            connection, name: "ci", project: "web", description: undefined, rotateTrigger: undefined,
            permissions: [{ kind: "project", namespace: "web", access: [{ resource: "repository", action: "push" }] }],
        });
        assert.equal(await valueOf(r.fullName), "robot$web+ci");
        assert.equal(await valueOf(r.robotId), 5);
        assert.ok(await pulumi.isSecret(r.secret));
        const rec = recorded.find((x) => x.name === "ci")!;
        assert.deepEqual(Object.keys(rec.inputs).sort(), ["__provider", "connection", "name", "permissions", "project"]);
    });

    it("shares one secret wrapper per connection Output; every resource still gets it as a secret", async () => {
        const shared = pulumi.output(connection);
        assert.equal(secretConnection(shared), secretConnection(shared));
        assert.notEqual(secretConnection(connection), secretConnection(connection), "a plain object is wrapped each time (it could change)");
        const a = new Project("a", { connection: shared, name: "a" });
        const b = new Project("b", { connection: shared, name: "b" });
        await Promise.all([valueOf(a.urn), valueOf(b.urn)]);
        for (const name of ["a", "b"]) {
            const inputs = recorded.find((x) => x.name === name)!.inputs;
            assert.ok(pulumi.runtime.isRpcSecret(inputs.connection), `${name}: connection is a secret`);
            assert.equal((pulumi.runtime.unwrapRpcSecret(inputs.connection) as { url: string }).url, "https://harbor.example.com");
        }
    });
});
