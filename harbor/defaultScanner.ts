// DefaultScanner: makes a pre-existing scanner registration (Trivy by default) the system default and sets the
// scan-all schedule. The registration itself is not managed: the built-in Trivy registration is immutable (PUT and
// DELETE answer 403), so it is found by name, never created or changed. The resource id is its uuid.
//
// Harbor quirks (see harbor/README.md, DefaultScanner): the schedule is set with PUT (POST 412s when
// one exists), `type: "None"` removes it, and GET answers an EMPTY body when there is none. Every scan-all call
// needs a default scanner (412), so the PATCH comes first. Delete removes the schedule and leaves the registration
// (and the default flag: Harbor has no "no default scanner" state to go back to).
import * as pulumi from "@pulumi/pulumi";
import { HarborApiError, HarborClient, seg } from "./client";
import { Connection, diffManaged, HarborProvider, InputChecker, partialCreateError, pick, readOrGone, requireState } from "./provider";
import { ConnectionArgs, dynamicProps, HarborResource } from "./resource";
import { ApiSchedule, checkSchedule, readScheduleCron, scheduleBody } from "./systemSchedule";

export interface DefaultScannerInputs {
    connection: Connection;
    /** Name of the scanner registration to make the default. */
    scannerName: string;
    /** 5-field cron or hourly/daily/weekly; "" = no scheduled scan of all artifacts. */
    scanAllSchedule: string;
}

export interface DefaultScannerOutputs extends DefaultScannerInputs {
    /** The registration's uuid (also the resource id). */
    registrationUuid: string;
    /** Whether the registration is still the system default (false after someone switched it: drift). */
    isDefault: boolean;
}

const MANAGED = ["scannerName", "scanAllSchedule"] as const;
const INPUT_KEYS = ["connection", ...MANAGED] as const;
const SCAN_ALL = "/system/scanAll/schedule";

interface ApiScanner {
    uuid: string;
    name: string;
    is_default?: boolean;
}

export class DefaultScannerProvider extends HarborProvider implements pulumi.dynamic.ResourceProvider<DefaultScannerInputs, DefaultScannerOutputs> {
    async check(_olds: DefaultScannerInputs, news: DefaultScannerInputs): Promise<pulumi.dynamic.CheckResult<DefaultScannerInputs>> {
        const c = new InputChecker(news);
        const scanAllSchedule = checkSchedule(c, "scanAllSchedule");
        const inputs: DefaultScannerInputs = {
            connection: c.connection(),
            scannerName: c.string("scannerName", { default: "Trivy", minLength: 1, line: true })!,
            scanAllSchedule,
        };
        return c.result(inputs);
    }

    /**
     * Pure. Another registration means another id: replaced, deleting first (the old one's delete removes the
     * schedule the new one sets). A default switched behind our back (isDefault false) is a change to put back.
     */
    async diff(_id: string, olds: DefaultScannerOutputs, news: DefaultScannerInputs): Promise<pulumi.dynamic.DiffResult> {
        const d = diffManaged<DefaultScannerInputs>(olds, news, { managed: MANAGED, replaceOn: ["scannerName"], deleteBeforeReplace: () => true });
        return olds.isDefault === false && !d.changes ? { ...d, changes: true } : d;
    }

    /** GET the registration by name, PATCH it default (unless it is already), PUT the schedule. */
    async create(inputs: DefaultScannerInputs): Promise<pulumi.dynamic.CreateResult<DefaultScannerOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            const scanner = await this.findByName(c, inputs.scannerName);
            if (!scanner.is_default) await c.patch(`/scanners/${seg(scanner.uuid)}`, { is_default: true });
            const outs: DefaultScannerOutputs = { ...inputs, registrationUuid: scanner.uuid, isDefault: true };
            try {
                await c.put(SCAN_ALL, scheduleBody(inputs.scanAllSchedule));
            } catch (err) {
                // The default is set, the schedule is not: record the schedule Harbor holds (or none known, when even
                // reading it fails), never the one asked for, so the next update sends it.
                const held = await c.get<ApiSchedule | undefined>(SCAN_ALL).then((body) => readScheduleCron(body, inputs.scanAllSchedule), () => undefined);
                const partial = { ...outs, scanAllSchedule: held };
                throw partialCreateError(scanner.uuid, partial as unknown as Record<string, unknown>, err);
            }
            return { id: scanner.uuid, outs };
        });
    }

    /** Two GETs: the registration (gone on 404) and the scan-all schedule. */
    async read(id: string, state?: DefaultScannerOutputs): Promise<pulumi.dynamic.ReadResult<DefaultScannerOutputs>> {
        const props = requireState(state, "DefaultScanner");
        return this.withClient(props.connection, (c) =>
            readOrGone(async () => {
                const scanner = await c.get<ApiScanner>(`/scanners/${seg(id)}`);
                const schedule = await c.get<ApiSchedule | undefined>(SCAN_ALL);
                const outs: DefaultScannerOutputs = {
                    connection: props.connection,
                    scannerName: scanner.name,
                    scanAllSchedule: readScheduleCron(schedule, props.scanAllSchedule),
                    registrationUuid: scanner.uuid,
                    isDefault: scanner.is_default === true,
                };
                return { id: scanner.uuid, props: outs, inputs: pick(outs, INPUT_KEYS) as DefaultScannerOutputs };
            }),
        );
    }

    /** Only what changed: the PATCH when the default was switched away, the PUT when the schedule changed. */
    async update(id: string, olds: DefaultScannerOutputs, news: DefaultScannerInputs): Promise<pulumi.dynamic.UpdateResult<DefaultScannerOutputs>> {
        return this.withClient(news.connection, async (c) => {
            if (olds.isDefault === false) await c.patch(`/scanners/${seg(id)}`, { is_default: true });
            if (olds.scanAllSchedule !== news.scanAllSchedule) await c.put(SCAN_ALL, scheduleBody(news.scanAllSchedule));
            return { outs: { ...news, registrationUuid: id, isDefault: true } };
        });
    }

    /** Removes the scan-all schedule; the registration stays (it is not ours, and Trivy's cannot be deleted). */
    async delete(_id: string, props: DefaultScannerOutputs): Promise<void> {
        await this.withClient(props.connection, async (c) => {
            try {
                await c.put(SCAN_ALL, scheduleBody(""));
            } catch (err) {
                // 412: no default scanner any more (e.g. Trivy uninstalled), so there is no scan-all schedule either.
                if (err instanceof HarborApiError && err.status === 412) return;
                throw err;
            }
        });
    }

    private async findByName(c: HarborClient, name: string): Promise<ApiScanner> {
        const all = await c.list<ApiScanner>("/scanners");
        const found = all.find((s) => s.name === name);
        if (!found) {
            const known = all.map((s) => `"${s.name}"`).join(", ") || "none";
            throw new Error(`no scanner registration named "${name}" in Harbor (registered: ${known}); is the scanner installed (chart trivy.enabled)?`);
        }
        return found;
    }
}

/** The provider every DefaultScanner uses, in the dynamic-provider host (harbor/hosted.ts). */
export const defaultScannerProvider = new DefaultScannerProvider();

export interface DefaultScannerArgs {
    /** How to reach Harbor; held as a secret. */
    connection: pulumi.Input<ConnectionArgs>;
    /** The registration to make the system default. Default "Trivy" (the chart's built-in scanner). Replaces. */
    scannerName?: pulumi.Input<string>;
    /** When to scan every artifact: 5-field cron or "hourly"/"daily"/"weekly"; "" (default) = never. */
    scanAllSchedule?: pulumi.Input<string>;
}

/** The system default scanner and the scan-all schedule. */
export class DefaultScanner extends HarborResource {
    /** uuid of the scanner registration. */
    declare readonly registrationUuid: pulumi.Output<string>;
    /** Whether it is (still) the system default. */
    declare readonly isDefault: pulumi.Output<boolean>;

    constructor(name: string, args: DefaultScannerArgs, opts?: pulumi.CustomResourceOptions) {
        super("DefaultScanner", name, dynamicProps(args, ["registrationUuid", "isDefault"]), opts);
    }
}
