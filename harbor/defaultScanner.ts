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
import { scheduleField, stringField } from "./fields";
import { DeclaredProvider, partialCreateError, pick } from "./provider";
import { dynamicProps, HarborResource } from "./resource";
import { ArgsOf, declareResource, input, InputsOf } from "./schema";
import { ApiSchedule, readScheduleCron, scheduleBody } from "./systemSchedule";

/** The declaration: check, diff, types and the README table come from here. */
export const DEFAULT_SCANNER = declareResource({
    type: "DefaultScanner",
    // Another registration is another id: replaced, deleting first (the old one's delete removes the schedule the new one sets).
    deleteBeforeReplace: () => true,
    inputs: {
        // Harbor: the registration's name is VARCHAR(128) (make/migrations/postgresql/0015_1.10.0_schema.up.sql,
        // scanner_registration), non-empty (pkg/scan/dao/scanner/model.go Registration.Validate): a longer name
        // can never be registered, so it can never be found.
        scannerName: input(stringField({ default: "Trivy", minLength: 1, maxLength: 128, line: true }),
            "The registration to make the system default (found by name in `GET /scanners`; the chart's built-in one is `Trivy`).", { replaces: true }),
        // Harbor: handler/scan_all.go createOrUpdateScanAllSchedule -> utils.ValidateCronString (robfig/cron, seconds 0).
        scanAllSchedule: input(scheduleField(), "When to scan every artifact (`PUT /system/scanAll/schedule`); `\"\"` = never."),
    },
    outputs: {
        registrationUuid: { doc: "The registration's uuid (also the resource id)." },
        isDefault: { doc: "Whether it is still the system default (false after someone switched it: the next `up` switches it back)." },
    },
});

export type DefaultScannerInputs = InputsOf<typeof DEFAULT_SCANNER.spec.inputs>;
export type DefaultScannerArgs = ArgsOf<typeof DEFAULT_SCANNER.spec.inputs>;

export interface DefaultScannerOutputs extends DefaultScannerInputs {
    /** The registration's uuid (also the resource id). */
    registrationUuid: string;
    /** Whether the registration is still the system default (false after someone switched it: drift). */
    isDefault: boolean;
}

const INPUT_KEYS = ["connection", ...DEFAULT_SCANNER.managed] as const;
const SCAN_ALL = "/system/scanAll/schedule";

interface ApiScanner {
    uuid: string;
    name: string;
    is_default?: boolean;
}

export class DefaultScannerProvider extends DeclaredProvider<DefaultScannerInputs, DefaultScannerOutputs> implements pulumi.dynamic.ResourceProvider<DefaultScannerInputs, DefaultScannerOutputs> {
    protected readonly declaration = DEFAULT_SCANNER;

    /** A default switched behind our back (isDefault false) is a change to put back. Pure. */
    async diff(id: string, olds: DefaultScannerOutputs, news: DefaultScannerInputs): Promise<pulumi.dynamic.DiffResult> {
        const d = await super.diff(id, olds, news);
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
        return this.readState(state, async (c, props) => {
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
        });
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

/** The system default scanner and the scan-all schedule. */
export class DefaultScanner extends HarborResource {
    /** uuid of the scanner registration. */
    declare readonly registrationUuid: pulumi.Output<string>;
    /** Whether it is (still) the system default. */
    declare readonly isDefault: pulumi.Output<boolean>;

    constructor(name: string, args: DefaultScannerArgs, opts?: pulumi.CustomResourceOptions) {
        super(DEFAULT_SCANNER.type, name, dynamicProps(args, DEFAULT_SCANNER.outputNames), opts);
    }
}
