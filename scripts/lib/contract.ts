/**
 * The Harbor contract the repository carries (contract/*.json): the facts the tests and the emulator need from the
 * ground truth (Harbor's swagger.yaml, the Helm chart's values.yaml and Chart.yaml, the robot access lists of the
 * Harbor API notes), extracted without prose, as sorted JSON. `npm run sync-contract` writes it from a shared folder;
 * `--check` compares it with what the shared folder gives now. The source files themselves are never copied.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { readChartKeys } from "../../tests/helpers/chartKeys";

export const CONTRACT_DIR = path.join(__dirname, "..", "..", "contract");
export const API_CONTRACT = "harbor-api.json";
export const CHART_CONTRACT = "harbor-chart.json";
export const RBAC_CONTRACT = "harbor-rbac.json";

/** The shared folder: $HARBOR_SHARED_DIR, else ../shared beside the repository. */
export function sharedDir(env: NodeJS.ProcessEnv = process.env): string {
    return path.resolve(env.HARBOR_SHARED_DIR ?? path.join(__dirname, "..", "..", "..", "shared"));
}

/** Where each contract file comes from, relative to the shared folder. */
export const SOURCES: Record<string, readonly string[]> = {
    [API_CONTRACT]: ["harbor/swagger.yaml"],
    [CHART_CONTRACT]: ["harbor/chart-values.yaml", "harbor/Chart.yaml"],
    [RBAC_CONTRACT]: ["notes/harbor-api.md"],
};

export interface SourceRef {
    file: string;
    sha256: string;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

// ---------------------------------------------------------------------------------------------------------------
// Swagger: the structure, without prose.

/** Keys that hold only documentation, wherever they appear in an object of the spec. */
const PROSE = new Set(["description", "summary", "title", "example", "examples", "externalDocs", "termsOfService", "contact", "license"]);
/** Vendor extensions that carry structure (the rest are documentation and dropped). */
const STRUCTURAL_EXTENSIONS = new Set(["x-nullable", "x-isnullable", "x-omitempty"]);
/** Keys whose object value maps NAMES (of properties, paths, definitions, response codes...) to spec objects. */
const NAMED_MAPS = new Set(["properties", "definitions", "paths", "parameters", "responses", "headers", "securityDefinitions", "patternProperties"]);
/** Keys whose value is data (kept verbatim). */
const LITERAL = new Set(["default", "enum"]);

function stripObject(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(stripObject);
    if (node === null || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
        if (PROSE.has(k)) continue;
        if (k.startsWith("x-") && !STRUCTURAL_EXTENSIONS.has(k)) continue;
        if (LITERAL.has(k)) out[k] = v;
        else if (k === "scopes" && v && typeof v === "object") out[k] = Object.fromEntries(Object.keys(v).map((s) => [s, ""])); // values are prose
        else if (NAMED_MAPS.has(k) && v && typeof v === "object" && !Array.isArray(v)) {
            out[k] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([name, inner]) => [name, stripObject(inner)]));
        } else out[k] = stripObject(v);
    }
    return out;
}

/** The swagger's structure: paths, methods, operationIds, parameters, schemas, responses, definitions; no prose. */
export function extractApi(swaggerText: string, file = "harbor/swagger.yaml"): { source: SourceRef[]; spec: Record<string, unknown> } {
    const doc = YAML.parse(swaggerText) as Record<string, unknown>;
    const spec = stripObject(doc) as Record<string, unknown>;
    const info = doc.info as { version?: string } | undefined;
    spec.info = info?.version !== undefined ? { version: info.version } : {};
    return { source: [{ file, sha256: sha256(swaggerText) }], spec };
}

// ---------------------------------------------------------------------------------------------------------------
// Chart: value keys (real and commented, as tests/helpers/chartKeys.ts reads them) and the kinds of the defaults.

export type DefaultKind = "list" | "string" | "empty-string" | "true" | "false" | "number" | "null";
/** The chart's defaults with every leaf replaced by its kind (maps stay maps: keys may contain dots). */
export interface DefaultsTree {
    [key: string]: DefaultKind | DefaultsTree;
}

export interface ChartContract {
    source: SourceRef[];
    chart: { name: string; version: string; appVersion: string };
    /** readChartKeys' result: every key (commented ones too) and the free-form ones. */
    keys: { known: string[]; freeForm: string[] };
    /** The kind of the default of every real (uncommented) key; never the value itself. */
    defaults: DefaultsTree;
}

function kindsOf(values: unknown): DefaultKind | DefaultsTree {
    if (values === null || values === undefined) return "null";
    if (Array.isArray(values)) return "list";
    if (typeof values === "object") return Object.fromEntries(Object.entries(values as Record<string, unknown>).map(([k, v]) => [k, kindsOf(v)]));
    if (typeof values === "string") return values === "" ? "empty-string" : "string";
    if (typeof values === "boolean") return values ? "true" : "false";
    return "number";
}

/** Dotted path to kind ("map" for a map), for reporting. */
function flattenDefaults(tree: unknown, prefix = "", out: Record<string, string> = {}): Record<string, string> {
    for (const [k, v] of Object.entries(obj(tree))) {
        const p = prefix ? `${prefix}.${k}` : k;
        if (typeof v === "string") out[p] = v;
        else {
            out[p] = "map";
            flattenDefaults(v, p, out);
        }
    }
    return out;
}

export function extractChart(valuesText: string, chartYamlText: string, files = SOURCES[CHART_CONTRACT]): ChartContract {
    const keys = readChartKeys(valuesText);
    const meta = YAML.parse(chartYamlText) as { name: string; version: string; appVersion: string };
    const defaults = kindsOf(YAML.parse(valuesText) ?? {});
    return {
        source: [{ file: files[0], sha256: sha256(valuesText) }, { file: files[1], sha256: sha256(chartYamlText) }],
        chart: { name: String(meta.name), version: String(meta.version), appVersion: String(meta.appVersion) },
        keys: { known: [...keys.known].sort(), freeForm: [...keys.freeForm].sort() },
        defaults: typeof defaults === "string" ? {} : defaults,
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Robot access: the "- **System scope**: ..." and "- **Project scope**: ..." lines of the Harbor API notes.

export interface RbacContract {
    source: SourceRef[];
    robotAccess: { system: Record<string, string[]>; project: Record<string, string[]> };
}

const CRUDL = ["create", "read", "update", "delete", "list"];

function parseScope(notes: string, label: string): Record<string, string[]> {
    const line = notes.split("\n").find((l) => l.startsWith(`- **${label}**:`));
    if (!line) throw new Error(`the notes have no "- **${label}**:" line`);
    const out: Record<string, string[]> = {};
    for (const entry of line.slice(line.indexOf(":") + 1).replace(/\.\s*$/, "").split(";")) {
        const [resource, actions] = entry.trim().split(":");
        out[resource] = (actions === "CRUDL" ? CRUDL : actions.replace(/[{}]/g, "").split(",")).map((a) => a.trim()).sort();
    }
    return out;
}

export function extractRbac(notesText: string, file = SOURCES[RBAC_CONTRACT][0]): RbacContract {
    return {
        source: [{ file, sha256: sha256(notesText) }],
        robotAccess: { system: parseScope(notesText, "System scope"), project: parseScope(notesText, "Project scope") },
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Building, writing, checking.

/** JSON with object keys sorted at every level (arrays keep their order), two-space indent, final newline. */
export function stableStringify(value: unknown): string {
    const sort = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(sort);
        if (v === null || typeof v !== "object") return v;
        return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    };
    return JSON.stringify(sort(value), null, 2) + "\n";
}

/** The contract files the shared folder gives (only those whose sources are all present). */
export function buildContract(shared: string): Map<string, unknown> {
    const read = (rel: string) => fs.readFileSync(path.join(shared, rel), "utf8");
    const has = (name: string) => SOURCES[name].every((rel) => fs.existsSync(path.join(shared, rel)));
    const out = new Map<string, unknown>();
    if (has(API_CONTRACT)) out.set(API_CONTRACT, extractApi(read(SOURCES[API_CONTRACT][0])));
    if (has(CHART_CONTRACT)) out.set(CHART_CONTRACT, extractChart(read(SOURCES[CHART_CONTRACT][0]), read(SOURCES[CHART_CONTRACT][1])));
    if (has(RBAC_CONTRACT)) out.set(RBAC_CONTRACT, extractRbac(read(SOURCES[RBAC_CONTRACT][0])));
    return out;
}

export function writeContract(dir: string, files: Map<string, unknown>): string[] {
    fs.mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    for (const [name, value] of files) {
        const file = path.join(dir, name);
        const text = stableStringify(value);
        if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) continue;
        fs.writeFileSync(file, text);
        written.push(name);
    }
    return written;
}

type Json = Record<string, unknown>;
const same = (a: unknown, b: unknown) => stableStringify(a) === stableStringify(b);
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});

/** Names in a or b whose values differ: added (+), removed (-) or changed (~), with a detail for changes. */
function diffNamed(label: string, carried: Json, fresh: Json, detail: (a: unknown, b: unknown) => string = () => ""): string[] {
    const lines: string[] = [];
    for (const name of [...new Set([...Object.keys(carried), ...Object.keys(fresh)])].sort()) {
        if (!(name in carried)) lines.push(`+ ${label} ${name}`);
        else if (!(name in fresh)) lines.push(`- ${label} ${name}`);
        else if (!same(carried[name], fresh[name])) {
            const d = detail(carried[name], fresh[name]);
            lines.push(`~ ${label} ${name}${d ? `: ${d}` : ""}`);
        }
    }
    return lines;
}

/** Which keys of two objects differ, as a short comma list (e.g. "parameters q, page; responses 200"). */
function changedKeys(a: unknown, b: unknown): string {
    const A = obj(a), B = obj(b);
    const parts: string[] = [];
    for (const k of [...new Set([...Object.keys(A), ...Object.keys(B)])].sort()) {
        if (same(A[k], B[k])) continue;
        if (k === "parameters" && Array.isArray(A[k]) && Array.isArray(B[k])) {
            const byName = (ps: unknown[]) => Object.fromEntries(ps.map((p) => [obj(p).name ?? obj(p).$ref ?? "?", p]));
            const pa = byName(A[k] as unknown[]), pb = byName(B[k] as unknown[]);
            const names = [...new Set([...Object.keys(pa), ...Object.keys(pb)])].filter((n) => !same(pa[n], pb[n]));
            parts.push(`parameters ${names.length ? names.join(", ") : "(order)"}`);
        } else if (k === "properties" || k === "responses") {
            const names = [...new Set([...Object.keys(obj(A[k])), ...Object.keys(obj(B[k]))])].filter((n) => !same(obj(A[k])[n], obj(B[k])[n]));
            parts.push(`${k} ${names.join(", ")}`);
        } else parts.push(k);
    }
    return parts.join("; ");
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch"];

function operations(spec: Json): Json {
    const out: Json = {};
    for (const [template, item] of Object.entries(obj(spec.paths))) {
        for (const [method, op] of Object.entries(obj(item))) {
            if (!METHODS.includes(method)) continue;
            const id = obj(op).operationId;
            out[`${method.toUpperCase()} ${template}${id ? ` (${id})` : ""}`] = { ...obj(op), pathParameters: obj(item).parameters };
        }
    }
    return out;
}

/** A readable summary of how the carried contract file differs from the fresh one (empty when equal). */
export function diffContract(name: string, carried: unknown, fresh: unknown): string[] {
    if (carried === undefined) return [`+ ${name} (not carried yet)`];
    const C = obj(carried), F = obj(fresh);
    if (name === API_CONTRACT) {
        const cs = obj(C.spec), fs_ = obj(F.spec);
        const lines = [
            ...diffNamed("operation", operations(cs), operations(fs_), changedKeys),
            ...diffNamed("definition", obj(cs.definitions), obj(fs_.definitions), changedKeys),
            ...diffNamed("parameter", obj(cs.parameters), obj(fs_.parameters), changedKeys),
            ...diffNamed("response", obj(cs.responses), obj(fs_.responses), changedKeys),
        ];
        const rest = (s: Json) => Object.fromEntries(Object.entries(s).filter(([k]) => !["paths", "definitions", "parameters", "responses"].includes(k)));
        lines.push(...diffNamed("spec field", rest(cs), rest(fs_)));
        return lines;
    }
    if (name === CHART_CONTRACT) {
        const setDiff = (label: string, a: unknown, b: unknown) => {
            const A = new Set(a as string[]), B = new Set(b as string[]);
            return [...[...B].filter((k) => !A.has(k)).map((k) => `+ ${label} ${k}`), ...[...A].filter((k) => !B.has(k)).map((k) => `- ${label} ${k}`)];
        };
        return [
            ...diffNamed("chart", obj(C.chart), obj(F.chart), (a, b) => `${a} -> ${b}`),
            ...setDiff("key", obj(C.keys).known ?? [], obj(F.keys).known ?? []),
            ...setDiff("free-form key", obj(C.keys).freeForm ?? [], obj(F.keys).freeForm ?? []),
            ...diffNamed("default of", flattenDefaults(C.defaults), flattenDefaults(F.defaults), (a, b) => `${a} -> ${b}`),
        ];
    }
    if (name === RBAC_CONTRACT) {
        const ra = obj(C.robotAccess), rb = obj(F.robotAccess);
        return ["system", "project"].flatMap((scope) => diffNamed(`${scope} robot access`, obj(ra[scope]), obj(rb[scope]), (a, b) => `${(a as string[]).join(",")} -> ${(b as string[]).join(",")}`));
    }
    return same(carried, fresh) ? [] : [`~ ${name}`];
}

export interface CheckResult {
    /** Per contract file, the differences (only files that differ). */
    differences: Map<string, string[]>;
    /** Contract files whose facts are equal but whose sources changed (only prose, or formatting). */
    staleHeaders: string[];
}

/** Compare the carried contract (in dir) with the fresh one; equal facts with other source hashes are only noted. */
export function checkContract(dir: string, fresh: Map<string, unknown>): CheckResult {
    const result: CheckResult = { differences: new Map(), staleHeaders: [] };
    for (const [name, value] of fresh) {
        const file = path.join(dir, name);
        const carried = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
        const withoutSource = (v: unknown) => ({ ...obj(v), source: undefined });
        if (carried !== undefined && same(withoutSource(carried), withoutSource(value))) {
            if (!same(obj(carried).source, obj(value).source)) result.staleHeaders.push(name);
            continue;
        }
        const lines = diffContract(name, carried, value);
        result.differences.set(name, lines.length ? lines : [`~ ${name}`]);
    }
    return result;
}
