// Harbor unhealthy during a deploy (an upgrade rolls Harbor while `pulumi up` runs): the content layer's Ready
// (re-run by its trigger, the Helm release revision) waits through every kind of failure, then either proceeds or
// fails with a clear timeout message, and nothing that depends on it reaches Harbor. Ready's own spec covers the
// single-failure cases; this is the deploy-shaped sequence, with a fake clock (no real waiting).
import { strict as assert } from "assert";
import { ProjectProvider } from "../../harbor/project";
import { ReadyInputs, ReadyOutputs, ReadyProvider } from "../../harbor/ready";
import { healthArea, projectsArea } from "../emulator";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";

describe("faults: Harbor unhealthy during a deploy", () => {
    const h = useHarborEmulator();
    let now = 0;
    let onSleep: (n: number) => void = () => undefined;
    let sleeps = 0;
    const ready = new ReadyProvider({
        client: { ...FAST_CLIENT, timeoutMs: 60 },
        now: () => now,
        sleep: async (ms) => {
            now += ms;
            onSleep(++sleeps);
        },
    });
    const projects = new ProjectProvider({ client: FAST_CLIENT });

    beforeEach(() => {
        now = 0;
        sleeps = 0;
        onSleep = () => undefined;
    });

    /** What the engine does for the content layer: Ready (create or, after an upgrade, update), THEN the project. */
    async function deploy(prev?: ReadyOutputs): Promise<ReadyOutputs> {
        const r = await ready.check({} as ReadyInputs, { connection: h.connection(), timeoutSeconds: 60, intervalSeconds: 5, trigger: prev ? "rev-2" : "rev-1" } as unknown as ReadyInputs);
        assert.deepEqual(r.failures, []);
        const outs = prev ? (await ready.update("harbor", prev, r.inputs!)).outs! : (await ready.create(r.inputs!)).outs!;
        const p = await projects.check({} as never, { connection: h.connection(), name: prev ? "web-2" : "web" } as never);
        await projects.create(p.inputs!);
        return outs as ReadyOutputs;
    }

    function harborRolls(): void {
        const health = h.emu.area(healthArea);
        health.setAll("unhealthy");
        for (const fault of [{ kind: "status", status: 503 }, { kind: "status", status: 429, retryAfter: 30 }, { kind: "drop" }, { kind: "delay", ms: 200 }] as const) {
            h.emu.inject({ operationId: "getHealth" }, fault);
        }
    }

    it("waits through 503, 429, resets, timeouts and unhealthy components, then the deploy proceeds", async () => {
        const first = await deploy();
        harborRolls();
        onSleep = (n) => n === 6 && h.emu.area(healthArea).setAll("healthy");
        await deploy(first);
        assert.ok(h.emu.area(projectsArea).byName("web-2"), "the project was created once Harbor was back");
        assert.equal(now, 30_000, "six checks 5 s apart");
    });

    it("fails with a clear timeout message when Harbor stays unhealthy, and nothing after Ready reaches Harbor", async () => {
        const first = await deploy();
        harborRolls();
        h.emu.resetLog();
        const err = await rejection(deploy(first));
        assert.match(err.message, new RegExp(`^Harbor at ${h.emu.url} did not become healthy within 60 s \\(13 checks of /api/v2.0/health\\); last status: unhealthy \\(not healthy: [a-z_, ]+\\)$`));
        assert.ok(!err.message.includes(h.emu.password));
        assert.deepEqual([...new Set(h.emu.sequence())], ["getHealth"], "only health checks: no project request while Harbor is down");
        assert.equal(h.emu.area(projectsArea).byName("web-2"), undefined);
    });
});
