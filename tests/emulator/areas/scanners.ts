// /scanners and /system/scanAll/schedule, as Harbor 2.15 behaves (src/server/v2.0/handler/scan_all.go):
// - a built-in, IMMUTABLE "Trivy" registration exists and is the default (PUT/DELETE on it: 403);
// - PATCH {is_default: true} makes a registration the system default (and no other);
// - every scan-all call needs a default scanner (412 otherwise);
// - GET schedule answers 200 with an EMPTY body when there is none; PUT type None removes it, Manual is a 400;
//   POST is a 412 while a schedule exists.
import { randomUUID } from "crypto";
import { badRequest, defineArea, HarborError, notFound, ok, paginate, precondition } from "../server";
import { checkHarborCron } from "./systemSchedules";

const NOW = "2026-01-01T00:00:00.000Z";

export interface ScannerRecord {
    uuid: string;
    name: string;
    url: string;
    description: string;
    is_default: boolean;
    disabled: boolean;
    immutable: boolean;
}

export interface ScannersState {
    registrations: Map<string, ScannerRecord>;
    scanAll?: { id: number; type: string; cron: string };
    scanAllManualRuns: number;
    /** Register another scanner (a drift helper / a second adapter). */
    add(name: string, opts?: { isDefault?: boolean }): ScannerRecord;
    byName(name: string): ScannerRecord | undefined;
    /** Make `name` the default behind the provider's back. */
    setDefault(name: string): void;
    /** Remove a registration outright (e.g. Trivy uninstalled: Harbor drops its registration). */
    remove(name: string): void;
}

const view = (r: ScannerRecord) => ({
    uuid: r.uuid, name: r.name, description: r.description, url: r.url, disabled: r.disabled, is_default: r.is_default,
    auth: "", skip_certVerify: false, use_internal_addr: r.immutable, create_time: NOW, update_time: NOW,
    adapter: r.name, vendor: "Aqua Security", version: "v0.50.0", health: "healthy",
});

export const scannersArea = defineArea<ScannersState>({
    name: "scanners",
    init: () => {
        const registrations = new Map<string, ScannerRecord>();
        const state: ScannersState = {
            registrations,
            scanAllManualRuns: 0,
            add(name, opts = {}) {
                const r: ScannerRecord = { uuid: randomUUID(), name, url: `http://${name.toLowerCase()}-adapter:8080`, description: "", is_default: false, disabled: false, immutable: false };
                registrations.set(r.uuid, r);
                if (opts.isDefault) state.setDefault(name);
                return r;
            },
            byName: (name) => [...registrations.values()].find((r) => r.name === name),
            setDefault(name) {
                for (const r of registrations.values()) r.is_default = r.name === name;
            },
            remove(name) {
                const r = state.byName(name);
                if (r) registrations.delete(r.uuid);
            },
        };
        const trivy = state.add("Trivy", { isDefault: true });
        trivy.immutable = true;
        trivy.url = "http://harbor-trivy:8080";
        return state;
    },
    handlers: (state, emu) => {
        const must = (uuid: string) => {
            const r = state.registrations.get(uuid);
            if (!r) throw notFound(`scanner registration ${uuid}`);
            return r;
        };
        const requireScanEnabled = () => {
            if (![...state.registrations.values()].some((r) => r.is_default)) throw precondition("no scanner is configured, it's not possible to scan");
        };
        return {
            listScanners: (req) => {
                let list = [...state.registrations.values()];
                const q = req.query.get("q");
                if (q) {
                    const m = /^name=(.+)$/.exec(q);
                    if (!m) throw badRequest(`unsupported query ${q}`);
                    list = list.filter((r) => r.name === m[1]);
                }
                return paginate(req, list.map(view));
            },
            getScanner: (req) => ok(view(must(req.params.registration_id))),
            setScannerAsDefault: (req) => {
                const r = must(req.params.registration_id);
                if ((req.body as { is_default?: boolean }).is_default) state.setDefault(r.name);
                return ok();
            },
            updateScanner: (req) => {
                const r = must(req.params.registration_id);
                if (r.immutable) throw new HarborError(403, "FORBIDDEN", `registration ${r.name} is not allowed to update as it is immutable`);
                const body = req.body as { name: string; url: string; description?: string };
                Object.assign(r, { name: body.name, url: body.url, description: body.description ?? "" });
                return ok();
            },
            deleteScanner: (req) => {
                const r = must(req.params.registration_id);
                if (r.immutable) throw new HarborError(403, "FORBIDDEN", `registration ${r.name} is not allowed to delete as it is immutable`);
                state.registrations.delete(r.uuid);
                return ok(view(r));
            },
            getScanAllSchedule: () => {
                requireScanEnabled();
                const s = state.scanAll;
                return s ? ok({ id: s.id, status: "", schedule: { type: s.type, cron: s.cron }, creation_time: NOW, update_time: NOW }) : ok();
            },
            updateScanAllSchedule: (req) => {
                requireScanEnabled();
                const { type = "", cron = "" } = (req.body as { schedule?: { type?: string; cron?: string } }).schedule ?? {};
                if (type === "Manual") throw badRequest(`fail to update scan all schedule as wrong schedule type: ${type}`);
                if (type === "None") state.scanAll = undefined;
                else {
                    checkHarborCron(cron);
                    if (!state.scanAll || state.scanAll.type !== type || state.scanAll.cron !== cron) state.scanAll = { id: emu.nextId(), type, cron };
                }
                return ok();
            },
            createScanAllSchedule: (req) => {
                requireScanEnabled();
                const { type = "", cron = "" } = (req.body as { schedule?: { type?: string; cron?: string } }).schedule ?? {};
                if (type === "Manual") state.scanAllManualRuns++;
                else if (type !== "None") {
                    if (state.scanAll) throw precondition("fail to set schedule for scan all as always had one, please delete it firstly then to re-schedule");
                    checkHarborCron(cron);
                    state.scanAll = { id: emu.nextId(), type, cron };
                }
                return { status: 201 };
            },
        };
    },
});
